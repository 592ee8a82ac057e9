/**
 * The `command` rollout driver: any shell command does the deploy (kubectl, aws ecs, fly…).
 * The command sees the release through the environment — DEPLOYCTL_ARTIFACT,
 * DEPLOYCTL_PREVIOUS_ARTIFACT, DEPLOYCTL_RELEASE_ID, and the short ARTIFACT, PREVIOUS_ARTIFACT,
 * RELEASE_ID so `${ARTIFACT}` in deployctl.yaml is expanded by the shell itself, never spliced
 * into the command text (an artifact name cannot inject shell syntax).
 */
import { systemClock } from '../../clock.js';
import { type Clock } from '../../ports.js';
import { DeployctlError } from '../../errors.js';
import { describeExit, runShell, type ShellResult } from '../process/shell.js';
import type { CommandRolloutConfig } from '../../config/rollout.js';
import type { RolloutContext, RolloutDriver, RolloutResult } from '../../ports.js';

export interface CommandDriverDeps {
  clock?: Clock;
  /** Folder the commands run in (the config file's folder). */
  cwd?: string;
}

/** Lines of output quoted in a failure message. */
const FAILURE_TAIL_LINES = 10;

export class CommandDriver implements RolloutDriver {
  readonly name = 'command';

  constructor(
    private readonly config: CommandRolloutConfig,
    private readonly deps: CommandDriverDeps = {},
  ) {}

  async rollout(ctx: RolloutContext): Promise<RolloutResult> {
    await this.run('deploy', this.config.deploy, ctx);
    return { artifact: ctx.artifact, outputs: {} };
  }

  async rollback(ctx: RolloutContext): Promise<RolloutResult> {
    await this.run('rollback', this.config.rollback ?? this.config.deploy, ctx);
    return { artifact: ctx.artifact, outputs: {} };
  }

  async current(): Promise<string | undefined> {
    if (!this.config.current) return undefined;
    const result = await this.shell(this.config.current, {});
    if (result.exitCode !== 0 || result.timedOut) throw this.failure('current', this.config.current, result);
    const artifact = result.stdout.trim();
    return artifact === '' ? undefined : artifact;
  }

  /** Nothing is held between calls: each command is its own process. */
  async close(): Promise<void> {}

  private async run(step: 'deploy' | 'rollback', command: string, ctx: RolloutContext): Promise<void> {
    const previous = ctx.previousArtifact ?? '';
    const env = {
      DEPLOYCTL_ARTIFACT: ctx.artifact,
      DEPLOYCTL_PREVIOUS_ARTIFACT: previous,
      DEPLOYCTL_RELEASE_ID: ctx.releaseId,
      ARTIFACT: ctx.artifact,
      PREVIOUS_ARTIFACT: previous,
      RELEASE_ID: ctx.releaseId,
    };
    ctx.log(`${step}: ${command}`);
    let recorded: Promise<void> | undefined;
    const result = await this.shell(command, {
      env,
      signal: ctx.signal,
      onLine: (line) => ctx.log(line),
      onSpawn: (pgid) => {
        recorded = ctx.onCommand?.(pgid);
      },
      dieWithParent: true,
    });
    if (recorded) {
      await recorded;
      await ctx.onCommand?.(null);
    }
    if (result.aborted) {
      throw new DeployctlError(
        'INTERRUPTED',
        `${step} of ${ctx.artifact} was interrupted; the command's process group was sent SIGTERM`,
        {
          hint: `check the target's state, then run \`deployctl release --resume\``,
        },
      );
    }
    if (result.exitCode !== 0 || result.timedOut) throw this.failure(step, command, result);
  }

  private shell(
    command: string,
    options: {
      env?: Record<string, string>;
      signal?: AbortSignal;
      onLine?: (line: string) => void;
      onSpawn?: (pgid: number) => void;
      dieWithParent?: boolean;
    },
  ): Promise<ShellResult> {
    return runShell(command, {
      ...options,
      cwd: this.deps.cwd,
      timeoutMs: this.config.timeoutMs,
      clock: this.deps.clock ?? systemClock,
      tailLines: FAILURE_TAIL_LINES,
    }).catch((e: unknown) => {
      throw new DeployctlError(
        'ROLLOUT_FAILED',
        `could not start \`${command}\`: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    });
  }

  private failure(step: string, command: string, result: ShellResult): DeployctlError {
    const output = result.tail.length ? `\nlast output:\n  ${result.tail.join('\n  ')}` : '';
    return new DeployctlError(
      'ROLLOUT_FAILED',
      `${step} command \`${command}\` failed (${describeExit(result, this.config.timeoutMs)})${output}`,
      {
        key: `rollout.${step}`,
        hint: step === 'current' ? 'the `current` command must exit 0 and print the serving artifact' : undefined,
      },
    );
  }
}
