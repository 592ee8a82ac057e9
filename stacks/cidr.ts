/**
 * IPv4 subnet arithmetic for carving the VPC's range into per-zone subnets without asking the user
 * for every block. Pure, so it is tested without Pulumi.
 */

/**
 * The `index`-th block of size `/prefix + extraBits` inside `cidr`, e.g.
 * `subnetCidr('10.0.0.0/16', 4, 9)` is `10.0.144.0/20`.
 */
export function subnetCidr(cidr: string, extraBits: number, index: number): string {
  const [address, prefixText] = cidr.split('/');
  const prefix = Number(prefixText);
  const octets = (address ?? '').split('.').map(Number);
  if (
    octets.length !== 4 ||
    octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255) ||
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > 32
  ) {
    throw new Error(`'${cidr}' is not an IPv4 CIDR block such as 10.0.0.0/16`);
  }
  const newPrefix = prefix + extraBits;
  if (newPrefix > 28)
    throw new Error(`${cidr} split by ${extraBits} bits gives /${newPrefix}; AWS subnets are at most /28`);
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** extraBits) {
    throw new Error(`${cidr} holds ${2 ** extraBits} blocks of /${newPrefix}; index ${index} is outside it`);
  }
  const base = octets.reduce((value, octet) => value * 256 + octet, 0);
  const network = base - (base % 2 ** (32 - prefix));
  const start = network + index * 2 ** (32 - newPrefix);
  const parts = [24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256);
  return `${parts.join('.')}/${newPrefix}`;
}
