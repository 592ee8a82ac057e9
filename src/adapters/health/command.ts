/** Run a shell command; exit 0 means healthy. Its last output lines explain a failure. */
import { systemClock } from '../../clock.js';
import { type Clock } from '../../ports.js';
import { describeExit, runShell } from '../process/shell.js';
import type { HealthCheck, HealthResult } from '../../ports.js';
import { startResult } from './result.js';
import { DEFAULT_COMMAND_TIMEOUT_MS } from '../../config/health.js';

export class CommandHealthCheck implements HealthCheck {
  readonly name: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly command: string,
    private readonly deps: { clock?: Clock; timeoutMs?: number; cwd?: string } = {},
  ) {
    this.name = `command ${command}`;
    this.timeoutMs = deps.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  }

  async run(signal?: AbortSignal): Promise<HealthResult> {
    const clock = this.deps.clock ?? systemClock;
    const result = startResult(this.name, clock);
    try {
      const run = await runShell(this.command, {
        timeoutMs: this.timeoutMs,
        signal,
        clock,
        cwd: this.deps.cwd,
        tailLines: 3,
      });
      if (run.exitCode === 0 && !run.timedOut) return result(true, 'exit code 0');
      const output = run.tail.filter((l) => l.trim() !== '').join(' | ');
      return result(
        false,
        output ? `${describeExit(run, this.timeoutMs)}: ${output}` : describeExit(run, this.timeoutMs),
      );
    } catch (e) {
      return result(false, `could not run: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
