/**
 * `throttle:` in deployctl.yaml — how much the app may feel the migrations: the resolved form and
 * its defaults (core/throttle/controller.ts uses them); the file shape is `throttleSection` in
 * schema.ts.
 *
 *   throttle:
 *     maxAppP99Ratio: 1.5        # the probe's p99 may reach 1.5× its baseline (required)
 *     probe:                     # optional; default: the first http health check, else the first sql one
 *       http: http://127.0.0.1:8080/healthz   # or  sql: select 1 from orders limit 1
 *       intervalMs: 50
 *       timeoutMs: 2000
 *     baselineMs: 2000           # probe sampled this long before the first migration runs
 *     windowMs: 2000             # p99 over the probe samples of the last windowMs
 *     batchTargetMs: 100         # a backfill batch is sized to take about this long
 *     restRatio: 1               # after each batch, rest this × its time
 *     pauseDeadlineMs: 120000    # a pause this long fails the migration (resumable)
 *     maintenance:               # per session, for index builds and validations
 *       maxParallelWorkers: 0    # max_parallel_maintenance_workers
 *       workMem: 64MB            # maintenance_work_mem
 */
import { DeployctlError } from '../errors.js';
import { THROTTLE_DEFAULTS } from '../core/throttle/controller.js';
import type { ConfigFile } from './schema.js';

export type ThrottleProbeConfig = { http: string; timeoutMs: number } | { sql: string; timeoutMs: number };

export interface ThrottleConfig {
  maxAppP99Ratio: number;
  /** Undefined: the first http health check, else the first sql one, else `SELECT 1`. */
  probe?: ThrottleProbeConfig;
  probeIntervalMs: number;
  baselineMs: number;
  windowMs: number;
  batchTargetMs: number;
  restRatio: number;
  pauseDeadlineMs: number;
  maintenance: { maxParallelWorkers: number; workMem?: string };
}

export const PROBE_DEFAULTS = { intervalMs: 50, timeoutMs: 2000, baselineMs: 2000 } as const;

export function resolveThrottle(raw: ConfigFile['throttle']): ThrottleConfig | undefined {
  if (!raw) return undefined;
  const probe = raw.probe;
  if (probe && probe.http && probe.sql)
    throw new DeployctlError('CONFIG_INVALID', `config key 'throttle.probe': set one of http, sql (found both)`, {
      key: 'throttle.probe',
    });
  const timeoutMs = probe?.timeoutMs ?? PROBE_DEFAULTS.timeoutMs;
  return {
    maxAppP99Ratio: raw.maxAppP99Ratio,
    probe: probe?.http ? { http: probe.http, timeoutMs } : probe?.sql ? { sql: probe.sql, timeoutMs } : undefined,
    probeIntervalMs: probe?.intervalMs ?? PROBE_DEFAULTS.intervalMs,
    baselineMs: raw.baselineMs ?? PROBE_DEFAULTS.baselineMs,
    windowMs: raw.windowMs ?? THROTTLE_DEFAULTS.windowMs,
    batchTargetMs: raw.batchTargetMs ?? THROTTLE_DEFAULTS.batchTargetMs,
    restRatio: raw.restRatio ?? THROTTLE_DEFAULTS.restRatio,
    pauseDeadlineMs: raw.pauseDeadlineMs ?? THROTTLE_DEFAULTS.pauseDeadlineMs,
    maintenance: {
      maxParallelWorkers: raw.maintenance?.maxParallelWorkers ?? 0,
      workMem: raw.maintenance?.workMem?.replace(/\s+/g, ''),
    },
  };
}
