/**
 * The one place Pulumi's errors become deployctl's. The Automation API classifies CLI failures
 * into error types (ConcurrentUpdateError, StackNotFoundError, CommandError); we match on those
 * types and on the spawn error code, never on message text.
 */
import { DeployctlError, isDeployctlError } from '../../../errors.js';
import type { Automation } from './automation.js';

/** What the driver was doing: opening the stack, reading its outputs, or running the engine. */
export type PulumiOperation = 'open' | 'outputs' | 'up' | 'preview';

export interface PulumiErrorContext {
  /** The loaded Automation API, whose error classes the CLI's failures are instances of. */
  automation: Pick<Automation, 'CommandError' | 'ConcurrentUpdateError' | 'StackNotFoundError'>;
  operation: PulumiOperation;
  stackName: string;
  workDir: string;
}

/** Lines of the CLI's stderr quoted in a failure message. */
const STDERR_TAIL_LINES = 15;

/** CommandError keeps the CLI's result in a field its typings mark private. */
interface CommandResultFields {
  stderr?: string;
  err?: { code?: string };
}

/**
 * A DeployctlError for any failure of the Pulumi CLI; anything else (a bug in deployctl) is
 * returned unchanged so it surfaces as one.
 */
export function translatePulumiError(error: unknown, context: PulumiErrorContext): unknown {
  if (isDeployctlError(error)) return error;
  const { operation, stackName, workDir } = context;
  const { CommandError, ConcurrentUpdateError, StackNotFoundError } = context.automation;
  const result = (error as { commandResult?: CommandResultFields } | undefined)?.commandResult;

  if (error instanceof ConcurrentUpdateError) {
    return new DeployctlError(
      'ROLLOUT_FAILED',
      `another update is running on Pulumi stack '${stackName}'; nothing was changed`,
      {
        cause: error,
        hint: `wait for it to finish and retry (\`pulumi stack history --stack ${stackName}\` shows it); if that update died, release its lock with \`pulumi cancel --stack ${stackName}\``,
      },
    );
  }
  if (error instanceof CommandError && result?.err?.code === 'ENOENT') {
    return new DeployctlError(
      'CONFIG_INVALID',
      'the Pulumi CLI (`pulumi`) is not installed or not on PATH; the pulumi rollout driver runs it',
      {
        key: 'rollout.driver',
        cause: error,
        hint: 'install it (`curl -fsSL https://get.pulumi.com | sh`), log in (`pulumi login`), then retry',
      },
    );
  }
  if (error instanceof StackNotFoundError) {
    return new DeployctlError('CONFIG_INVALID', `Pulumi stack '${stackName}' does not exist in ${workDir}`, {
      key: 'rollout.stack',
      cause: error,
      hint: `create it (\`pulumi stack init ${stackName}\` in ${workDir}) or name an existing one (\`pulumi stack ls\`) in rollout.stack`,
    });
  }
  if (operation === 'open') {
    // Version checks and login problems surface as plain Errors or CommandErrors here.
    const detail =
      error instanceof CommandError ? stderrTail(result) : error instanceof Error ? error.message : String(error);
    return new DeployctlError(
      'CONFIG_INVALID',
      `could not open Pulumi stack '${stackName}' in ${workDir}:\n${detail}`,
      {
        key: 'rollout.stack',
        cause: error,
        hint: "check that the Pulumi CLI is installed and logged in to the stack's backend (`pulumi whoami`, `pulumi login`)",
      },
    );
  }
  if (error instanceof CommandError) {
    const what = operation === 'outputs' ? 'reading the stack outputs' : `\`pulumi ${operation}\``;
    return new DeployctlError('ROLLOUT_FAILED', `${what} failed on stack '${stackName}':\n${stderrTail(result)}`, {
      cause: error,
      hint: `the lines above come from the Pulumi CLI; \`pulumi stack --stack ${stackName}\` in ${workDir} shows the stack's state`,
    });
  }
  return error;
}

function stderrTail(result: CommandResultFields | undefined): string {
  const lines = (result?.stderr ?? '')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '');
  if (lines.length === 0) return '  (the CLI printed nothing on stderr)';
  return lines
    .slice(-STDERR_TAIL_LINES)
    .map((line) => `  ${line}`)
    .join('\n');
}
