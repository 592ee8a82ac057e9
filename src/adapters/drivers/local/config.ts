import type { LocalDriverConfig } from '../../../config/rollout.js';

export const LOCAL_DEFAULTS = {
  healthPath: '/healthz',
  startupTimeoutMs: 30000,
  drainTimeoutMs: 30000,
  stateDir: '.deployctl/local',
  /** Between SIGTERM and SIGKILL when a version is stopped. */
  stopGraceMs: 10000,
} as const;

/** What it takes to start one version; recorded per version so a rollback starts it the same way. */
export interface AppSpec {
  start: string;
  healthPath: string;
  startupTimeoutMs: number;
  /** A deploy moves traffic to this version gradually over this long; 0 or unset: at once. */
  slowStartMs?: number;
  /** Folder the start command runs in. */
  cwd?: string;
}

export function appSpec(config: LocalDriverConfig, cwd?: string): AppSpec {
  return {
    start: config.start,
    healthPath: config.healthPath ?? LOCAL_DEFAULTS.healthPath,
    startupTimeoutMs: config.startupTimeoutMs ?? LOCAL_DEFAULTS.startupTimeoutMs,
    ...(config.slowStartMs ? { slowStartMs: config.slowStartMs } : {}),
    cwd,
  };
}
