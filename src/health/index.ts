export type { HealthCheck, HealthResult } from './check.js';
export type { HealthCheckConfig, HttpCheckConfig } from './config.js';
export { HttpHealthCheck } from './http.js';
export { SqlHealthCheck, type Queryable } from './sql.js';
export { CommandHealthCheck } from './command.js';
export { buildHealthChecks, type HealthBuildDeps } from './build.js';
export { verify, bake, healthFailure, VERIFY_DEFAULTS, BAKE_DEFAULTS, type VerifyPolicy, type BakePolicy, type HealthDeps, type HealthOutcome } from './verify.js';
