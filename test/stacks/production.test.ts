/**
 * A `prod*` stack under Pulumi's mocks: the availability defaults (multi-AZ database, a NAT
 * gateway per zone), the migrator task and the CI sources the database admits, the deploy's
 * timeouts, and the tags every taggable resource carries.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { PROJECT, mockArn, runMockedStack, secretValue, type MockedStack } from './mocked-stack.js';

const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:' + 'c'.repeat(64);
const MIGRATOR_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/deployctl:0.1.0';
const PASSWORD = 'master-password-for-migrations';
const APP_PASSWORD = 'app-role-password-0123456';
const CI_GROUP = 'sg-0ci0runners0000';

/** Resource types whose AWS API takes no tags. */
const UNTAGGABLE = [
  'aws:ec2/routeTableAssociation:RouteTableAssociation',
  'aws:iam/rolePolicyAttachment:RolePolicyAttachment',
  'aws:iam/rolePolicy:RolePolicy',
];

let stack: MockedStack;

beforeAll(async () => {
  stack = await runMockedStack(
    {
      image: IMAGE,
      version: '2026.12.03-1',
      migratorImage: MIGRATOR_IMAGE,
      availabilityZoneCount: '3',
      dbPassword: PASSWORD,
      dbAppPassword: APP_PASSWORD,
      dbIngressCidrs: '["10.20.0.0/16"]',
      dbIngressSecurityGroupIds: `["${CI_GROUP}"]`,
      deployTimeoutMinutes: '45',
      cpu: '512',
      memory: '2048',
    },
    ['dbPassword', 'dbAppPassword'],
    'prod-eu',
  );
});

describe('availability', () => {
  it('runs the database multi-AZ with backups and a log group that expires', () => {
    const instance = stack.one('aws:rds/instance:Instance');
    expect(instance.inputs).toMatchObject({
      identifier: `${PROJECT}-prod-eu`,
      multiAz: true,
      backupRetentionPeriod: 7,
      enabledCloudwatchLogsExports: ['postgresql'],
    });
    const logs = stack.one('aws:cloudwatch/logGroup:LogGroup', 'app-db-postgresql');
    expect(logs.inputs).toMatchObject({
      name: `/aws/rds/instance/${PROJECT}-prod-eu/postgresql`,
      retentionInDays: 30,
    });
    // Created before the instance, so RDS does not create it first without retention.
    expect(instance.options.dependsOn).toEqual([expect.objectContaining({})]);
    expect(instance.options.protect).toBe(true);
  });

  it('routes each zone through its own NAT gateway', () => {
    const gateways = stack.all('aws:ec2/natGateway:NatGateway');
    expect(gateways.map((g) => g.inputs.subnetId)).toEqual([
      'Subnet:app-public-0',
      'Subnet:app-public-1',
      'Subnet:app-public-2',
    ]);
    for (const zone of [0, 1, 2]) {
      expect(stack.one('aws:ec2/routeTable:RouteTable', `app-private-${zone}`).inputs.routes).toEqual([
        expect.objectContaining({ cidrBlock: '0.0.0.0/0', natGatewayId: `NatGateway:app-${zone}` }),
      ]);
      expect(
        stack.one('aws:ec2/routeTableAssociation:RouteTableAssociation', `app-private-${zone}`).inputs,
      ).toMatchObject({ subnetId: `Subnet:app-private-${zone}`, routeTableId: `RouteTable:app-private-${zone}` });
    }
  });
});

describe('rollout settings', () => {
  it('bounds the wait for the deployment, gives new tasks a grace period, drains old ones', () => {
    const service = stack.one('aws:ecs/service:Service');
    expect(service.options.customTimeouts).toEqual({ create: '45m', update: '45m', delete: '45m' });
    expect(service.inputs.healthCheckGracePeriodSeconds).toBe(60);
    expect(stack.one('aws:lb/targetGroup:TargetGroup').inputs.deregistrationDelay).toBe(30);
  });

  it('tells the app the version it runs, and keeps old task definition revisions', () => {
    const app = stack.one('aws:ecs/taskDefinition:TaskDefinition', 'app');
    expect(app.inputs).toMatchObject({ cpu: '512', memory: '2048', skipDestroy: true });
    const [container] = JSON.parse(String(app.inputs.containerDefinitions)) as Array<{ environment: unknown }>;
    expect(container!.environment).toContainEqual({ name: 'APP_VERSION', value: '2026.12.03-1' });
    expect(stack.outputs).toMatchObject({ image: IMAGE, version: '2026.12.03-1' });
  });
});

