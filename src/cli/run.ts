/**
 * The one place errors become exit codes. DeployctlErrors print their message (scrubbed of
 * secrets) and map through exit.ts; anything else is a bug and says so.
 */
import { isDeployctlError } from '../errors.js';
import { exitCodeFor, EXIT } from './exit.js';
import { scrub, type CliContext } from './context.js';
import { migrateCli } from './commands/migrate.js';
import { planCli } from './commands/plan.js';
import { statusCli } from './commands/status.js';
import { releaseCli } from './commands/release.js';
import { rollbackCli } from './commands/rollback.js';
import { historyCli } from './commands/history.js';
import { rulesCli } from './commands/rules.js';

type Command = (args: string[], ctx: CliContext) => Promise<number>;

export const COMMANDS: Record<string, { run: Command; summary: string }> = {
  plan: { run: planCli, summary: 'classify pending migrations and show the staged plan' },
  migrate: { run: migrateCli, summary: 'apply pending migrations of one phase (--phase pre|post)' },
  release: { run: releaseCli, summary: 'run the staged release: migrate pre, roll out, verify, migrate post' },
  rollback: { run: rollbackCli, summary: 'roll the code back to an earlier release and verify health' },
  status: { run: statusCli, summary: 'applied and pending migrations, recent releases, anything half-done' },
  history: { run: historyCli, summary: 'past releases with their stages and migrations' },
  rules: { run: rulesCli, summary: 'list the classifier rules (--markdown for docs/rules.md)' },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: deployctl <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'deployctl <command> --help' for its options.`;
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    ctx.io.stdout.write(`${usage()}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    ctx.io.stderr.write(`deployctl: unknown command '${name}'\n\n${usage()}\n`);
    return EXIT.usage;
  }
  try {
    return await command.run(args, ctx);
  } catch (e) {
    const clean = scrub(ctx);
    if (isDeployctlError(e)) {
      ctx.io.stderr.write(`deployctl ${name}: ${clean(e.message)}\n`);
      return exitCodeFor(e.code);
    }
    const detail = e instanceof Error ? e.stack ?? e.message : String(e);
    ctx.io.stderr.write(`deployctl ${name}: internal error (this is a bug in deployctl; please report it):\n${clean(detail)}\n`);
    return EXIT.failed;
  }
}
