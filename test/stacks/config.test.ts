/**
 * Stack configuration is validated before any resource is declared; each mistake names its key.
 * Config is read from Pulumi's runtime config store, so no mocks are needed here.
 */
import { describe, expect, it } from '@jest/globals';
import * as pulumi from '@pulumi/pulumi';
import { readStackConfig } from '../../stacks/config.js';
import { PROJECT } from './mocked-stack.js';

const REQUIRED = {
  image: 'ghcr.io/acme/shop:1.0.0',
  dbPassword: 'a-sixteen-char-password',
  dbAppPassword: 'another-sixteen-chars',
};

function read(config: Record<string, string>): ReturnType<typeof readStackConfig> {
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`${PROJECT}:${k}`, v])), [
    `${PROJECT}:dbPassword`,
    `${PROJECT}:dbAppPassword`,
  ]);
  return readStackConfig(new pulumi.Config(PROJECT));
}

describe('readStackConfig', () => {
  it('needs only image, dbPassword and dbAppPassword', () => {
    const config = read(REQUIRED);
    expect(config.network).toEqual({
      kind: 'new',
      vpcCidr: '10.0.0.0/16',
      availabilityZoneCount: 2,
      natGatewayPerZone: false,
    });
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
      multiAz: false,
      username: 'app',
      appUsername: 'app_runtime',
      backupRetentionDays: 7,
      logRetentionDays: 30,
      ingressCidrs: [],
      ingressSecurityGroupIds: [],
    });
    expect(config.service).toMatchObject({ version: '1.0.0', migratorImage: REQUIRED.image, deployTimeoutMinutes: 30 });
  });

  it.each([
    [{ dbPassword: REQUIRED.dbPassword }, /image/],
    [{ image: REQUIRED.image, dbAppPassword: REQUIRED.dbAppPassword }, /dbPassword/],
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
    [{ image: REQUIRED.image, dbPassword: REQUIRED.dbPassword }, /dbAppPassword/],
    [{ ...REQUIRED, dbAppUsername: 'app' }, /'dbAppUsername' must differ from dbUsername \('app'\)/],
    [{ ...REQUIRED, cpu: '300' }, /'cpu' must be one of 256, 512, 1024/],
    [
      { ...REQUIRED, cpu: '256', memory: '4096' },
      /'memory' \(4096\) is not a Fargate size for cpu 256; use one of 512, 1024, 2048 MiB/,
    ],
    [
      { ...REQUIRED, certificateArn: 'arn:aws:acm:eu-west-1:1:certificate/x' },
      /'publicHostname' is required with certificateArn/,
    ],
    [{ ...REQUIRED, dbIngressCidrs: '["10.20.0.0"]' }, /dbIngressCidrs' must list IPv4 CIDR blocks/],
    [
      { ...REQUIRED, dbIngressSecurityGroupIds: '["ci-runners"]' },
      /dbIngressSecurityGroupIds' must list security group ids/,
    ],
    [{ ...REQUIRED, dbLogRetentionDays: '2' }, /dbLogRetentionDays' must be one of/],
    [{ ...REQUIRED, dbIdentifier: 'Prod--db' }, /dbIdentifier/],
  ])('rejects %j', (config, message) => {
    expect(() => read(config)).toThrow(message);
  });

  it('takes the version from the image tag or digest unless set', () => {
    expect(read({ ...REQUIRED, image: 'registry:5000/shop:2.1.0' }).service.version).toBe('2.1.0');
    expect(read({ ...REQUIRED, image: `registry/shop@sha256:${'d'.repeat(64)}` }).service.version).toBe(
      `sha256:${'d'.repeat(64)}`,
    );
    expect(read({ ...REQUIRED, image: 'registry:5000/shop' }).service.version).toBe('registry:5000/shop');
    expect(read({ ...REQUIRED, version: '2.1.0+build.7' }).service.version).toBe('2.1.0+build.7');
  });
});
