/**
 * The throttle's decisions, without I/O: fed probe latencies (the app's health check or a SQL
 * probe, timed while migrations run) and batch timings, it says whether the next batch may run,
 * how many rows it should take, and how long to wait otherwise. The engine owns the clock, the
 * probe and the database; this owns only arithmetic, so tests drive it with scripted values.
 *
 * - Budget: `maxAppP99Ratio` × the probe's p99 measured before the release touched anything
 *   (the baseline), and never less than the baseline plus `minSlackMs` (a sub-millisecond probe
 *   would otherwise pause on noise).
 * - Window: the p99 is over the probe samples of the last `windowMs`; a probe still in flight
 *   counts with its age so far, so a probe stuck behind a lock pauses the work before it returns.
 * - Batches: each is sized so that it takes about `batchTargetMs` (rows × target / last time),
 *   at most doubling from one batch to the next; after each, the work rests `restRatio` × its
 *   time, so the app's queries get the CPU between batches.
 * - Pause: while the p99 is over the budget no batch starts (and the batch size halves once per
 *   pause); when a pause lasts `pauseDeadlineMs` the decision is to fail.
 */

export interface ThrottleSettings {
  maxAppP99Ratio: number;
  minSlackMs: number;
  windowMs: number;
  batchTargetMs: number;
  restRatio: number;
  pauseDeadlineMs: number;
  /** How often to look again while paused or resting. */
  checkIntervalMs: number;
  minBatchRows: number;
  maxBatchRows: number;
}

export const THROTTLE_DEFAULTS = {
  minSlackMs: 1,
  windowMs: 2000,
  batchTargetMs: 100,
  restRatio: 1,
  pauseDeadlineMs: 120_000,
  checkIntervalMs: 50,
  minBatchRows: 100,
  maxBatchRows: 100_000,
} as const;

export type ThrottleDecision =
  | { kind: 'run'; rows: number }
  | { kind: 'rest'; waitMs: number }
  | { kind: 'pause'; waitMs: number; pausedMs: number; p99Ms: number; budgetMs: number }
  | { kind: 'fail'; pausedMs: number; p99Ms: number; budgetMs: number };

interface ProbeSample {
  atMs: number;
  latencyMs: number;
}

/** Nearest-rank p99 of a list of latencies (undefined when empty). */
export function p99(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
}

export class ThrottleController {
  private samples: ProbeSample[] = [];
  private inFlightSinceMs: number | undefined;
  private baselineMs: number | undefined;
  private rows: number;
  private restUntilMs = 0;
  private pausedSinceMs: number | undefined;
  /** Total time spent paused (over budget), for the report. */
  pausedTotalMs = 0;
  pauses = 0;
  /** Batches run, and the rest scheduled after them, for the report. */
  batches = 0;
  restTotalMs = 0;

  constructor(
    private readonly settings: ThrottleSettings,
    initialRows: number,
  ) {
    this.rows = this.clamp(initialRows);
  }

  /** The baseline p99 (undefined until fixBaseline). */
  get baselineP99Ms(): number | undefined {
    return this.baselineMs;
  }

  /** The latency the probe's p99 must stay under (undefined until fixBaseline). */
  get budgetMs(): number | undefined {
    if (this.baselineMs === undefined) return undefined;
    return Math.max(this.baselineMs * this.settings.maxAppP99Ratio, this.baselineMs + this.settings.minSlackMs);
  }

  get batchRows(): number {
    return this.rows;
  }

  probeStarted(atMs: number): void {
    this.inFlightSinceMs = atMs;
  }

  probeFinished(atMs: number, latencyMs: number): void {
    this.inFlightSinceMs = undefined;
    this.samples.push({ atMs, latencyMs });
    // Before the baseline is fixed every sample counts towards it; after, only the window.
    if (this.baselineMs !== undefined) this.prune(atMs);
  }

  /**
   * Fixes the baseline from the samples seen so far (the probe ran before anything of the
   * release did). Returns it; undefined when there was no sample, and the throttle stays open.
   */
  fixBaseline(nowMs: number): number | undefined {
    this.baselineMs = p99(this.samples.map((s) => s.latencyMs));
    this.prune(nowMs);
    return this.baselineMs;
  }

  /** The probe's p99 over the window at `nowMs`, counting a probe in flight with its age. */
  currentP99(nowMs: number): number | undefined {
    this.prune(nowMs);
    const values = this.samples.map((s) => s.latencyMs);
    if (this.inFlightSinceMs !== undefined) values.push(nowMs - this.inFlightSinceMs);
    return p99(values);
  }

  /**
   * What to do at `nowMs`. `batch: false` asks for a statement that cannot be split (an index
   * build): it waits out a pause, but not the rest between batches.
   */
  decide(nowMs: number, opts: { batch: boolean } = { batch: true }): ThrottleDecision {
    const budget = this.budgetMs;
    if (budget === undefined) return { kind: 'run', rows: this.rows };
    const current = this.currentP99(nowMs);
    if (current !== undefined && current > budget) {
      if (this.pausedSinceMs === undefined) {
        this.pausedSinceMs = nowMs;
        this.pauses++;
        this.rows = this.clamp(Math.floor(this.rows / 2));
      }
      const pausedMs = nowMs - this.pausedSinceMs;
      if (pausedMs >= this.settings.pauseDeadlineMs)
        return { kind: 'fail', pausedMs, p99Ms: current, budgetMs: budget };
      return { kind: 'pause', waitMs: this.settings.checkIntervalMs, pausedMs, p99Ms: current, budgetMs: budget };
    }
    if (this.pausedSinceMs !== undefined) {
      this.pausedTotalMs += nowMs - this.pausedSinceMs;
      this.pausedSinceMs = undefined;
    }
    if (opts.batch && nowMs < this.restUntilMs) return { kind: 'rest', waitMs: this.restUntilMs - nowMs };
    return { kind: 'run', rows: this.rows };
  }

  /** A batch of `rows` took `ms`, ending at `nowMs`: size the next one and rest after this one. */
  batchDone(nowMs: number, rows: number, ms: number): void {
    const aimed = Math.round((rows * this.settings.batchTargetMs) / Math.max(ms, 1));
    this.rows = this.clamp(Math.min(aimed, rows * 2));
    this.restUntilMs = nowMs + ms * this.settings.restRatio;
    this.batches++;
    this.restTotalMs += ms * this.settings.restRatio;
  }

  /** What the throttle did so far; a pause still going on counts up to `nowMs`. */
  totals(nowMs: number): { batches: number; pauses: number; pausedMs: number; restMs: number } {
    const ongoing = this.pausedSinceMs === undefined ? 0 : nowMs - this.pausedSinceMs;
    return {
      batches: this.batches,
      pauses: this.pauses,
      pausedMs: Math.round(this.pausedTotalMs + ongoing),
      restMs: Math.round(this.restTotalMs),
    };
  }

  private clamp(rows: number): number {
    return Math.max(this.settings.minBatchRows, Math.min(this.settings.maxBatchRows, Math.round(rows)));
  }

  private prune(nowMs: number): void {
    const from = nowMs - this.settings.windowMs;
    if (this.samples.length && this.samples[0]!.atMs < from) this.samples = this.samples.filter((s) => s.atMs >= from);
  }
}
