/**
 * Stack configuration is validated before any resource is declared; each mistake names its key.
 * Config is read from Pulumi's runtime config store, so no mocks are needed here.
 */
import { describe, expect, it } from '@jest/globals';
import * as pulumi from '@pulumi/pulumi';
import { readStackConfig } from '../../stacks/config.js';
import { PROJECT } from './mocked-stack.js';

const REQUIRED = { image: 'ghcr.io/acme/shop:1.0.0', dbPassword: 'a-sixteen-char-password' };

function read(config: Record<string, string>): ReturnType<typeof readStackConfig> {
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`${PROJECT}:${k}`, v])), [
    `${PROJECT}:dbPassword`,
  ]);
  return readStackConfig(new pulumi.Config(PROJECT));
}

describe('readStackConfig', () => {
  it('needs only image and dbPassword', () => {
    const config = read(REQUIRED);
    expect(config.network).toEqual({ kind: 'new', vpcCidr: '10.0.0.0/16', availabilityZoneCount: 2 });
    expect(config.service).toMatchObject({
      image: REQUIRED.image,
      desiredCount: 2,
      containerPort: 8080,
      healthPath: '/healthz',
    });
    expect(config.database).toMatchObject({
      instanceClass: 'db.t4g.micro',
      allocatedStorageGb: 20,
      deletionProtection: true,
    });
  });

  it.each([
    [{ dbPassword: REQUIRED.dbPassword }, /image/],
    [{ image: REQUIRED.image }, /dbPassword/],
    [{ ...REQUIRED, dbPassword: 'short' }, /dbPassword/],
    [{ ...REQUIRED, dbPassword: 'has-an-@-sign-in-it' }, /dbPassword/],
    [{ ...REQUIRED, healthPath: 'healthz' }, /healthPath/],
    [
      { ...REQUIRED, healthCheckIntervalSeconds: '5', healthCheckTimeoutSeconds: '5' },
      /'healthCheckTimeoutSeconds' \(5\) must be shorter than healthCheckIntervalSeconds \(5\)/,
    ],
    [{ ...REQUIRED, logRetentionDays: '10' }, /logRetentionDays' must be one of 1, 3, 5/],
    [{ ...REQUIRED, availabilityZoneCount: '1' }, /availabilityZoneCount/],
    [
      { ...REQUIRED, privateSubnetIds: '["subnet-a","subnet-b"]' },
      /privateSubnetIds' is only used together with `vpcId`/,
    ],
    [
      { ...REQUIRED, vpcId: 'vpc-1', publicSubnetIds: '["subnet-a","subnet-b"]' },
      /privateSubnetIds' must list at least two subnet ids/,
    ],
    [
      { ...REQUIRED, vpcId: 'vpc-1', publicSubnetIds: '["subnet-a"]', privateSubnetIds: '["subnet-c","subnet-d"]' },
      /publicSubnetIds' must list at least two/,
    ],
    [{ ...REQUIRED, dbEngineVersion: 'latest' }, /dbEngineVersion/],
  ])('rejects %j', (config, message) => {
    expect(() => read(config)).toThrow(message);
  });
});
