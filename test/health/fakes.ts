/** A clock that moves only when slept on, and a check that answers from a script. */
import type { Clock } from '../../src/ports.js';
import type { HealthCheck, HealthResult } from '../../src/ports.js';

export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public time = 1_000_000) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.time += ms;
  }
}

/** Answers `script[i]` on the i-th run (the last entry repeats); each run takes `latencyMs` of fake time. */
export class ScriptedCheck implements HealthCheck {
  runs = 0;
  constructor(
    readonly name: string,
    private readonly script: boolean[],
    private readonly clock: FakeClock,
    private readonly latencyMs = 0,
  ) {}
  async run(): Promise<HealthResult> {
    const ok = this.script[Math.min(this.runs, this.script.length - 1)];
    this.runs++;
    this.clock.time += this.latencyMs;
    return { check: this.name, ok, latencyMs: this.latencyMs, detail: ok ? 'fine' : `failure #${this.runs}` };
  }
}
