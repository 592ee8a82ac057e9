/**
 * The command line: commander parses it from the table in spec.ts (help, --version, "did you
 * mean", exit 2 on usage errors), then the one place errors become exit codes. DeployctlErrors
 * print their message (scrubbed of secrets) once, with the next step, and map through exit.ts;
 * anything else is a bug and says so.
 */
import { Command, CommanderError, Option } from 'commander';
import { isDeployctlError, type DeployctlError, type ErrorCode } from '../errors.js';
import { exitCodeFor, EXIT } from './exit.js';
import { scrub, type CliContext } from './context.js';
import { COMMANDS, type CommandSpec } from './spec.js';
import { packageVersion } from './version.js';

export { COMMANDS } from './spec.js';

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  let code: number = EXIT.ok;
  let name = '';
  const program = buildProgram(ctx, async (command, spec, values) => {
    name = command;
    ctx.needs = spec.needs;
    code = await (await spec.load())(values as never, ctx);
  });
  if (argv.length === 0) {
    ctx.io.stderr.write(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return reportError(e, name, argv.includes('--json'), ctx);
  }
}

type Action = (name: string, spec: CommandSpec, values: Record<string, unknown>) => Promise<void>;

function buildProgram(ctx: CliContext, action: Action): Command {
  const program = new Command('deployctl')
    .description(
      'Zero-downtime releases for PostgreSQL-backed apps: classify migrations, stage them around the rollout.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command');
  const output = {
    writeOut: (s: string) => void ctx.io.stdout.write(s),
    writeErr: (s: string) => void ctx.io.stderr.write(s),
    // A usage error names the fix: where the flags are described.
    outputError: (s: string, write: (s: string) => void) => write(`deployctl: ${s.replace(/^error: /, '')}`),
  };
  program.configureOutput(output).exitOverride().showSuggestionAfterError();
  program.addHelpText('after', "\nRun 'deployctl <command> --help' for its flags and an example.");
  for (const [name, spec] of Object.entries(COMMANDS)) {
    const command = program
      .command(name)
      .summary(spec.summary)
      .description(spec.description ? `${spec.summary}\n\n${spec.description}` : spec.summary)
      .helpOption('-h, --help', 'show this help')
      .configureOutput(output)
      .exitOverride()
      .showSuggestionAfterError()
      .showHelpAfterError(`(run 'deployctl ${name} --help' for its flags)`)
      .addHelpText(
        'after',
        `\nExample${spec.examples.length > 1 ? 's' : ''}:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}`,
      );
    const keys: [string, string][] = [];
    for (const [flag, o] of Object.entries(spec.options)) {
      const flags = `${o.short ? `-${o.short}, ` : ''}--${flag}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`;
      const option = new Option(flags, o.description);
      if (o.multiple) option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
      command.addOption(option);
      keys.push([flag, option.attributeName()]);
    }
    command.action(async (opts: Record<string, unknown>) => {
      // The adapters read flags by their names on the command line (`values['dry-run']`).
      const values = Object.fromEntries(
        keys.filter(([, attr]) => opts[attr] !== undefined).map(([flag, attr]) => [flag, opts[attr]]),
      );
      await action(name, spec, values);
    });
  }
  return program;
}

function reportError(e: unknown, name: string, json: boolean, ctx: CliContext): number {
  const clean = scrub(ctx);
  if (isDeployctlError(e)) {
    ctx.io.stderr.write(`deployctl ${name}: ${clean(withNextStep(e, name))}\n`);
    if (json) writeJsonError(ctx, { code: e.code, message: clean(e.message), file: e.file, line: e.line, key: e.key });
    return exitCodeFor(e.code);
  }
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  if (json) writeJsonError(ctx, { code: 'INTERNAL', message: clean(e instanceof Error ? e.message : String(e)) });
  ctx.io.stderr.write(
    `deployctl ${name}: internal error (this is a bug in deployctl; please report it):\n${clean(detail)}\n`,
  );
  return EXIT.failed;
}

/** What to do next, per error code, when the message does not already say it. */
const NEXT_STEP: Partial<Record<ErrorCode, (command: string) => string>> = {
  USAGE: (command) => `run 'deployctl ${command} --help' for its flags`,
  CONFIG_INVALID: () => 'fix deployctl.yaml (or the flag) and run the command again; nothing was changed',
  PLAN_BLOCKED: () => "run 'deployctl plan' to see the fix for each problem",
  MIGRATION_FAILED: (command) =>
    command === 'release'
      ? "fix the migration, then run 'deployctl release --resume'"
      : `fix the migration and run 'deployctl ${command}' again`,
  INTERRUPTED: (command) =>
    command === 'release' ? "run 'deployctl release --resume' to continue, or '--abort' to give it up" : '',
  LOCK_HELD: (command) => `wait for it to finish, or pass --lock-wait <ms> to 'deployctl ${command}'`,
  HEALTH_FAILED: () => "the code was rolled back; 'deployctl history' shows the failed checks",
};

function withNextStep(e: DeployctlError, command: string): string {
  const next = NEXT_STEP[e.code]?.(command);
  // A message that already names a command or a flag carries its own next step.
  if (!next || (e.code !== 'USAGE' && /'deployctl |--[a-z]/.test(e.message))) return e.message;
  return e.code === 'USAGE' ? `${e.message}\n(${next})` : `${e.message}\nnext: ${next}`;
}

/** With --json, a failure is also one JSON object on stdout, so a machine reading stdout sees it. */
function writeJsonError(
  ctx: CliContext,
  e: { code: string; message: string; file?: string; line?: number; key?: string },
): void {
  const error = {
    type: 'error',
    code: e.code,
    message: e.message,
    file: e.file ?? null,
    line: e.line ?? null,
    key: e.key ?? null,
  };
  ctx.io.stdout.write(`${JSON.stringify(error)}\n`);
}
