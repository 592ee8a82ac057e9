/**
 * deployctl.yaml: one file, validated on load. `${VAR}` expands from the environment, except the
 * placeholders a driver fills per release (`${ARTIFACT}`, `${PORT}`…), which are left as written.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DeployctlError } from '../errors.js';
import type { RolloutConfig } from './rollout.js';
import { BAKE_DEFAULTS, VERIFY_DEFAULTS, type HealthCheckConfig } from './health.js';
import { parseConfigFile, SOURCE_TYPES, type ConfigFile } from './schema.js';
import { resolveThrottle, type ThrottleConfig } from './throttle.js';
import type { MigrationDecision } from '../core/plan/decisions.js';
import type { DjangoCheckId, DjangoCheckLevel } from '../core/django/hygiene.js';

const DRIVER_PLACEHOLDERS = new Set(['ARTIFACT', 'PORT', 'PREVIOUS_ARTIFACT', 'RELEASE_ID']);

export type SourceType = (typeof SOURCE_TYPES)[number];

export interface SourceConfig {
  app: string;
  type: SourceType;
  /** Folder of the migrations (types other than django), resolved against the config file's folder. */
  dir: string;
  manage?: string;
  python?: string;
  settings?: string;
  /** drizzle: schema and table of drizzle's own ledger (default drizzle.__drizzle_migrations). */
  migrationsSchema?: string;
  migrationsTable?: string;
  /**
   * Per migration id (`0003_drop_x`, Django's `sites.0002_alter_domain_unique`): what its file
   * would say in `deployctl:` directives, for files the team does not own.
   */
  decisions?: Record<string, MigrationDecision>;
  /** django: the level of each schema-hygiene finding of `check` (the rest keep their defaults). */
  djangoChecks?: Partial<Record<DjangoCheckId, DjangoCheckLevel>>;
  /** django: the SCHEMA_HASH module `check` keeps current (absolute; written by `fingerprint --django --write-python`). */
  schemaHashModule?: string;
}

/** Where each tool keeps its migrations by default, when a source names no `dir`. */
const DEFAULT_DIRS: Partial<Record<SourceType, string>> = {
  prisma: 'prisma/migrations',
  drizzle: 'drizzle',
  'golang-migrate': 'migrations',
  dbmate: 'db/migrations',
  'node-pg-migrate': 'migrations',
};

export interface Config {
  /** Folder paths are resolved against this (the config file's folder, or the working directory). */
  baseDir: string;
  databaseUrl?: string;
  schema: string;
  sources: SourceConfig[];
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  retry: { attempts: number; minDelayMs: number; maxDelayMs: number };
  allowOutOfOrder: boolean;
  /** PostgreSQL major version a plan without a database classifies for (a reachable database's own version wins). */
  pgVersion?: number;
  rollout?: RolloutConfig;
  health: {
    checks: HealthCheckConfig[];
    consecutive: number;
    deadlineMs: number;
    intervalMs: number;
    bakeMs: number;
    maxFailureRatio: number;
  };
  post: 'after-verify' | 'next-release';
  /** How much the app may feel the migrations (config/throttle.ts); undefined: no throttle. */
  throttle?: ThrottleConfig;
  /**
   * `${VAR}`s left unexpanded because the variable is not set, in the sections a command may not
   * need (database, rollout, health): an error only for a command that uses them (requireResolved).
   */
  unresolved: Unresolved[];
}

export interface Unresolved {
  /** The config key holding the value, e.g. `rollout.deploy`. */
  key: string;
  variable: string;
  message: string;
}

/** Sections whose unset variables wait until a command needs them; anywhere else they fail the load. */
export type LazySection = 'database' | 'rollout' | 'health' | 'throttle';
const LAZY_SECTIONS: LazySection[] = ['database', 'rollout', 'health', 'throttle'];

/** Throws the first unset variable in `sections`: called by commands that use those settings. */
export function requireResolved(config: Config, sections: LazySection[]): void {
  const first = config.unresolved.find((u) => sections.some((s) => u.key === s || u.key.startsWith(`${s}.`)));
  if (first) throw new DeployctlError('CONFIG_INVALID', first.message, { key: first.key });
}

export const DEFAULT_CONFIG_FILE = 'deployctl.yaml';

/** Flags that override the file (DESIGN.md: every value can be overridden by a flag). */
export interface ConfigOverrides {
  databaseUrl?: string;
  dirs?: string[];
  schema?: string;
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
  pgVersion?: number;
}

/**
 * Reads `file` (or deployctl.yaml when present), applies flag overrides and defaults. With no
 * file, sources default to ./migrations and the database to DATABASE_URL.
 */
