/**
 * The stack's configuration, read once and validated before any resource is declared, so a typo
 * in `Pulumi.<stack>.yaml` fails the preview with the key's name instead of half-creating a stack.
 * Keys live in the project namespace (`deployctl-app:image`); see stacks/Pulumi.example.yaml.
 */
import * as pulumi from '@pulumi/pulumi';

/** Create a VPC with public subnets (ALB, NAT) and private subnets (tasks, database). */
export interface NewNetworkConfig {
  kind: 'new';
  vpcCidr: string;
  /** ALBs and RDS subnet groups both need subnets in at least two availability zones. */
  availabilityZoneCount: number;
}

/** Deploy into a VPC that already exists; its routing (NAT for the private subnets) is assumed. */
export interface ExistingNetworkConfig {
  kind: 'existing';
  vpcId: string;
  publicSubnetIds: string[];
  privateSubnetIds: string[];
}

export interface DatabaseConfig {
  instanceClass: string;
  allocatedStorageGb: number;
  /** Major or major.minor; the major version picks the parameter group family (`postgres16`). */
  engineVersion: string;
  name: string;
  username: string;
  password: pulumi.Output<string>;
  /** Refuses `pulumi destroy` of the instance until turned off: the data outlives the stack. */
  deletionProtection: boolean;
  /** Appended to DATABASE_URL; RDS for PostgreSQL 15+ rejects connections without TLS. */
  sslMode: string;
}

export interface ServiceConfig {
  /** Full image reference; the deployctl `pulumi` driver sets it on every rollout. */
  image: string;
  desiredCount: number;
  /** Fargate CPU units (256 = 0.25 vCPU) and MiB; AWS accepts only its published pairs. */
  cpu: number;
  memoryMb: number;
  containerPort: number;
  healthPath: string;
  healthyThreshold: number;
  unhealthyThreshold: number;
  healthCheckIntervalSeconds: number;
  healthCheckTimeoutSeconds: number;
  logRetentionDays: number;
  /** ACM certificate for an HTTPS listener on 443; without it the ALB serves plain HTTP on 80. */
  certificateArn?: string;
  /** DNS name that points at the ALB (managed elsewhere); used for `url` instead of the ALB's name. */
  publicHostname?: string;
}

export interface StackConfig {
  network: NewNetworkConfig | ExistingNetworkConfig;
  database: DatabaseConfig;
  service: ServiceConfig;
}

/** Retention periods CloudWatch Logs accepts; any other value is rejected by the API. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export function readStackConfig(config: pulumi.Config = new pulumi.Config()): StackConfig {
  return {
    network: readNetwork(config),
    database: readDatabase(config),
    service: readService(config),
  };
}

function readNetwork(config: pulumi.Config): NewNetworkConfig | ExistingNetworkConfig {
  const vpcId = config.get('vpcId');
  if (vpcId === undefined) {
    for (const key of ['publicSubnetIds', 'privateSubnetIds']) {
      if (config.get(key) !== undefined) fail(key, 'is only used together with `vpcId`; set `vpcId` too, or remove it');
    }
    return {
      kind: 'new',
      vpcCidr: config.get('vpcCidr', { pattern: /^\d{1,3}(\.\d{1,3}){3}\/(1[6-9]|2[0-4])$/ }) ?? '10.0.0.0/16',
      availabilityZoneCount: config.getNumber('availabilityZoneCount', { min: 2, max: 6 }) ?? 2,
    };
  }
  return {
    kind: 'existing',
    vpcId,
    publicSubnetIds: subnetList(config, 'publicSubnetIds'),
    privateSubnetIds: subnetList(config, 'privateSubnetIds'),
  };
}

function subnetList(config: pulumi.Config, key: string): string[] {
  const ids = config.getObject<unknown>(key);
  if (!Array.isArray(ids) || ids.length < 2 || !ids.every((id) => typeof id === 'string' && id.startsWith('subnet-'))) {
    fail(
      key,
      'must list at least two subnet ids in different availability zones, e.g. ["subnet-0a1b…", "subnet-0c2d…"]',
    );
  }
  return ids as string[];
}

function readDatabase(config: pulumi.Config): DatabaseConfig {
  return {
    instanceClass: config.get('dbInstanceClass', { pattern: /^db\./ }) ?? 'db.t4g.micro',
    allocatedStorageGb: config.getNumber('dbAllocatedStorage', { min: 20, max: 65536 }) ?? 20,
    engineVersion: config.get('dbEngineVersion', { pattern: /^\d{2}(\.\d+)?$/ }) ?? '16',
    name: config.get('dbName', { pattern: /^[a-z][a-z0-9_]{0,62}$/ }) ?? 'app',
    username: config.get('dbUsername', { pattern: /^[a-z][a-z0-9_]{0,15}$/ }) ?? 'app',
    password: config.requireSecret('dbPassword', { minLength: 16, pattern: /^[^/@"' ]+$/ }),
    deletionProtection: config.getBoolean('dbDeletionProtection') ?? true,
    sslMode:
      config.get('dbSslMode', { allowedValues: ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] }) ??
      'require',
  };
}

function readService(config: pulumi.Config): ServiceConfig {
  const healthPath = config.get('healthPath', { pattern: /^\/\S*$/ }) ?? '/healthz';
  const healthCheckIntervalSeconds = config.getNumber('healthCheckIntervalSeconds', { min: 5, max: 300 }) ?? 15;
  const healthCheckTimeoutSeconds = config.getNumber('healthCheckTimeoutSeconds', { min: 2, max: 120 }) ?? 5;
  if (healthCheckTimeoutSeconds >= healthCheckIntervalSeconds) {
    fail(
      'healthCheckTimeoutSeconds',
      `(${healthCheckTimeoutSeconds}) must be shorter than healthCheckIntervalSeconds (${healthCheckIntervalSeconds})`,
    );
  }
  const logRetentionDays = config.getNumber('logRetentionDays') ?? 30;
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    fail('logRetentionDays', `must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  return {
    image: config.require('image', { minLength: 1 }),
    desiredCount: config.getNumber('desiredCount', { min: 1 }) ?? 2,
    cpu: config.getNumber('cpu', { min: 256 }) ?? 256,
    memoryMb: config.getNumber('memory', { min: 512 }) ?? 512,
    containerPort: config.getNumber('containerPort', { min: 1, max: 65535 }) ?? 8080,
    healthPath,
    healthyThreshold: config.getNumber('healthyThreshold', { min: 2, max: 10 }) ?? 2,
    unhealthyThreshold: config.getNumber('unhealthyThreshold', { min: 2, max: 10 }) ?? 3,
    healthCheckIntervalSeconds,
    healthCheckTimeoutSeconds,
    logRetentionDays,
    certificateArn: config.get('certificateArn', { pattern: /^arn:aws[\w-]*:acm:/ }),
    publicHostname: config.get('publicHostname', { pattern: /^[a-z0-9.-]+$/ }),
  };
}

function fail(key: string, problem: string): never {
  throw new pulumi.RunError(`Configuration key '${key}' ${problem}.`);
}
