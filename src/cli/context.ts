/** What every command adapter gets: streams, environment, and the helpers built from them. */
import { systemClock } from '../clock.js';
import { type Clock } from '../ports.js';
import { loadConfig, requireResolved, type Config, type LazySection } from '../config/config.js';
import { checkDatabaseUrl, redactSecrets } from '../adapters/postgres/url.js';
import { createReporter, outputMode, type Reporter } from './reporter.js';
import { styleFor, type Style } from './style.js';

export interface CliIO {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface CliContext {
  io: CliIO;
  clock: Clock;
  /** Aborted on SIGINT/SIGTERM: long commands stop at the next safe point. */
  signal: AbortSignal;
  /** URLs whose passwords must never be printed; the config loader adds its database URL. */
  secrets: (string | undefined)[];
  /** Settings the running command uses: an unset `${VAR}` in them is an error (see spec.ts). */
  needs?: LazySection[];
}

export const scrub =
  (ctx: CliContext) =>
  (s: string): string =>
    redactSecrets(s, ctx.secrets);

export async function configFrom(
  ctx: CliContext,
  values: { config?: string; dir?: string[]; 'database-url'?: string; 'ledger-schema'?: string },
  extra: { pgVersion?: number } = {},
): Promise<Config> {
  ctx.secrets.push(values['database-url'], ctx.io.env.DATABASE_URL);
  const config = await loadConfig({
    file: values.config,
    cwd: ctx.io.cwd,
    env: ctx.io.env,
    overrides: {
      databaseUrl: values['database-url'],
      dirs: values.dir?.map((d) => (d.startsWith('/') ? d : `${ctx.io.cwd}/${d}`)),
      schema: values['ledger-schema'],
      ...extra,
    },
  });
  ctx.secrets.push(config.databaseUrl);
  requireResolved(config, ctx.needs ?? []);
  checkDatabaseUrl(config.databaseUrl, values['database-url'] !== undefined ? '--database-url' : 'database.url');
  return config;
}

export function reporterFor(
  ctx: CliContext,
  json: boolean,
): { reporter: Reporter & { summary(text: string): void }; style: Style } {
  const style = styleFor(ctx.io.stderr, ctx.io.env);
  const mode = outputMode(json, ctx.io.stderr, ctx.io.env);
  const write = (s: string): void => {
    (mode === 'json' ? ctx.io.stdout : ctx.io.stderr).write(s);
  };
  const reporter = createReporter(mode, write, scrub(ctx), style, () => ctx.clock.now());
  // The result goes to stdout (progress stays on stderr), so `deployctl release > result.txt` keeps it.
  const summary = (text: string): void => {
    if (mode !== 'json') ctx.io.stdout.write(`${scrub(ctx)(text)}\n`);
  };
  return { reporter: { ...reporter, summary }, style };
}

export function defaultContext(io: CliIO, signal: AbortSignal): CliContext {
  return { io, clock: systemClock, signal, secrets: [] };
}
