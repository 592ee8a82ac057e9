/**
 * The stack program with a new VPC, run against Pulumi's mocks: asserts the properties a safe
 * rolling deploy depends on, read from the inputs the program gives each AWS resource.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mockArn, runMockedStack, secretValue, type MockedStack } from './mocked-stack.js';

const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:1.4.2';
const PASSWORD = 'correct-horse-battery-staple-9';
const APP_PASSWORD = 'app-role-password-0123456';

let stack: MockedStack;

beforeAll(async () => {
  stack = await runMockedStack(
    {
      image: IMAGE,
      desiredCount: '3',
      containerPort: '3000',
      healthPath: '/internal/health',
      healthyThreshold: '3',
      unhealthyThreshold: '4',
      healthCheckIntervalSeconds: '10',
      dbInstanceClass: 'db.m7g.large',
      dbAllocatedStorage: '50',
      dbEngineVersion: '16.4',
      dbPassword: PASSWORD,
      dbAppPassword: APP_PASSWORD,
    },
    ['dbPassword', 'dbAppPassword'],
  );
});

describe('service rollout settings', () => {
  it('health-checks the configured path with the configured thresholds', () => {
    const targetGroup = stack.one('aws:lb/targetGroup:TargetGroup');
    expect(targetGroup.inputs).toMatchObject({ targetType: 'ip', port: 3000, protocol: 'HTTP' });
    expect(targetGroup.inputs.healthCheck).toMatchObject({
      path: '/internal/health',
      healthyThreshold: 3,
      unhealthyThreshold: 4,
      interval: 10,
      matcher: '200',
    });
  });

  it('rolls back failed deployments and never drops below the desired count', () => {
    const service = stack.one('aws:ecs/service:Service');
    expect(service.inputs).toMatchObject({
      launchType: 'FARGATE',
      desiredCount: 3,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      waitForSteadyState: true,
    });
    expect(service.inputs.loadBalancers).toEqual([
      expect.objectContaining({
        targetGroupArn: expect.stringContaining('targetGroup'),
        containerName: 'app',
        containerPort: 3000,
      }),
    ]);
  });

  it("runs the image from config, with the app role's DATABASE_URL injected from a SecureString", () => {
    const taskDefinition = stack.one('aws:ecs/taskDefinition:TaskDefinition', 'app');
    const [container] = JSON.parse(String(taskDefinition.inputs.containerDefinitions)) as Array<
      Record<string, unknown>
    >;
    expect(container).toMatchObject({ image: IMAGE, portMappings: [{ containerPort: 3000, protocol: 'tcp' }] });

    const parameter = stack.one('aws:ssm/parameter:Parameter', 'app-database-url');
    expect(container!.secrets).toEqual([{ name: 'DATABASE_URL', valueFrom: mockArn(parameter.type, parameter.name) }]);
    expect(taskDefinition.inputs.containerDefinitions).not.toContain(PASSWORD);
    expect(taskDefinition.inputs.containerDefinitions).not.toContain(APP_PASSWORD);
    expect(parameter.inputs.type).toBe('SecureString');
    // The app's own role, never the master user.
    expect(secretValue(parameter.inputs.value)).toBe(
      `postgres://app_runtime:${APP_PASSWORD}@app.abc123.eu-west-1.rds.amazonaws.com:5432/app?sslmode=require`,
    );
    expect(container!.environment).toEqual([
      { name: 'PORT', value: '3000' },
      { name: 'APP_VERSION', value: '1.4.2' },
    ]);
    expect(taskDefinition.inputs.skipDestroy).toBe(true);
  });

  it('lets the task execution role read only that parameter', () => {
    const parameter = stack.one('aws:ssm/parameter:Parameter', 'app-database-url');
    const policy = JSON.parse(
      String(stack.one('aws:iam/rolePolicy:RolePolicy', 'app-execution-secrets').inputs.policy),
    ) as {
      Statement: unknown[];
    };
    expect(policy.Statement).toEqual([
      { Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: [mockArn(parameter.type, parameter.name)] },
    ]);
  });

  it('ships container logs to the stack log group', () => {
    const taskDefinition = stack.one('aws:ecs/taskDefinition:TaskDefinition', 'app');
    const [container] = JSON.parse(String(taskDefinition.inputs.containerDefinitions)) as Array<{
      logConfiguration: unknown;
    }>;
    expect(container!.logConfiguration).toEqual({
      logDriver: 'awslogs',
      options: { 'awslogs-group': 'app-physical', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'app' },
    });
    expect(stack.one('aws:cloudwatch/logGroup:LogGroup', 'app').inputs.retentionInDays).toBe(30);
  });
});

describe('database', () => {
  it('is encrypted, private, and sized from config', () => {
    const instance = stack.one('aws:rds/instance:Instance');
    expect(instance.inputs).toMatchObject({
      engine: 'postgres',
      engineVersion: '16.4',
      instanceClass: 'db.m7g.large',
      allocatedStorage: 50,
      storageEncrypted: true,
      publiclyAccessible: false,
      deletionProtection: true,
      skipFinalSnapshot: false,
    });
    expect(secretValue(instance.inputs.password)).toBe(PASSWORD);
  });

  it('bounds lock waits and logs them through its parameter group', () => {
    const group = stack.one('aws:rds/parameterGroup:ParameterGroup');
    expect(group.inputs.family).toBe('postgres16');
    const values = Object.fromEntries(
      (group.inputs.parameters as Array<{ name: string; value: string }>).map((p) => [p.name, p.value]),
    );
    expect(values).toEqual({
      lock_timeout: '10000',
      idle_in_transaction_session_timeout: '60000',
      log_lock_waits: '1',
      deadlock_timeout: '1000',
    });
    expect(stack.one('aws:rds/instance:Instance').inputs.parameterGroupName).toBe('app-pg16-physical');
  });

  it('lives in the private subnets', () => {
    const subnetGroup = stack.one('aws:rds/subnetGroup:SubnetGroup');
    expect(subnetGroup.inputs.subnetIds).toEqual(['Subnet:app-private-0', 'Subnet:app-private-1']);
  });
});

describe('security groups', () => {
  const ingress = (): Array<Record<string, unknown>> =>
    stack.all('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule').map((r) => r.inputs);

  it('accepts the database port only from the service and migrator security groups, and has no egress', () => {
    const database = stack.one('aws:ec2/securityGroup:SecurityGroup', 'app-db');
    const service = stack.one('aws:ec2/securityGroup:SecurityGroup', 'app-service');
    const migrator = stack.one('aws:ec2/securityGroup:SecurityGroup', 'app-migrator');
    expect(stack.one('aws:rds/instance:Instance').inputs.vpcSecurityGroupIds).toEqual([database.id]);

    const intoDatabase = ingress().filter((rule) => rule.securityGroupId === database.id);
    expect(intoDatabase).toHaveLength(2);
    expect(intoDatabase).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          ipProtocol: 'tcp',
          fromPort: 5432,
          toPort: 5432,
          referencedSecurityGroupId: service.id,
        }),
        expect.objectContaining({
          ipProtocol: 'tcp',
          fromPort: 5432,
          toPort: 5432,
          referencedSecurityGroupId: migrator.id,
        }),
      ]),
    );
    expect(intoDatabase.filter((rule) => 'cidrIpv4' in rule)).toEqual([]);
    expect(database.inputs.ingress ?? []).toEqual([]);
    // No inline egress (the provider then removes AWS's default allow-all) and no egress rule.
    expect(database.inputs.egress ?? []).toEqual([]);
    const egress = stack.all('aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule').map((r) => r.inputs);
    expect(egress.filter((rule) => rule.securityGroupId === database.id)).toEqual([]);
  });

  it('opens only HTTP on the ALB to the internet, and the service only to the ALB', () => {
    const alb = stack.one('aws:ec2/securityGroup:SecurityGroup', 'app-alb');
    const service = stack.one('aws:ec2/securityGroup:SecurityGroup', 'app-service');
    const fromInternet = ingress().filter((rule) => rule.cidrIpv4 !== undefined);
    expect(fromInternet).toEqual([
      expect.objectContaining({ securityGroupId: alb.id, fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' }),
    ]);
    expect(ingress().filter((rule) => rule.securityGroupId === service.id)).toEqual([
      expect.objectContaining({ fromPort: 3000, toPort: 3000, referencedSecurityGroupId: alb.id }),
    ]);
    expect(stack.one('aws:ecs/service:Service').inputs.networkConfiguration).toEqual({
      subnets: ['Subnet:app-private-0', 'Subnet:app-private-1'],
      securityGroups: [service.id],
      assignPublicIp: false,
    });
  });
});

describe('network', () => {
  it('creates public and private subnets in two zones, private ones routed through NAT', () => {
    const subnets = stack
      .all('aws:ec2/subnet:Subnet')
      .map((s) => [s.name, s.inputs.cidrBlock, s.inputs.availabilityZone]);
    expect(subnets).toEqual([
      ['app-public-0', '10.0.0.0/20', 'eu-west-1a'],
      ['app-private-0', '10.0.128.0/20', 'eu-west-1a'],
      ['app-public-1', '10.0.16.0/20', 'eu-west-1b'],
      ['app-private-1', '10.0.144.0/20', 'eu-west-1b'],
    ]);
    expect(stack.one('aws:ec2/routeTable:RouteTable', 'app-private').inputs.routes).toEqual([
      expect.objectContaining({ cidrBlock: '0.0.0.0/0', natGatewayId: 'NatGateway:app' }),
    ]);
    expect(stack.one('aws:lb/loadBalancer:LoadBalancer').inputs.subnets).toEqual([
      'Subnet:app-public-0',
      'Subnet:app-public-1',
    ]);
  });
});

describe('outputs', () => {
  it('exposes the URLs, the deployed image and version, and what runs the migrator task', () => {
    expect(stack.outputs).toEqual({
      url: 'http://app-123.eu-west-1.elb.amazonaws.com',
      healthUrl: 'http://app-123.eu-west-1.elb.amazonaws.com/internal/health',
      image: IMAGE,
      version: '1.4.2',
      dbEndpoint: 'app.abc123.eu-west-1.rds.amazonaws.com:5432',
      cluster: 'app-physical',
      migratorTaskDefinition: 'app-migrator',
      migratorSubnetIds: ['Subnet:app-private-0', 'Subnet:app-private-1'],
      migratorSecurityGroupId: 'SecurityGroup:app-migrator',
    });
  });
});
