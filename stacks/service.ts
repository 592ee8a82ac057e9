/**
 * The app on ECS Fargate, and the one-off migrator task beside it. A rollout is a change of the
 * `image` config: it makes a new task definition revision, and ECS replaces tasks with a rolling
 * deployment that never drops below the desired count (min 100 %, max 200 %) and rolls itself
 * back when new tasks fail their health checks (circuit breaker). `pulumi up` waits for the
 * deployment to settle; the app reports APP_VERSION so verify can tell a rolled-back deployment
 * (old version still serving) from a good one.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { ServiceConfig } from './config.js';
import { tags } from './tags.js';

export const CONTAINER_NAME = 'app';
export const MIGRATOR_CONTAINER_NAME = 'migrator';
/** Time a new task has to start before failed ALB health checks count against it. */
export const HEALTH_CHECK_GRACE_PERIOD_SECONDS = 60;
/** SIGTERM to SIGKILL: long enough for the app to finish in-flight requests after draining. */
const STOP_TIMEOUT_SECONDS = 30;
const TASK_EXECUTION_POLICY_ARN = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';

export interface ServiceOptions {
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  targetGroupArn: pulumi.Input<string>;
  listeners: pulumi.Resource[];
  /** postgres:// URLs with passwords; stored as SecureStrings, never in a task definition. */
  appDatabaseUrl: pulumi.Output<string>;
  migratorDatabaseUrl: pulumi.Output<string>;
}

export interface Service {
  cluster: aws.ecs.Cluster;
  service: aws.ecs.Service;
  /** Run once per migrate stage: `aws ecs run-task --task-definition <family> …` (docs/pulumi.md). */
  migratorTaskDefinition: aws.ecs.TaskDefinition;
}

export function createService(name: string, config: ServiceConfig, options: ServiceOptions): Service {
  const cluster = new aws.ecs.Cluster(name, {
    settings: [{ name: 'containerInsights', value: 'enabled' }],
    tags: tags(name),
  });
  const logs = new aws.cloudwatch.LogGroup(name, { retentionInDays: config.logRetentionDays, tags: tags(name) });

  // Task definitions reference the parameters by ARN; ECS injects the values when a task starts,
  // so no password appears in a task definition (visible to anyone with ecs:Describe*).
  const appDatabaseUrl = new aws.ssm.Parameter(`${name}-database-url`, {
    type: 'SecureString',
    description: "DATABASE_URL of the app: its own role's password",
    value: options.appDatabaseUrl,
    tags: tags(`${name}-database-url`),
  });
  const migratorDatabaseUrl = new aws.ssm.Parameter(`${name}-migrator-database-url`, {
    type: 'SecureString',
    description: "DATABASE_URL of the migrator task: the master user's password",
    value: options.migratorDatabaseUrl,
    tags: tags(`${name}-migrator-database-url`),
  });

  const assumeByTasks = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
  // Used by ECS itself: pull the image, write logs, read the task's DATABASE_URL parameter. The
  // app and the migrator get one role each, so the app can never read the master password.
  const executionRole = (role: string, parameter: aws.ssm.Parameter): aws.iam.Role => {
    const execution = new aws.iam.Role(`${name}-${role}`, {
      assumeRolePolicy: assumeByTasks,
      tags: tags(`${name}-${role}`),
    });
    new aws.iam.RolePolicyAttachment(`${name}-${role}`, { role: execution.name, policyArn: TASK_EXECUTION_POLICY_ARN });
    new aws.iam.RolePolicy(`${name}-${role}-secrets`, {
      role: execution.id,
      policy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: [parameter.arn] }],
      }),
    });
    return execution;
  };
  const appExecution = executionRole('execution', appDatabaseUrl);
  const migratorExecution = executionRole('migrator-execution', migratorDatabaseUrl);
  // Used by the app's own code; grant it AWS permissions here when the app needs them.
  const taskRole = new aws.iam.Role(`${name}-task`, { assumeRolePolicy: assumeByTasks, tags: tags(`${name}-task`) });

  const region = aws.getRegionOutput().region;
  const logConfiguration = (prefix: string) => ({
    logDriver: 'awslogs',
    options: { 'awslogs-group': logs.name, 'awslogs-region': region, 'awslogs-stream-prefix': prefix },
  });
  const taskDefinition = new aws.ecs.TaskDefinition(name, {
    family: name,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: String(config.cpu),
    memory: String(config.memoryMb),
    executionRoleArn: appExecution.arn,
    taskRoleArn: taskRole.arn,
    containerDefinitions: pulumi.jsonStringify([
      {
        name: CONTAINER_NAME,
        image: config.image,
        essential: true,
        portMappings: [{ containerPort: config.containerPort, protocol: 'tcp' }],
        environment: [
          { name: 'PORT', value: String(config.containerPort) },
          // The health path reports it ({"version": …}); deployctl's verify compares it with the release.
          { name: 'APP_VERSION', value: config.version },
        ],
        secrets: [{ name: 'DATABASE_URL', valueFrom: appDatabaseUrl.arn }],
        stopTimeout: STOP_TIMEOUT_SECONDS,
        logConfiguration: logConfiguration(CONTAINER_NAME),
      },
    ]),
    // Old revisions stay registered: ECS's circuit-breaker rollback and a manual rollback need them.
    skipDestroy: true,
    tags: tags(name),
  });

  // No service runs it: deployctl's migrate stages start it as a one-off Fargate task
  // (docs/pulumi.md), in the private subnets, with the master user's DATABASE_URL.
  const migratorTaskDefinition = new aws.ecs.TaskDefinition(`${name}-migrator`, {
    family: `${name}-migrator`,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: String(config.cpu),
    memory: String(config.memoryMb),
    executionRoleArn: migratorExecution.arn,
    containerDefinitions: pulumi.jsonStringify([
      {
        name: MIGRATOR_CONTAINER_NAME,
        image: config.migratorImage,
        essential: true,
        environment: [{ name: 'APP_VERSION', value: config.version }],
        secrets: [{ name: 'DATABASE_URL', valueFrom: migratorDatabaseUrl.arn }],
        logConfiguration: logConfiguration(MIGRATOR_CONTAINER_NAME),
      },
    ]),
    skipDestroy: true,
    tags: tags(`${name}-migrator`),
  });

  const deployTimeout = `${config.deployTimeoutMinutes}m`;
  const service = new aws.ecs.Service(
    name,
    {
      cluster: cluster.arn,
      taskDefinition: taskDefinition.arn,
      desiredCount: config.desiredCount,
      launchType: 'FARGATE',
      networkConfiguration: {
        subnets: options.subnetIds,
        securityGroups: [options.securityGroupId],
        assignPublicIp: false,
      },
      loadBalancers: [
        { targetGroupArn: options.targetGroupArn, containerName: CONTAINER_NAME, containerPort: config.containerPort },
      ],
      healthCheckGracePeriodSeconds: HEALTH_CHECK_GRACE_PERIOD_SECONDS,
      deploymentController: { type: 'ECS' },
      // Old tasks keep serving until new ones pass their health checks: capacity never drops.
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      // `pulumi up` returns only when the deployment finished; a circuit-breaker rollback can still
      // look settled to it, which is why verify compares the served version.
      waitForSteadyState: true,
      propagateTags: 'SERVICE',
      tags: tags(name),
    },
    {
      dependsOn: options.listeners,
      // The wait for steady state is bounded: a deployment stuck pulling or starting fails the update.
      customTimeouts: { create: deployTimeout, update: deployTimeout, delete: deployTimeout },
    },
  );
  return { cluster, service, migratorTaskDefinition };
}
