/**
 * Wires the modules into one stack and names its outputs. deployctl's `pulumi` driver reads
 * `image` (what the stack deployed: current()), `version` and `healthUrl` (verify) after each
 * `up`; the `migrator*` outputs are what `aws ecs run-task` needs to run the migrator task.
 */
import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from './config.js';
import { createDatabase } from './database.js';
import { createLoadBalancer } from './loadbalancer.js';
import { createNetwork } from './network.js';
import { createSecurityGroups } from './security.js';
import { createService } from './service.js';

export interface AppOutputs {
  url: pulumi.Output<string>;
  healthUrl: pulumi.Output<string>;
  image: string;
  version: string;
  dbEndpoint: pulumi.Output<string>;
  cluster: pulumi.Output<string>;
  migratorTaskDefinition: pulumi.Output<string>;
  migratorSubnetIds: pulumi.Output<string[]>;
  migratorSecurityGroupId: pulumi.Output<string>;
}

/** Logical name prefix of every resource; physical names get Pulumi's random suffix. */
const NAME = 'app';

export function createApp(config: StackConfig): AppOutputs {
  const network = createNetwork(NAME, config.network);
  const groups = createSecurityGroups(NAME, {
    vpcId: network.vpcId,
    containerPort: config.service.containerPort,
    https: config.service.certificateArn !== undefined,
    databaseIngressCidrs: config.database.ingressCidrs,
    databaseIngressSecurityGroupIds: config.database.ingressSecurityGroupIds,
  });
  const database = createDatabase(NAME, config.database, {
    subnetIds: network.privateSubnetIds,
    securityGroupId: groups.database.id,
  });
  const loadBalancer = createLoadBalancer(NAME, config.service, {
    vpcId: network.vpcId,
    subnetIds: network.publicSubnetIds,
    securityGroupId: groups.alb.id,
  });
  const service = createService(NAME, config.service, {
    subnetIds: network.privateSubnetIds,
    securityGroupId: groups.service.id,
    targetGroupArn: loadBalancer.targetGroup.arn,
    listeners: loadBalancer.listeners,
    appDatabaseUrl: database.appUrl,
    migratorDatabaseUrl: database.migratorUrl,
  });
  return {
    url: loadBalancer.url,
    healthUrl: loadBalancer.url.apply((base) => `${base}${config.service.healthPath}`),
    image: config.service.image,
    version: config.service.version,
    dbEndpoint: database.endpoint,
    cluster: service.cluster.name,
    migratorTaskDefinition: service.migratorTaskDefinition.family,
    migratorSubnetIds: pulumi.output(network.privateSubnetIds),
    migratorSecurityGroupId: groups.migrator.id,
  };
}
