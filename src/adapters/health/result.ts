import type { Clock, HealthResult } from '../../ports.js';

/** Starts timing one run of a check; the function it returns builds the result with the latency so far. */
export function startResult(check: string, clock: Clock): (ok: boolean, detail: string) => HealthResult {
  const started = clock.now();
  return (ok, detail) => ({ check, ok, latencyMs: clock.now() - started, detail });
}
