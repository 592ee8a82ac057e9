/**
 * Who may talk to whom: the internet reaches only the ALB, the ALB reaches only the service's
 * container port, and the database port accepts the app's and the migrator's security groups, plus
 * the CI sources the stack config names (dbIngressCidrs, dbIngressSecurityGroupIds). Rules are
 * separate resources (never inline) so the ALB and service groups can reference each other
 * without a dependency cycle, and so adding a rule never rewrites the whole group.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { tags } from './tags.js';

export const POSTGRES_PORT = 5432;
const HTTP_PORT = 80;
const HTTPS_PORT = 443;
const ANYWHERE_IPV4 = '0.0.0.0/0';

export interface SecurityGroups {
  alb: aws.ec2.SecurityGroup;
  service: aws.ec2.SecurityGroup;
  /** The one-off migrator task (deployctl's migrate stages run in it). */
  migrator: aws.ec2.SecurityGroup;
  database: aws.ec2.SecurityGroup;
}

export interface SecurityOptions {
  vpcId: pulumi.Input<string>;
  containerPort: number;
  /** Opens 443 on the ALB as well as 80. */
  https: boolean;
  /** Extra sources the database admits (CI runners): CIDRs routed into the VPC and security groups. */
  databaseIngressCidrs: string[];
  databaseIngressSecurityGroupIds: string[];
}

export function createSecurityGroups(name: string, options: SecurityOptions): SecurityGroups {
  const group = (role: string, description: string): aws.ec2.SecurityGroup =>
    new aws.ec2.SecurityGroup(`${name}-${role}`, {
      vpcId: options.vpcId,
      description,
      tags: tags(`${name}-${role}`),
    });
  const alb = group('alb', 'Load balancer: HTTP(S) from the internet');
  const service = group('service', 'App tasks: container port from the load balancer only');
  const migrator = group('migrator', 'Migrator task: no inbound; out to the database and AWS APIs');
  const database = group('db', 'PostgreSQL: from the app and migrator tasks (and configured CI sources)');

  const listenerPorts = options.https ? [HTTP_PORT, HTTPS_PORT] : [HTTP_PORT];
  for (const port of listenerPorts) {
    new aws.vpc.SecurityGroupIngressRule(`${name}-alb-in-${port}`, {
      securityGroupId: alb.id,
      description: `HTTP${port === HTTPS_PORT ? 'S' : ''} from anywhere`,
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      cidrIpv4: ANYWHERE_IPV4,
      tags: tags(`${name}-alb-in-${port}`),
    });
  }
  new aws.vpc.SecurityGroupEgressRule(`${name}-alb-out-service`, {
    tags: tags(`${name}-alb-out-service`),
    securityGroupId: alb.id,
    description: 'To the app tasks (traffic and health checks)',
    ipProtocol: 'tcp',
    fromPort: options.containerPort,
    toPort: options.containerPort,
    referencedSecurityGroupId: service.id,
  });

  new aws.vpc.SecurityGroupIngressRule(`${name}-service-in-alb`, {
    tags: tags(`${name}-service-in-alb`),
    securityGroupId: service.id,
    description: 'From the load balancer',
    ipProtocol: 'tcp',
    fromPort: options.containerPort,
    toPort: options.containerPort,
    referencedSecurityGroupId: alb.id,
  });
  // The app talks to the database and to AWS APIs (image pulls, logs, parameters) through NAT.
  new aws.vpc.SecurityGroupEgressRule(`${name}-service-out`, {
    tags: tags(`${name}-service-out`),
    securityGroupId: service.id,
    description: 'Outbound: database, AWS APIs, external services',
    ipProtocol: '-1',
    cidrIpv4: ANYWHERE_IPV4,
  });

  // The migrator pulls its image, reads its parameter and writes logs through NAT, and connects
  // to the database; nothing connects to it.
  new aws.vpc.SecurityGroupEgressRule(`${name}-migrator-out`, {
    tags: tags(`${name}-migrator-out`),
    securityGroupId: migrator.id,
    description: 'Outbound: database, AWS APIs',
    ipProtocol: '-1',
    cidrIpv4: ANYWHERE_IPV4,
  });

  // The only ways into the database; it has no egress rules (it initiates no connections).
  const postgresFrom = (suffix: string, description: string, source: Partial<aws.vpc.SecurityGroupIngressRuleArgs>) =>
    new aws.vpc.SecurityGroupIngressRule(`${name}-db-in-${suffix}`, {
      tags: tags(`${name}-db-in-${suffix}`),
      securityGroupId: database.id,
      description,
      ipProtocol: 'tcp',
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      ...source,
    });
  postgresFrom('service', 'PostgreSQL from the app tasks', { referencedSecurityGroupId: service.id });
  postgresFrom('migrator', 'PostgreSQL from the migrator task', { referencedSecurityGroupId: migrator.id });
  options.databaseIngressSecurityGroupIds.forEach((id, index) =>
    postgresFrom(`sg-${index}`, `PostgreSQL from ${id} (dbIngressSecurityGroupIds)`, { referencedSecurityGroupId: id }),
  );
  options.databaseIngressCidrs.forEach((cidr, index) =>
    postgresFrom(`cidr-${index}`, `PostgreSQL from ${cidr} (dbIngressCidrs)`, { cidrIpv4: cidr }),
  );

  return { alb, service, migrator, database };
}
