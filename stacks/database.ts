/**
 * The app's PostgreSQL: RDS in the private subnets, encrypted, never publicly accessible, with a
 * parameter group that keeps lock queues short — the failure mode deployctl exists to avoid is a
 * migration's lock stalling every app query behind it.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { DatabaseConfig } from './config.js';
import { POSTGRES_PORT } from './security.js';
import { tags } from './tags.js';

/**
 * Server-wide ceiling on lock waits for app sessions: a query queued behind a migration's lock
 * fails after this instead of piling up connections. deployctl sets a shorter one per migration.
 */
const LOCK_TIMEOUT_MS = 10_000;
/** A session left idle inside a transaction holds its locks and blocks every migration; end it. */
const IDLE_IN_TRANSACTION_SESSION_TIMEOUT_MS = 60_000;
/** `log_lock_waits` reports any lock wait longer than this, so blocked migrations show in the logs. */
const DEADLOCK_TIMEOUT_MS = 1_000;

export interface Database {
  instance: aws.rds.Instance;
  /** `host:port` of the instance. */
  endpoint: pulumi.Output<string>;
  /** postgres:// URL of the app's own role (not the master user), marked secret. */
  appUrl: pulumi.Output<string>;
  /** postgres:// URL of the master user, for migrations (the migrator task), marked secret. */
  migratorUrl: pulumi.Output<string>;
}

export interface DatabaseOptions {
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
}

export function createDatabase(name: string, config: DatabaseConfig, options: DatabaseOptions): Database {
  const major = config.engineVersion.split('.')[0];
  const parameters = new aws.rds.ParameterGroup(`${name}-pg${major}`, {
    family: `postgres${major}`,
    description: 'deployctl-app: bounded lock waits, lock waits logged',
    tags: tags(`${name}-pg${major}`),
    parameters: [
      { name: 'lock_timeout', value: String(LOCK_TIMEOUT_MS), applyMethod: 'immediate' },
      {
        name: 'idle_in_transaction_session_timeout',
        value: String(IDLE_IN_TRANSACTION_SESSION_TIMEOUT_MS),
        applyMethod: 'immediate',
      },
      { name: 'log_lock_waits', value: '1', applyMethod: 'immediate' },
      { name: 'deadlock_timeout', value: String(DEADLOCK_TIMEOUT_MS), applyMethod: 'immediate' },
    ],
  });
  const subnets = new aws.rds.SubnetGroup(name, {
    subnetIds: options.subnetIds,
    description: 'deployctl-app database: private subnets',
    tags: tags(name),
  });
  // RDS creates this group on first export with no retention (logs kept forever); created first,
  // under the name RDS uses, it is ours and expires.
  const logs = new aws.cloudwatch.LogGroup(`${name}-db-postgresql`, {
    name: `/aws/rds/instance/${config.identifier}/postgresql`,
    retentionInDays: config.logRetentionDays,
    tags: tags(`${name}-db-postgresql`),
  });

  const instance = new aws.rds.Instance(
    name,
    {
      identifier: config.identifier,
      engine: 'postgres',
      multiAz: config.multiAz,
      engineVersion: config.engineVersion,
      instanceClass: config.instanceClass,
      allocatedStorage: config.allocatedStorageGb,
      storageType: 'gp3',
      storageEncrypted: true,
      publiclyAccessible: false,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [options.securityGroupId],
      parameterGroupName: parameters.name,
      port: POSTGRES_PORT,
      dbName: config.name,
      username: config.username,
      password: config.password,
      backupRetentionPeriod: config.backupRetentionDays,
      copyTagsToSnapshot: true,
      deletionProtection: config.deletionProtection,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${name}-${pulumi.getStack()}-final`,
      autoMinorVersionUpgrade: true,
      // Lock waits (log_lock_waits) and slow statements land in CloudWatch next to the app's logs.
      enabledCloudwatchLogsExports: ['postgresql'],
      tags: tags(name),
    },
    // Losing the data is never a side effect of a config change.
    { protect: config.deletionProtection, dependsOn: [logs] },
  );

  const url = (username: string, password: pulumi.Input<string>): pulumi.Output<string> =>
    pulumi.secret(
      pulumi.interpolate`postgres://${username}:${pulumi.output(password).apply(encodeURIComponent)}@${instance.address}:${instance.port}/${config.name}?sslmode=${config.sslMode}`,
    );
  return {
    instance,
    endpoint: instance.endpoint,
    appUrl: url(config.appUsername, config.appPassword),
    migratorUrl: url(config.username, config.password),
  };
}
