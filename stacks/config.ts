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
  /**
   * One NAT gateway per zone, so a zone's outage does not stop image pulls, logs and parameter
   * reads in the others; one shared gateway otherwise (cheaper). Default: true for `prod*` stacks.
   */
  natGatewayPerZone: boolean;
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
  /** The master user: owns the schema, used by migrations (the migrator task), never by the app. */
  username: string;
  password: pulumi.Output<string>;
  /** The app's own login role, created once by a documented step (docs/pulumi.md); not the master. */
  appUsername: string;
  appPassword: pulumi.Output<string>;
  /** RDS instance identifier; its log group is created (with retention) before the instance. */
  identifier: string;
  /** A standby in a second zone. Default: true for `prod*` stacks. */
  multiAz: boolean;
  backupRetentionDays: number;
  /** Retention of the instance's PostgreSQL log group (`/aws/rds/instance/<id>/postgresql`). */
  logRetentionDays: number;
  /** Besides the app and migrator tasks, who may reach the database port: CIDRs routed into the VPC (VPN, peering). */
  ingressCidrs: string[];
  /** ...and security groups in the VPC (e.g. self-hosted CI runners). */
  ingressSecurityGroupIds: string[];
  /** Refuses `pulumi destroy` of the instance until turned off: the data outlives the stack. */
  deletionProtection: boolean;
  /** Appended to DATABASE_URL; RDS for PostgreSQL 15+ rejects connections without TLS. */
  sslMode: string;
}

export interface ServiceConfig {
  /**
   * Full image reference. The deployctl `pulumi` driver sets it (and `version`) in a temporary
   * copy of the stack config on every rollout; keep it out of the checked-in Pulumi.<stack>.yaml.
   */
  image: string;
  /** What the app reports as its version (APP_VERSION); default: the image's tag or digest. */
  version: string;
  /** Image of the one-off migrator task; default: the app image. */
  migratorImage: string;
  /** How long `pulumi up` waits for the ECS deployment to settle before failing. */
  deployTimeoutMinutes: number;
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

/** CPU units → MiB values Fargate accepts for each (Linux tasks). */
const FARGATE_MEMORY_MB: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let value = from; value <= to; value += step) values.push(value);
  return values;
}

/** Stacks whose name starts with `prod` get the availability defaults (multi-AZ, NAT per zone). */
export function isProductionStack(stack: string): boolean {
  return stack.startsWith('prod');
}