export async function loadConfig(
  opts: { file?: string; cwd?: string; env?: NodeJS.ProcessEnv; overrides?: ConfigOverrides } = {},
): Promise<Config> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const explicit = opts.file !== undefined;
  const file = path.resolve(cwd, opts.file ?? DEFAULT_CONFIG_FILE);
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    if (explicit) throw new DeployctlError('CONFIG_INVALID', `config file ${opts.file} not found`, { file: opts.file });
  }
  let raw: unknown = {};
  if (text !== undefined) {
    try {
      raw = parseYaml(text) ?? {};
    } catch (e) {
      const line = (e as { linePos?: { line: number }[] }).linePos?.[0]?.line;
      throw new DeployctlError(
        'CONFIG_INVALID',
        `${path.relative(cwd, file)}${line ? `:${line}` : ''}: not valid YAML: ${(e as Error).message.split('\n')[0]}`,
        { file, line },
      );
    }
  }
  const unresolved: Unresolved[] = [];
  const parsed = parseConfigFile(expandEnv(raw, '', env, unresolved));
  const eager = unresolved.find((u) => !LAZY_SECTIONS.some((s) => u.key === s || u.key.startsWith(`${s}.`)));
  if (eager) throw new DeployctlError('CONFIG_INVALID', eager.message, { key: eager.key });
  const baseDir = text === undefined ? cwd : path.dirname(file);
  return fromParsed(parsed, baseDir, env, opts.overrides ?? {}, unresolved);
}

function fromParsed(
  parsed: ConfigFile,
  baseDir: string,
  env: NodeJS.ProcessEnv,
  o: ConfigOverrides,
  unresolved: Unresolved[],
): Config {
  const urlEnv = parsed.database?.urlEnv;
  if (urlEnv !== undefined && parsed.database?.url === undefined && !env[urlEnv])
    unresolved.push({
      key: 'database.urlEnv',
      variable: urlEnv,
      message: `config key 'database.urlEnv': environment variable ${urlEnv} is not set (deployctl does not fall back to DATABASE_URL); set it or pass --database-url`,
    });
  const urlUnset = unresolved.some((u) => u.key === 'database.url');
  const fileUrl = urlUnset ? undefined : (parsed.database?.url ?? (urlEnv ? env[urlEnv] : undefined));
  // A flag replaces the file's value, unset variables and all.
  const pending = o.databaseUrl === undefined ? unresolved : unresolved.filter((u) => !u.key.startsWith('database.'));
  const noDatabase = pending.some((u) => u.key.startsWith('database.'));
  const schema = o.schema ?? parsed.schema ?? 'deployctl';
  checkLedgerSchema(schema, o.schema !== undefined ? '--ledger-schema' : 'schema');
  for (const [i, entry] of (parsed.health?.checks ?? []).entries()) checkHealthEntry(entry, i);
  const configured = (parsed.migrations ?? [{ app: 'default', dir: 'migrations' }]).map((s, i) =>
    toSource(s, i, baseDir),
  );
  // A --dir naming a configured source's folder is that source, label and all: the ledger knows
  // its migrations by that label. Any other folder is labelled by its name.
  const sources: SourceConfig[] = o.dirs?.length
    ? o.dirs.map(
        (dir) =>
          configured.find((s) => s.type === 'sql' && s.dir === path.resolve(dir)) ?? {
            app: path.basename(path.resolve(dir)),
            type: 'sql',
            dir: path.resolve(dir),
          },
      )
    : configured;
  const apps = new Set<string>();
  for (const [i, s] of sources.entries()) {
    if (apps.has(s.app))
      throw new DeployctlError(
        'CONFIG_INVALID',
        `config key 'migrations[${i}].app': '${s.app}' is used twice; each source needs its own label`,
        { key: `migrations[${i}].app` },
      );
    apps.add(s.app);
  }
  return {
    baseDir,
    databaseUrl: o.databaseUrl ?? fileUrl ?? (noDatabase ? undefined : env.DATABASE_URL || undefined),
    schema,
    sources,
    lockTimeoutMs: o.lockTimeoutMs ?? parsed.lockTimeoutMs ?? 2000,
    statementTimeoutMs: o.statementTimeoutMs ?? parsed.statementTimeoutMs ?? 0,
    retry: { attempts: 10, minDelayMs: 500, maxDelayMs: 30000, ...parsed.retry },
    allowOutOfOrder: parsed.allowOutOfOrder ?? false,
    pgVersion: o.pgVersion ?? parsed.pgVersion,
    rollout: parsed.rollout,
    health: {
      checks: (parsed.health?.checks ?? []) as HealthCheckConfig[],
      consecutive: parsed.health?.consecutive ?? VERIFY_DEFAULTS.consecutive,
      deadlineMs: parsed.health?.deadlineMs ?? VERIFY_DEFAULTS.deadlineMs,
      intervalMs: parsed.health?.intervalMs ?? VERIFY_DEFAULTS.intervalMs,
      bakeMs: parsed.health?.bakeMs ?? BAKE_DEFAULTS.bakeMs,
      maxFailureRatio: parsed.health?.maxFailureRatio ?? BAKE_DEFAULTS.maxFailureRatio,
    },
    post: parsed.post ?? 'after-verify',
    throttle: resolveThrottle(parsed.throttle),
    unresolved: pending,
  };
}

