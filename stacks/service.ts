/**
 * The app on ECS Fargate. A rollout is a change of the `image` config: it makes a new task
 * definition revision, and ECS replaces tasks with a rolling deployment that never drops below the
 * desired count (min 100 %, max 200 %) and rolls itself back when new tasks fail their health
 * checks (circuit breaker). `pulumi up` waits for the deployment to settle, so it only succeeds
 * once the new image serves.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { ServiceConfig } from './config.js';

export const CONTAINER_NAME = 'app';
/** Time a new task has to start before failed ALB health checks count against it. */
const HEALTH_CHECK_GRACE_PERIOD_SECONDS = 60;
/** SIGTERM to SIGKILL: long enough for the app to finish in-flight requests after draining. */
const STOP_TIMEOUT_SECONDS = 30;
const TASK_EXECUTION_POLICY_ARN = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';

export interface ServiceOptions {
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  targetGroupArn: pulumi.Input<string>;
  listeners: pulumi.Resource[];
  /** postgres:// URL with the password; stored as a SecureString, never in the task definition. */
  databaseUrl: pulumi.Output<string>;
}

export function createService(name: string, config: ServiceConfig, options: ServiceOptions): aws.ecs.Service {
  const cluster = new aws.ecs.Cluster(name, { settings: [{ name: 'containerInsights', value: 'enabled' }] });
  const logs = new aws.cloudwatch.LogGroup(name, { retentionInDays: config.logRetentionDays });

  // The task definition references the parameter by ARN; ECS injects its value when a task starts,
  // so the password never appears in the task definition (visible to anyone with ecs:Describe*).
  const databaseUrl = new aws.ssm.Parameter(`${name}-database-url`, {
    type: 'SecureString',
    description: 'DATABASE_URL of the app (with the password)',
    value: options.databaseUrl,
  });

  const assumeByTasks = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
  // Used by ECS itself: pull the image, write logs, read the DATABASE_URL parameter.
  const executionRole = new aws.iam.Role(`${name}-execution`, { assumeRolePolicy: assumeByTasks });
  new aws.iam.RolePolicyAttachment(`${name}-execution`, {
    role: executionRole.name,
    policyArn: TASK_EXECUTION_POLICY_ARN,
  });
  new aws.iam.RolePolicy(`${name}-execution-secrets`, {
    role: executionRole.id,
    policy: pulumi.jsonStringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: [databaseUrl.arn] }],
    }),
  });
  // Used by the app's own code; grant it AWS permissions here when the app needs them.
  const taskRole = new aws.iam.Role(`${name}-task`, { assumeRolePolicy: assumeByTasks });

  const region = aws.getRegionOutput().region;
  const taskDefinition = new aws.ecs.TaskDefinition(name, {
    family: name,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: String(config.cpu),
    memory: String(config.memoryMb),
    executionRoleArn: executionRole.arn,
    taskRoleArn: taskRole.arn,
    containerDefinitions: pulumi.jsonStringify([
      {
        name: CONTAINER_NAME,
        image: config.image,
        essential: true,
        portMappings: [{ containerPort: config.containerPort, protocol: 'tcp' }],
        environment: [{ name: 'PORT', value: String(config.containerPort) }],
        secrets: [{ name: 'DATABASE_URL', valueFrom: databaseUrl.arn }],
        stopTimeout: STOP_TIMEOUT_SECONDS,
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': logs.name, 'awslogs-region': region, 'awslogs-stream-prefix': CONTAINER_NAME },
        },
      },
    ]),
  });

  return new aws.ecs.Service(
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
      // `pulumi up` returns only when the deployment finished, and fails if ECS rolled it back.
      waitForSteadyState: true,
      propagateTags: 'SERVICE',
    },
    { dependsOn: options.listeners },
  );
}
