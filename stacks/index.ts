/**
 * Entry point Pulumi runs (`main: stacks/` in Pulumi.yaml). Exports are the stack outputs:
 * `url`, `healthUrl`, `image`, `dbEndpoint`.
 */
import { createApp } from './app.js';
import { readStackConfig } from './config.js';

const app = createApp(readStackConfig());

export const url = app.url;
export const healthUrl = app.healthUrl;
export const image = app.image;
export const dbEndpoint = app.dbEndpoint;