/** The ledger schema is interpolated into SQL (quoted): only a plain identifier is accepted. */
export const LEDGER_SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function checkLedgerSchema(schema: string, key: string): void {
  if (!LEDGER_SCHEMA_PATTERN.test(schema))
    throw new DeployctlError(
      'CONFIG_INVALID',
      `${key.startsWith('--') ? key : `config key '${key}'`}: ${JSON.stringify(schema)} is not a plain identifier (letters, digits and _, not starting with a digit, at most 63 characters)`,
      { key },
    );
}

/** Exactly one of http, sql, command: checked when the file is loaded, before anything runs. */
function checkHealthEntry(entry: HealthCheckConfig, i: number): void {
  const key = `health.checks[${i}]`;
  const kinds = (['http', 'sql', 'command'] as const).filter((k) => entry[k] !== undefined);
  if (kinds.length !== 1)
    throw new DeployctlError(
      'CONFIG_INVALID',
      `config key '${key}': a health check sets exactly one of http, sql, command (found ${kinds.length ? kinds.join(', ') : 'none'})`,
      { key, hint: 'e.g. `- http: { url: http://127.0.0.1:8080/healthz }` or `- sql: select true`' },
    );
}

function toSource(s: NonNullable<ConfigFile['migrations']>[number], i: number, baseDir: string): SourceConfig {
  const type = s.type ?? 'sql';
  if (type === 'sql' && !s.dir)
    throw new DeployctlError(
      'CONFIG_INVALID',
      `config key 'migrations[${i}].dir': a SQL source needs the folder of its migrations`,
      { key: `migrations[${i}].dir` },
    );
  if (type === 'django' && !s.manage)
    throw new DeployctlError(
      'CONFIG_INVALID',
      `config key 'migrations[${i}].manage': a django source needs the path to manage.py`,
      { key: `migrations[${i}].manage` },
    );
  if ((s.migrationsSchema !== undefined || s.migrationsTable !== undefined) && type !== 'drizzle')
    throw new DeployctlError(
      'CONFIG_INVALID',
      `config key 'migrations[${i}].${s.migrationsSchema !== undefined ? 'migrationsSchema' : 'migrationsTable'}': only a drizzle source has a configurable ledger table`,
      { key: `migrations[${i}].${s.migrationsSchema !== undefined ? 'migrationsSchema' : 'migrationsTable'}` },
    );
  for (const key of ['djangoChecks', 'schemaHashModule'] as const)
    if (s[key] !== undefined && type !== 'django')
      throw new DeployctlError('CONFIG_INVALID', `config key 'migrations[${i}].${key}': only a django source has it`, {
        key: `migrations[${i}].${key}`,
      });
  for (const key of ['migrationsSchema', 'migrationsTable'] as const) {
    const value = s[key];
    if (value !== undefined) checkLedgerSchema(value, `migrations[${i}].${key}`);
  }
  for (const [id, d] of Object.entries(s.decisions ?? {})) {
    const key = `migrations[${i}].decisions.${id}`;
    if (d.phase && !d.reason)
      throw new DeployctlError(
        'CONFIG_INVALID',
        `config key '${key}.reason': a forced phase needs a reason, e.g. reason: the old code never reads this table`,
        { key: `${key}.reason` },
      );
    if (d.reason && !d.phase)
      throw new DeployctlError(
        'CONFIG_INVALID',
        `config key '${key}.reason': a reason without a phase; each allow entry carries its own reason`,
        { key: `${key}.reason` },
      );
    if (!d.phase && !d.allow?.length)
      throw new DeployctlError('CONFIG_INVALID', `config key '${key}': decides nothing; give it allow or phase`, {
        key,
      });
  }
  return {
    app: s.app,
    type,
    dir: path.resolve(baseDir, s.dir ?? DEFAULT_DIRS[type] ?? path.dirname(s.manage ?? '.')),
    manage: s.manage ? path.resolve(baseDir, s.manage) : undefined,
    python: s.python,
    settings: s.settings,
    migrationsSchema: s.migrationsSchema,
    migrationsTable: s.migrationsTable,
    ...(s.decisions ? { decisions: s.decisions } : {}),
    ...(s.djangoChecks ? { djangoChecks: s.djangoChecks } : {}),
    ...(s.schemaHashModule ? { schemaHashModule: path.resolve(baseDir, s.schemaHashModule) } : {}),
  };
}

/**
 * Replaces `${VAR}` in every string. An unset variable stays as written and is recorded in
 * `unresolved` with the key, for the caller to decide whether it is needed.
 */
function expandEnv(value: unknown, p: string, env: NodeJS.ProcessEnv, unresolved: Unresolved[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
      if (DRIVER_PLACEHOLDERS.has(name)) return whole;
      const v = env[name];
      if (v === undefined) {
        unresolved.push({
          key: p,
          variable: name,
          message: `config key '${p}': environment variable ${name} is not set`,
        });
        return whole;
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, `${p}[${i}]`, env, unresolved));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expandEnv(v, p ? `${p}.${k}` : k, env, unresolved)]),
    );
  }
  return value;
}
