/**
 * Entry point Pulumi runs (`main: stacks/` in Pulumi.yaml). Exports are the stack outputs:
 * `url`, `healthUrl`, `image`, `version`, `dbEndpoint`, and what runs the migrator task:
 * `cluster`, `migratorTaskDefinition`, `migratorSubnetIds`, `migratorSecurityGroupId`.
 */
import { createApp } from './app.js';
import { readStackConfig } from './config.js';

const app = createApp(readStackConfig());

export const url = app.url;
export const healthUrl = app.healthUrl;
export const image = app.image;
export const version = app.version;
export const dbEndpoint = app.dbEndpoint;
export const cluster = app.cluster;
export const migratorTaskDefinition = app.migratorTaskDefinition;
export const migratorSubnetIds = app.migratorSubnetIds;
export const migratorSecurityGroupId = app.migratorSecurityGroupId;