describe('the migrator task', () => {
  it("runs the migrator image with the master user's DATABASE_URL, which only it can read", () => {
    const task = stack.one('aws:ecs/taskDefinition:TaskDefinition', 'app-migrator');
    expect(task.inputs).toMatchObject({
      family: 'app-migrator',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      skipDestroy: true,
      executionRoleArn: mockArn('aws:iam/role:Role', 'app-migrator-execution'),
    });
    const parameter = stack.one('aws:ssm/parameter:Parameter', 'app-migrator-database-url');
    const [container] = JSON.parse(String(task.inputs.containerDefinitions)) as Array<Record<string, unknown>>;
    expect(container).toMatchObject({
      name: 'migrator',
      image: MIGRATOR_IMAGE,
      secrets: [{ name: 'DATABASE_URL', valueFrom: mockArn(parameter.type, parameter.name) }],
    });
    expect(task.inputs.containerDefinitions).not.toContain(PASSWORD);
    expect(secretValue(parameter.inputs.value)).toBe(
      `postgres://app:${PASSWORD}@app.abc123.eu-west-1.rds.amazonaws.com:5432/app?sslmode=require`,
    );
    const readable = (role: string): unknown =>
      (
        JSON.parse(String(stack.one('aws:iam/rolePolicy:RolePolicy', `${role}-secrets`).inputs.policy)) as {
          Statement: Array<{ Resource: unknown }>;
        }
      ).Statement.map((s) => s.Resource);
    expect(readable('app-migrator-execution')).toEqual([[mockArn(parameter.type, parameter.name)]]);
    expect(readable('app-execution')).toEqual([[mockArn('aws:ssm/parameter:Parameter', 'app-database-url')]]);
  });

  it('runs in the private subnets with a group the database admits; nothing reaches it', () => {
    const migrator = stack.one('aws:ec2/securityGroup:SecurityGroup', 'app-migrator');
    expect(stack.outputs).toMatchObject({
      cluster: 'app-physical',
      migratorTaskDefinition: 'app-migrator',
      migratorSubnetIds: ['Subnet:app-private-0', 'Subnet:app-private-1', 'Subnet:app-private-2'],
      migratorSecurityGroupId: migrator.id,
    });
    const ingress = stack.all('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule').map((r) => r.inputs);
    expect(ingress.filter((rule) => rule.securityGroupId === migrator.id)).toEqual([]);
    const database = stack.one('aws:ec2/securityGroup:SecurityGroup', 'app-db');
    const intoDatabase = ingress.filter((rule) => rule.securityGroupId === database.id);
    expect(intoDatabase).toHaveLength(4);
    // Registration order follows when each rule's inputs resolve; compare as a set.
    expect(intoDatabase).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ fromPort: 5432, referencedSecurityGroupId: 'SecurityGroup:app-service' }),
        expect.objectContaining({ fromPort: 5432, referencedSecurityGroupId: migrator.id }),
        expect.objectContaining({ fromPort: 5432, toPort: 5432, referencedSecurityGroupId: CI_GROUP }),
        expect.objectContaining({ fromPort: 5432, toPort: 5432, cidrIpv4: '10.20.0.0/16' }),
      ]),
    );
  });
});

describe('tags', () => {
  it('tags every taggable resource with app, stack and managed-by', () => {
    const taggable = stack.resources.filter((r) => !UNTAGGABLE.includes(r.type));
    expect(taggable.length).toBeGreaterThan(30);
    for (const resource of taggable) {
      expect({ id: resource.id, tags: resource.inputs.tags }).toEqual({
        id: resource.id,
        tags: expect.objectContaining({ app: PROJECT, stack: 'prod-eu', 'managed-by': 'deployctl' }),
      });
    }
  });
});
