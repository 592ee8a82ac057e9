/**
 * The throttle while migrations run: a probe sampled every `probe.intervalMs` on its own timer,
 * its baseline measured before the first migration runs, and the decisions of the core
 * controller (core/throttle/controller.ts) applied — between backfill batches and before each
 * statement that scans or rewrites a table (which cannot be paused once started).
 */
import type { Clock, Emit } from '../../ports.js';
import type { ThrottleConfig } from '../../config/throttle.js';
import { THROTTLE_DEFAULTS, ThrottleController, type ThrottleDecision } from '../../core/throttle/controller.js';
import type { Probe } from '../../adapters/health/probe.js';
import { DeployctlError } from '../../errors.js';

export class ThrottleRun {
  readonly controller: ThrottleController;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly stop$ = new AbortController();

  constructor(
    readonly config: ThrottleConfig,
    readonly probe: Probe,
    private readonly deps: { clock: Clock; emit: Emit; signal?: AbortSignal },
    initialRows = 10_000,
  ) {
    this.controller = new ThrottleController(
      {
        maxAppP99Ratio: config.maxAppP99Ratio,
        minSlackMs: THROTTLE_DEFAULTS.minSlackMs,
        windowMs: config.windowMs,
        batchTargetMs: config.batchTargetMs,
        restRatio: config.restRatio,
        pauseDeadlineMs: config.pauseDeadlineMs,
        checkIntervalMs: THROTTLE_DEFAULTS.checkIntervalMs,
        minBatchRows: THROTTLE_DEFAULTS.minBatchRows,
        maxBatchRows: THROTTLE_DEFAULTS.maxBatchRows,
      },
      initialRows,
    );
  }

  /** Starts probing and measures the baseline (the probe before any migration of this run). */
  async start(): Promise<void> {
    const { clock } = this.deps;
    // The first probe opens the connection (TCP, pool): not a latency the app's users see.
    await this.probe.run();
    this.loop ??= this.sample();
    await clock.sleep(this.config.baselineMs, this.deps.signal).catch(() => undefined);
    const baseline = this.controller.fixBaseline(clock.now());
    this.deps.emit({
      type: 'info',
      message:
        baseline === undefined
          ? `throttle: no probe answered within ${this.config.baselineMs} ms (${this.probe.label}); running unthrottled`
          : `throttle: baseline p99 ${baseline.toFixed(1)} ms (${this.probe.label}); budget ${this.controller.budgetMs!.toFixed(1)} ms (${this.config.maxAppP99Ratio}×)`,
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stop$.abort();
    // Closing first ends a probe in flight (one stuck behind a lock would otherwise hold the exit).
    await this.probe.close();
    await this.loop;
    const totals = this.controller.totals(this.deps.clock.now());
    if (totals.batches > 0 || totals.pauses > 0) this.deps.emit({ type: 'throttle:totals', ...totals });
  }

  /**
   * Before a statement that cannot be paused: waits while the app is over budget. Fails with
   * `what` in the message when the pause reaches the deadline.
   */
  async waitForBudget(what: string, onPause: (d: ThrottleDecision & { kind: 'pause' }) => void): Promise<void> {
    for (;;) {
      const d = this.controller.decide(this.deps.clock.now(), { batch: false });
      if (d.kind === 'run' || d.kind === 'rest') return;
      if (d.kind === 'fail') throw pauseDeadline(what, d, '');
      onPause(d);
      await this.deps.clock.sleep(d.waitMs, this.deps.signal);
    }
  }

  private async sample(): Promise<void> {
    const { clock } = this.deps;
    while (!this.stopped) {
      const startedAt = clock.now();
      this.controller.probeStarted(startedAt);
      const ms = await this.probe.run();
      this.controller.probeFinished(clock.now(), ms);
      const wait = Math.max(0, this.config.probeIntervalMs - (clock.now() - startedAt));
      await clock.sleep(wait, this.stop$.signal).catch(() => undefined);
    }
  }
}

export function pauseDeadline(
  what: string,
  d: { pausedMs: number; p99Ms: number; budgetMs: number },
  progress: string,
): DeployctlError {
  return new DeployctlError(
    'MIGRATION_FAILED',
    `${what}: paused ${(d.pausedMs / 1000).toFixed(1)} s, the throttle's deadline: the app's p99 stayed at ${d.p99Ms.toFixed(1)} ms, over the ${d.budgetMs.toFixed(1)} ms budget (throttle.maxAppP99Ratio).${progress} Nothing else of it was applied. Find what slows the app, or raise throttle.pauseDeadlineMs, then continue with 'deployctl release --resume' (or run 'deployctl migrate' again).`,
  );
}
