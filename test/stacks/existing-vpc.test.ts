/**
 * The stack program deployed into an existing VPC with HTTPS: no network resources are created,
 * the given subnets are used, and the ALB serves TLS with HTTP redirected to it.
 */
import { beforeAll, expect, it } from '@jest/globals';
import { runMockedStack, type MockedStack } from './mocked-stack.js';

const CERTIFICATE = 'arn:aws:acm:eu-west-1:123456789012:certificate/0d6f7f4c';
let stack: MockedStack;

beforeAll(async () => {
  stack = await runMockedStack(
    {
      image: 'ghcr.io/acme/shop:2.0.0',
      dbPassword: 'another-long-password-42',
      dbAppPassword: 'the-apps-own-password-7',
      vpcId: 'vpc-0123456789abcdef0',
      publicSubnetIds: '["subnet-pub-a","subnet-pub-b"]',
      privateSubnetIds: '["subnet-priv-a","subnet-priv-b"]',
      certificateArn: CERTIFICATE,
      publicHostname: 'shop.example.com',
    },
    ['dbPassword', 'dbAppPassword'],
  );
});

it('creates no network of its own and places everything in the given subnets', () => {
  for (const type of [
    'aws:ec2/vpc:Vpc',
    'aws:ec2/subnet:Subnet',
    'aws:ec2/natGateway:NatGateway',
    'aws:ec2/internetGateway:InternetGateway',
  ]) {
    expect(stack.all(type)).toEqual([]);
  }
  expect(stack.one('aws:lb/loadBalancer:LoadBalancer').inputs.subnets).toEqual(['subnet-pub-a', 'subnet-pub-b']);
  expect(stack.one('aws:rds/subnetGroup:SubnetGroup').inputs.subnetIds).toEqual(['subnet-priv-a', 'subnet-priv-b']);
  expect(stack.one('aws:ecs/service:Service').inputs.networkConfiguration).toMatchObject({
    subnets: ['subnet-priv-a', 'subnet-priv-b'],
  });
  for (const group of stack.all('aws:ec2/securityGroup:SecurityGroup'))
    expect(group.inputs.vpcId).toBe('vpc-0123456789abcdef0');
  expect(stack.one('aws:lb/targetGroup:TargetGroup').inputs.vpcId).toBe('vpc-0123456789abcdef0');
});

it('serves HTTPS with the certificate and redirects HTTP to it', () => {
  const listeners = Object.fromEntries(stack.all('aws:lb/listener:Listener').map((l) => [l.inputs.port, l.inputs]));
  expect(listeners[443]).toMatchObject({
    protocol: 'HTTPS',
    certificateArn: CERTIFICATE,
    defaultActions: [{ type: 'forward' }],
  });
  expect(listeners[80]).toMatchObject({
    protocol: 'HTTP',
    defaultActions: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
  });
  const alb = stack.one('aws:ec2/securityGroup:SecurityGroup', 'app-alb');
  const open = stack
    .all('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule')
    .filter((rule) => rule.inputs.cidrIpv4 !== undefined)
    .map((rule) => [rule.inputs.securityGroupId, rule.inputs.fromPort]);
  expect(open).toEqual([
    [alb.id, 80],
    [alb.id, 443],
  ]);
});

it('uses the defaults for everything not configured', () => {
  expect(stack.one('aws:ecs/service:Service').inputs.desiredCount).toBe(2);
  expect(stack.one('aws:lb/targetGroup:TargetGroup').inputs).toMatchObject({
    port: 8080,
    healthCheck: { path: '/healthz', healthyThreshold: 2, unhealthyThreshold: 3, interval: 15, timeout: 5 },
  });
  expect(stack.one('aws:ecs/taskDefinition:TaskDefinition', 'app').inputs).toMatchObject({ cpu: '256', memory: '512' });
  expect(stack.one('aws:rds/instance:Instance').inputs).toMatchObject({
    instanceClass: 'db.t4g.micro',
    allocatedStorage: 20,
    engineVersion: '16',
    // Not a `prod*` stack: no standby unless dbMultiAz says so.
    multiAz: false,
  });
});

it('names the public hostname in url and healthUrl', () => {
  expect(stack.outputs).toMatchObject({
    url: 'https://shop.example.com',
    healthUrl: 'https://shop.example.com/healthz',
    image: 'ghcr.io/acme/shop:2.0.0',
  });
});