/** Retention periods CloudWatch Logs accepts; any other value is rejected by the API. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export function readStackConfig(config: pulumi.Config = new pulumi.Config()): StackConfig {
  const network = readNetwork(config);
  const service = readService(config);
  return { network, database: readDatabase(config, service.logRetentionDays), service };
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
      natGatewayPerZone: config.getBoolean('natGatewayPerZone') ?? isProductionStack(pulumi.getStack()),
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

function readDatabase(config: pulumi.Config, serviceLogRetentionDays: number): DatabaseConfig {
  const username = config.get('dbUsername', { pattern: /^[a-z][a-z0-9_]{0,15}$/ }) ?? 'app';
  const appUsername = config.get('dbAppUsername', { pattern: /^[a-z][a-z0-9_]{0,62}$/ }) ?? `${username}_runtime`;
  if (appUsername === username) {
    fail('dbAppUsername', `must differ from dbUsername ('${username}'): the app does not connect as the master user`);
  }
  const logRetentionDays = config.getNumber('dbLogRetentionDays') ?? serviceLogRetentionDays;
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    fail('dbLogRetentionDays', `must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  const ingressCidrs = config.getObject<unknown>('dbIngressCidrs') ?? [];
  if (!Array.isArray(ingressCidrs) || !ingressCidrs.every((c) => typeof c === 'string' && CIDR.test(c))) {
    fail('dbIngressCidrs', 'must list IPv4 CIDR blocks routed into the VPC, e.g. ["10.20.0.0/16"]');
  }
  const ingressGroups = config.getObject<unknown>('dbIngressSecurityGroupIds') ?? [];
  if (!Array.isArray(ingressGroups) || !ingressGroups.every((g) => typeof g === 'string' && g.startsWith('sg-'))) {
    fail('dbIngressSecurityGroupIds', 'must list security group ids in the VPC, e.g. ["sg-0a1b2c3d4e5f"]');
  }
  return {
    identifier:
      config.get('dbIdentifier', { pattern: /^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$/ }) ??
      defaultIdentifier(pulumi.getProject(), pulumi.getStack()),
    multiAz: config.getBoolean('dbMultiAz') ?? isProductionStack(pulumi.getStack()),
    backupRetentionDays: config.getNumber('dbBackupRetentionDays', { min: 1, max: 35 }) ?? 7,
    logRetentionDays,
    ingressCidrs: ingressCidrs as string[],
    ingressSecurityGroupIds: ingressGroups as string[],
    appUsername,
    appPassword: config.requireSecret('dbAppPassword', { minLength: 16, pattern: /^[^/@"' ]+$/ }),
    instanceClass: config.get('dbInstanceClass', { pattern: /^db\./ }) ?? 'db.t4g.micro',
    allocatedStorageGb: config.getNumber('dbAllocatedStorage', { min: 20, max: 65536 }) ?? 20,
    engineVersion: config.get('dbEngineVersion', { pattern: /^\d{2}(\.\d+)?$/ }) ?? '16',
    name: config.get('dbName', { pattern: /^[a-z][a-z0-9_]{0,62}$/ }) ?? 'app',
    username,
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
  const cpu = config.getNumber('cpu') ?? 256;
  const memoryMb = config.getNumber('memory') ?? 512;
  const memories = FARGATE_MEMORY_MB[cpu];
  if (memories === undefined)
    fail('cpu', `must be one of ${Object.keys(FARGATE_MEMORY_MB).join(', ')} (Fargate CPU units)`);
  if (!memories.includes(memoryMb)) {
    fail('memory', `(${memoryMb}) is not a Fargate size for cpu ${cpu}; use one of ${memories.join(', ')} MiB`);
  }
  const certificateArn = config.get('certificateArn', { pattern: /^arn:aws[\w-]*:acm:/ });
  const publicHostname = config.get('publicHostname', { pattern: /^[a-z0-9.-]+$/ });
  if (certificateArn !== undefined && publicHostname === undefined) {
    fail(
      'publicHostname',
      "is required with certificateArn: the certificate cannot match the load balancer's own DNS name, so healthUrl must use yours",
    );
  }
  const image = config.require('image', { minLength: 1 });
  return {
    image,
    version: config.get('version', { minLength: 1 }) ?? versionOf(image),
    migratorImage: config.get('migratorImage', { minLength: 1 }) ?? image,
    deployTimeoutMinutes: config.getNumber('deployTimeoutMinutes', { min: 5, max: 180 }) ?? 30,
    desiredCount: config.getNumber('desiredCount', { min: 1 }) ?? 2,
    cpu,
    memoryMb,
    containerPort: config.getNumber('containerPort', { min: 1, max: 65535 }) ?? 8080,
    healthPath,
    healthyThreshold: config.getNumber('healthyThreshold', { min: 2, max: 10 }) ?? 2,
    unhealthyThreshold: config.getNumber('unhealthyThreshold', { min: 2, max: 10 }) ?? 3,
    healthCheckIntervalSeconds,
    healthCheckTimeoutSeconds,
    logRetentionDays,
    certificateArn,
    publicHostname,
  };
}

const CIDR = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;

/** `registry/shop:1.4.2` → `1.4.2`, `registry/shop@sha256:…` → `sha256:…`, otherwise the reference itself. */
export function versionOf(image: string): string {
  const at = image.lastIndexOf('@');
  if (at !== -1) return image.slice(at + 1);
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? image.slice(colon + 1) : image;
}

/** `<project>-<stack>` reduced to what RDS accepts: lower-case letters, digits, single hyphens. */
function defaultIdentifier(project: string, stack: string): string {
  const cleaned = `${project}-${stack.split('/').pop() ?? stack}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
  return cleaned.slice(0, 63).replace(/-+$/, '') || 'app';
}

function fail(key: string, problem: string): never {
  throw new pulumi.RunError(`Configuration key '${key}' ${problem}.`);
}
