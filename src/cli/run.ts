/**
 * The one place errors become exit codes. DeployctlErrors print their message (scrubbed of
 * secrets) and map through exit.ts; anything else is a bug and says so.
 */
import { isDeployctlError } from '../errors.js';
import { exitCodeFor, EXIT } from './exit.js';
import { scrub, type CliContext } from './context.js';
import { packageVersion } from './version.js';

type Command = (args: string[], ctx: CliContext) => Promise<number>;

/** Commands load their modules on use, so `deployctl plan` never loads the Pulumi SDK. */
export const COMMANDS: Record<string, { load: () => Promise<Command>; summary: string }> = {
  plan: {
    load: async () => (await import('./commands/plan.js')).planCli,
    summary: 'classify pending migrations and show the staged plan',
  },
  migrate: {
    load: async () => (await import('./commands/migrate.js')).migrateCli,
    summary: 'apply pending migrations of one phase (--phase pre|post)',
  },
  release: {
    load: async () => (await import('./commands/release.js')).releaseCli,
    summary: 'run the staged release: migrate pre, roll out, verify, migrate post',
  },
  rollback: {
    load: async () => (await import('./commands/rollback.js')).rollbackCli,
    summary: 'roll the code back to an earlier release and verify health',
  },
  status: {
    load: async () => (await import('./commands/status.js')).statusCli,
    summary: 'applied and pending migrations, recent releases, anything half-done',
  },
  history: {
    load: async () => (await import('./commands/history.js')).historyCli,
    summary: 'past releases with their stages and migrations',
  },
  trace: {
    load: async () => (await import('./commands/trace.js')).traceCli,
    summary: 'run pending migrations on a scratch database and check the locks PostgreSQL took against the plan',
  },
  manifest: {
    load: async () => (await import('./commands/manifest.js')).manifestCli,
    summary: 'write latest_migrations.manifest (--check: fail when it is out of date)',
  },
  check: {
    load: async () => (await import('./commands/check.js')).checkCli,
    summary: 'the CI gate: manifest, conflicting ids, order, checksums, plan (--format github)',
  },
  squash: {
    load: async () => (await import('./commands/squash.js')).squashCli,
    summary: "replace an app's migrations through an id with one verified baseline",
  },
  fingerprint: {
    load: async () => (await import('./commands/fingerprint.js')).fingerprintCli,
    summary: 'schema hash and per-table hashes, for cache keys and drift checks',
  },
  rules: {
    load: async () => (await import('./commands/rules.js')).rulesCli,
    summary: 'list the classifier rules (--markdown for docs/rules.md)',
  },
  demo: {
    load: async () => (await import('./commands/demo.js')).demoCli,
    summary: 'release the example shop v1 → v2 under load; report failed requests, latency, lock waits (--compare)',
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: deployctl <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'deployctl <command> --help' for its options.`;
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--version' || name === '-V') {
    ctx.io.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
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
    return await (
      await command.load()
    )(args, ctx);
  } catch (e) {
    const clean = scrub(ctx);
    const json = args.includes('--json');
    if (isDeployctlError(e)) {
      ctx.io.stderr.write(`deployctl ${name}: ${clean(e.message)}\n`);
      if (json)
        writeJsonError(ctx, { code: e.code, message: clean(e.message), file: e.file, line: e.line, key: e.key });
      return exitCodeFor(e.code);
    }
    const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
    if (json) writeJsonError(ctx, { code: 'INTERNAL', message: clean(e instanceof Error ? e.message : String(e)) });
    ctx.io.stderr.write(
      `deployctl ${name}: internal error (this is a bug in deployctl; please report it):\n${clean(detail)}\n`,
    );
    return EXIT.failed;
  }
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
