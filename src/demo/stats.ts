/**
 * Latency statistics over the load generator's samples. The samples are kept whole (a demo run
 * sends tens of thousands of requests at most, see MAX_REQUESTS in load.ts), so percentiles are
 * exact rather than read from histogram buckets.
 */
import { performance } from 'node:perf_hooks';

/**
 * The demo's timer: milliseconds since the epoch with sub-millisecond precision. Unlike bare
 * performance.now() it has the same origin in every thread, so the load thread's samples and
 * the main thread's stage windows line up.
 */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/** One request: when it was meant to be sent, how long it took from then, how it ended. */
export interface Sample {
  /** Intended send time on the demo's timer (epochNow). */
  intendedAtMs: number;
  /** From the intended send time to the end of the response (or the error). */
  latencyMs: number;
  /** Undefined when the request succeeded; else what went wrong (`HTTP 500: …`, `ECONNRESET`). */
  error?: string;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface RequestCounts {
  sent: number;
  ok: number;
  failed: number;
  /** Failed requests by kind. */
  errors: Record<string, number>;
}

/** Nearest-rank percentiles, rounded to 0.1 ms; all zero when there is no sample. */
export function percentiles(latenciesMs: number[]): Percentiles {
  if (latenciesMs.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(latenciesMs).sort();
  const at = (q: number): number =>
    round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(sorted[sorted.length - 1]!) };
}

export function counts(samples: Sample[]): RequestCounts {
  const errors: Record<string, number> = {};
  let failed = 0;
  for (const s of samples) {
    if (s.error === undefined) continue;
    failed++;
    errors[s.error] = (errors[s.error] ?? 0) + 1;
  }
  return { sent: samples.length, ok: samples.length - failed, failed, errors };
}

/** Samples whose intended send time falls in [fromMs, toMs). */
export function between(samples: Sample[], fromMs: number, toMs: number): Sample[] {
  return samples.filter((s) => s.intendedAtMs >= fromMs && s.intendedAtMs < toMs);
}

export function latencies(samples: Sample[]): number[] {
  return samples.map((s) => s.latencyMs);
}

export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
