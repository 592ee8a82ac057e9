/**
 * The throttle's decision logic, driven by a scripted clock and scripted probe latencies: the
 * budget from the baseline, pausing while the window's p99 is over it (a probe still in flight
 * counting with its age), resuming when the slow samples leave the window, batch sizing by time,
 * the rest after each batch, and failing at the pause deadline.
 */
import { p99, ThrottleController, type ThrottleSettings } from '../../src/core/throttle/controller.js';

const SETTINGS: ThrottleSettings = {
  maxAppP99Ratio: 1.5,
  minSlackMs: 1,
  windowMs: 1000,
  batchTargetMs: 100,
  restRatio: 1,
  pauseDeadlineMs: 5000,
  checkIntervalMs: 50,
  minBatchRows: 100,
  maxBatchRows: 100_000,
};

/** A controller whose baseline is `baselineMs` (probes every 50 ms for 1 s, all at that latency). */
function withBaseline(baselineMs: number, settings: Partial<ThrottleSettings> = {}): ThrottleController {
  const c = new ThrottleController({ ...SETTINGS, ...settings }, 10_000);
  for (let t = 0; t < 1000; t += 50) {
    c.probeStarted(t);
    c.probeFinished(t + baselineMs, baselineMs);
  }
  c.fixBaseline(1000);
  return c;
}

/** Probes at `latencyMs` every 50 ms over [from, to). */
function feed(c: ThrottleController, from: number, to: number, latencyMs: number): void {
  for (let t = from; t < to; t += 50) {
    c.probeStarted(t);
    c.probeFinished(t, latencyMs);
  }
}

describe('p99', () => {
  it('is the nearest-rank 99th percentile', () => {
    expect(p99([])).toBeUndefined();
    expect(p99([3])).toBe(3);
    expect(p99(Array.from({ length: 100 }, (_, i) => i + 1))).toBe(99);
    expect(p99(Array.from({ length: 20 }, (_, i) => i + 1))).toBe(20);
  });
});

describe('ThrottleController', () => {
  it('runs unthrottled until a baseline is fixed, and when no probe answered', () => {
    const c = new ThrottleController(SETTINGS, 5000);
    expect(c.decide(0)).toEqual({ kind: 'run', rows: 5000 });
    expect(c.fixBaseline(2000)).toBeUndefined();
    expect(c.budgetMs).toBeUndefined();
    expect(c.decide(2000)).toEqual({ kind: 'run', rows: 5000 });
  });

  it('sets the budget to ratio × baseline, but at least baseline + minSlackMs', () => {
    expect(withBaseline(6).budgetMs).toBe(9);
    expect(withBaseline(0.4).budgetMs).toBeCloseTo(1.4);
  });

  it('pauses while the p99 is over budget and resumes once the slow probes leave the window', () => {
    const c = withBaseline(6);
    feed(c, 1000, 1500, 5);
    expect(c.decide(1500).kind).toBe('run');
    feed(c, 1500, 1600, 20);
    const paused = c.decide(1600);
    expect(paused).toMatchObject({ kind: 'pause', pausedMs: 0, p99Ms: 20, budgetMs: 9, waitMs: 50 });
    feed(c, 1600, 2500, 5);
    expect(c.decide(2500)).toMatchObject({ kind: 'pause', pausedMs: 900 });
    // At 2600 the window (1 s) no longer holds the 20 ms probes of 1500–1550.
    feed(c, 2500, 2600, 5);
    expect(c.decide(2600).kind).toBe('run');
    expect(c.pauses).toBe(1);
    expect(c.pausedTotalMs).toBe(1000);
  });

  it('counts a probe still in flight with its age: a probe stuck behind a lock pauses the work', () => {
    const c = withBaseline(6);
    feed(c, 1000, 1500, 5);
    c.probeStarted(1500);
    expect(c.decide(1505).kind).toBe('run');
    expect(c.decide(1530)).toMatchObject({ kind: 'pause', p99Ms: 30 });
    expect(c.currentP99(3000)).toBe(1500);
    c.probeFinished(3000, 1500);
    // The slow sample stays in the window for windowMs.
    expect(c.decide(3500).kind).toBe('pause');
    feed(c, 3000, 4100, 5);
    expect(c.decide(4100).kind).toBe('run');
  });

  it('halves the batch once per pause', () => {
    const c = withBaseline(6);
    expect(c.batchRows).toBe(10_000);
    feed(c, 1000, 1100, 50);
    c.decide(1100);
    c.decide(1150);
    expect(c.batchRows).toBe(5000);
  });

  it('sizes batches to the time target, at most doubling, within the row limits', () => {
    const c = withBaseline(6);
    c.batchDone(1000, 10_000, 400);
    expect(c.batchRows).toBe(2500);
    c.batchDone(2000, 2500, 10);
    expect(c.batchRows).toBe(5000);
    c.batchDone(3000, 5000, 100_000);
    expect(c.batchRows).toBe(100);
    const big = withBaseline(6, { maxBatchRows: 20_000 });
    big.batchDone(1000, 15_000, 1);
    expect(big.batchRows).toBe(20_000);
  });

  it('rests restRatio × the batch time after each batch; a statement that cannot be split does not wait for the rest', () => {
    const c = withBaseline(6, { restRatio: 0.5 });
    feed(c, 1000, 1500, 5);
    c.batchDone(1500, 10_000, 100);
    expect(c.decide(1500)).toEqual({ kind: 'rest', waitMs: 50 });
    expect(c.decide(1500, { batch: false }).kind).toBe('run');
    expect(c.decide(1550).kind).toBe('run');
  });

  it('sums batches, pauses (one still going on counted up to now) and rest for the report', () => {
    const c = withBaseline(6, { restRatio: 0.5 });
    feed(c, 1000, 1500, 5);
    c.batchDone(1500, 10_000, 100);
    c.batchDone(1700, 10_000, 60);
    feed(c, 1700, 1800, 20);
    expect(c.decide(1800).kind).toBe('pause');
    expect(c.totals(2100)).toEqual({ batches: 2, pauses: 1, pausedMs: 300, restMs: 80 });
  });

  it('fails when one pause reaches the deadline', () => {
    const c = withBaseline(6, { pauseDeadlineMs: 2000 });
    let t = 1000;
    for (; t < 3000; t += 50) {
      feed(c, t, t + 50, 30);
      expect(c.decide(t + 50).kind).toBe('pause');
    }
    feed(c, t, t + 50, 30);
    expect(c.decide(t + 50)).toMatchObject({ kind: 'fail', pausedMs: 2000, p99Ms: 30, budgetMs: 9 });
  });
});
