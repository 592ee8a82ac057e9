/**
 * `throttle:` in deployctl.yaml — how much the app may feel the migrations. Self-contained: the
 * file shape, the resolved form, and the defaults (core/throttle/controller.ts uses them).
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
import { int, obj, optional, str, type Shape } from './schema.js';

const positive =
  (min: number): Shape<number> =>
  (v, p) => {
    if (typeof v === 'number' && Number.isFinite(v) && v >= min) return v;
    throw new DeployctlError(
      'CONFIG_INVALID',
      `config key '${p}': expected a number ≥ ${min}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`,
      { key: p },
    );
  };

/** A PostgreSQL memory size: a whole number with kB, MB or GB (as in postgresql.conf). */
const memory: Shape<string> = (v, p) => {
  if (typeof v === 'string' && /^[1-9][0-9]*\s*(kB|MB|GB)$/.test(v)) return v.replace(/\s+/g, '');
  throw new DeployctlError(
    'CONFIG_INVALID',
    `config key '${p}': expected a memory size such as 64MB (kB, MB or GB), got ${v === undefined ? 'nothing' : JSON.stringify(v)}`,
    { key: p },
  );
};

export const THROTTLE_SHAPE = obj({
  maxAppP99Ratio: positive(1),
  probe: optional(
    obj({ http: optional(str()), sql: optional(str()), intervalMs: optional(int(1)), timeoutMs: optional(int(1)) }),
  ),
  baselineMs: optional(int(0)),
  windowMs: optional(int(1)),
  batchTargetMs: optional(int(1)),
  restRatio: optional(positive(0)),
  pauseDeadlineMs: optional(int(1)),
  maintenance: optional(obj({ maxParallelWorkers: optional(int(0)), workMem: optional(memory) })),
});

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

export function resolveThrottle(raw: ReturnType<typeof THROTTLE_SHAPE> | undefined): ThrottleConfig | undefined {
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
    maintenance: { maxParallelWorkers: raw.maintenance?.maxParallelWorkers ?? 0, workMem: raw.maintenance?.workMem },
  };
}
