import { describe, expect, it } from '@jest/globals';
import { subnetCidr } from '../../stacks/cidr.js';

describe('subnetCidr', () => {
  it.each([
    ['10.0.0.0/16', 4, 0, '10.0.0.0/20'],
    ['10.0.0.0/16', 4, 9, '10.0.144.0/20'],
    ['10.0.0.0/16', 4, 15, '10.0.240.0/20'],
    ['172.31.5.7/16', 8, 3, '172.31.3.0/24'],
    ['192.168.10.0/24', 4, 15, '192.168.10.240/28'],
  ])('%s split by %i bits, block %i is %s', (cidr, bits, index, expected) => {
    expect(subnetCidr(cidr, bits, index)).toBe(expected);
  });

  it('rejects blocks outside the range, subnets smaller than AWS allows, and malformed input', () => {
    expect(() => subnetCidr('10.0.0.0/16', 4, 16)).toThrow('holds 16 blocks of /20; index 16 is outside it');
    expect(() => subnetCidr('10.0.0.0/26', 4, 0)).toThrow('AWS subnets are at most /28');
    expect(() => subnetCidr('10.0.300.0/16', 4, 0)).toThrow('is not an IPv4 CIDR block');
    expect(() => subnetCidr('10.0.0.0', 4, 0)).toThrow('is not an IPv4 CIDR block');
  });
});
