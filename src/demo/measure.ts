/**
 * Turns one run's raw material — request samples, stage windows, lock waits — into the figures
 * the report shows. Every figure covers the measured part of the run (baseline, release, after);
 * the warm-up is listed as a stage of its own so nothing it saw is hidden.
 */
import type { StageWindow, StatementWindow } from './events.js';
import type { LockWait } from './monitor.js';
import {
  between,
  counts,
  latencies,
  percentiles,
  round,
  type Percentiles,
  type RequestCounts,
  type Sample,
} from './stats.js';

export type DemoMode = 'deployctl' | 'naive';

export interface StageFigures {
  name: string;
  ms: number;
  requests: RequestCounts;
  latency_ms: Percentiles;
  max_lock_wait_ms: number;
  /**
   * Requests slower than 1.5× the baseline p99: where the release spends the 1% of its requests
   * that may be slow before its p99 passes 1.5× the baseline.
   */
  over_1_5x_baseline_p99: number;
}

/** App requests meant to be sent while one migration statement (or backfill batch) ran. */
export interface StatementFigures {
  migration: string;
  statement: string;
  ms: number;
  requests: RequestCounts;
  latency_ms: Percentiles;
}

/** One mode's result; the keys are the `--json` document's. */
export interface RunReport {
  mode: DemoMode;
  requests: RequestCounts;
  latency_ms: Percentiles;
  /** p99 of the steady state before the release, same run. */
  baseline_p99_ms: number;
  /** p99 of the requests meant to be sent while the release ran. */
  release_p99_ms: number;
  max_lock_wait_ms: number;
  /** The app statement that waited longest, as pg_stat_activity showed it. */
  max_lock_wait_query: string | null;
  stages: StageFigures[];
  /** Per migration statement, each backfill batch on its own (deployctl mode). */
  statements: StatementFigures[];
  /** The release ran with the example's throttle: section. */
  throttled: boolean;
  /** What the throttle did: batches it sized, pauses while the app was over budget, rest between batches. */
  throttle: { batches: number; pauses: number; paused_ms: number; rest_ms: number } | null;
  release_ms: number;
  /** deployctl mode: release time not spent in migrations, rollout or health verification. */
  release_overhead_ms: number | null;
  release_status: string;
  /** The lock_timeout each migration ran with (deployctl mode); the naive run sets none. */
  lock_timeout_ms: number | null;
  load: { rps: number; rows: number; method: string };
  checks: RunChecks;
  app_processes: { artifact: string; pid: number }[];
}

export interface RunChecks {
  /** The column version 1 reads is gone at the end. */
  legacy_code_dropped: boolean;
  migration_files: number;
  /** Migrations recorded in the ledger (deployctl mode; the naive run keeps no ledger). */
  migrations_recorded: number;
}

export const LOAD_METHOD =
  'open-loop: requests sent at fixed intended times, latency measured from the intended send time (no coordinated omission)';

export interface RunMaterial {
  mode: DemoMode;
  rps: number;
  rows: number;
  samples: Sample[];
  warmup: StageWindow;
  baseline: StageWindow;
  /** Stages of the release, in order. */
  releaseStages: StageWindow[];
  statements: StatementWindow[];
  throttled: boolean;
  throttleTotals?: { batches: number; pauses: number; pausedMs: number; restMs: number };
  release: StageWindow;
  after: StageWindow;
  waits: LockWait[];
  releaseStatus: string;
  overheadMs: number | null;
  lockTimeoutMs: number | null;
  checks: RunChecks;
  appProcesses: { artifact: string; pid: number }[];
}

export function measure(m: RunMaterial): RunReport {
  const measured = between(m.samples, m.baseline.startMs, m.after.endMs);
  const maxWait = (from: number, to: number): LockWait | undefined =>
    m.waits
      .filter((w) => w.atMs >= from && w.atMs < to)
      .reduce<LockWait | undefined>((best, w) => (!best || w.waitedMs > best.waitedMs ? w : best), undefined);
  const baselineP99 = percentiles(latencies(between(m.samples, m.baseline.startMs, m.baseline.endMs))).p99;
  const figures = (w: StageWindow): StageFigures => {
    const inside = between(m.samples, w.startMs, w.endMs);
    return {
      name: w.name,
      ms: Math.round(w.endMs - w.startMs),
      requests: counts(inside),
      latency_ms: percentiles(latencies(inside)),
      max_lock_wait_ms: maxWait(w.startMs, w.endMs)?.waitedMs ?? 0,
      over_1_5x_baseline_p99: latencies(inside).filter((ms) => ms > 1.5 * baselineP99).length,
    };
  };
  const longest = maxWait(m.baseline.startMs, m.after.endMs);
  return {
    mode: m.mode,
    requests: counts(measured),
    latency_ms: percentiles(latencies(measured)),
    baseline_p99_ms: baselineP99,
    release_p99_ms: percentiles(latencies(between(m.samples, m.release.startMs, m.release.endMs))).p99,
    max_lock_wait_ms: longest?.waitedMs ?? 0,
    max_lock_wait_query: longest?.query.replace(/\s+/g, ' ').slice(0, 200) ?? null,
    stages: [m.warmup, m.baseline, ...m.releaseStages, m.after].map(figures),
    statements: m.statements.map((w) => {
      const inside = between(m.samples, w.startMs, w.endMs);
      return {
        migration: w.migration,
        statement: w.name,
        ms: round(w.endMs - w.startMs),
        requests: counts(inside),
        latency_ms: percentiles(latencies(inside)),
      };
    }),
    throttled: m.throttled,
    throttle: m.throttleTotals
      ? {
          batches: m.throttleTotals.batches,
          pauses: m.throttleTotals.pauses,
          paused_ms: m.throttleTotals.pausedMs,
          rest_ms: m.throttleTotals.restMs,
        }
      : null,
    release_ms: Math.round(m.release.endMs - m.release.startMs),
    release_overhead_ms: m.overheadMs === null ? null : round(m.overheadMs),
    release_status: m.releaseStatus,
    lock_timeout_ms: m.lockTimeoutMs,
    load: { rps: m.rps, rows: m.rows, method: LOAD_METHOD },
    checks: m.checks,
    app_processes: m.appProcesses,
  };
}
