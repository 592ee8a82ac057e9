/**
 * The shape of deployctl.yaml, declared once with zod: loading validates against it and
 * `deployctl.schema.json` (for editors) is generated from it (`npm run schema`).
 *
 * Each top-level section is its own export; a new section is one `z.strictObject` here plus one
 * line in `configFileSchema`. Every leaf says what it expects in words (`a whole number ≥ 1`),
 * and `parseConfigFile` turns the first zod issue into an error naming the full key path
 * (`retry.attempts`) with that expectation and the value found, or, for an unknown key, the keys
 * allowed at that level.
 */
import { z } from 'zod';
import { DeployctlError } from '../errors.js';
import { DJANGO_CHECK_IDS } from '../core/django/hygiene.js';

// Leaves: the message of each is the expectation the error quotes.

export const str = () => {
  const error = 'a non-empty string';
  return z.string({ error }).min(1, { error });
};

export const int = (min = 0) => {
  const error = `a whole number ≥ ${min}`;
  return z.int({ error }).min(min, { error });
};

export const ratio = () => {
  const error = 'a number from 0 to 1';
  return z.number({ error }).min(0, { error }).max(1, { error });
};

export const bool = () => z.boolean({ error: 'true or false' });

export const oneOf = <const T extends readonly [string, ...string[]]>(...values: T) =>
  z.enum(values, { error: `one of ${values.join(' | ')}` });

export const list = <T extends z.ZodType>(item: T) => z.array(item, { error: 'a list' });

/** A mapping whose keys are names the user chooses (migration ids), each value of one shape. */
export const record = <T extends z.ZodType>(value: T) => z.record(z.string(), value, { error: 'a mapping of keys' });

/** A mapping with exactly these keys: an unknown key is an error that lists the known ones. */
export const section = <S extends z.ZodRawShape>(shape: S, description?: string) => {
  const known = Object.keys(shape).join(', ');
  const schema = z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `known keys here: ${known}` : 'a mapping of keys'),
  });
  return description ? schema.describe(description) : schema;
};

// Sections.

const decision = section({
  allow: list(section({ rule: str(), reason: str() })).optional(),
  phase: oneOf('pre', 'post').optional(),
  reason: str().optional(),
});

export const SOURCE_TYPES = [
  'sql',
  'django',
  'prisma',
  'drizzle',
  'golang-migrate',
  'dbmate',
  'node-pg-migrate',
] as const;

/** One entry of `migrations:`: a folder (or Django project) and the app label its ledger rows carry. */
export const sourceSection = section(
  {
    app: str().describe('Label of this source in the ledger (`shop/0003_add_index`).'),
    dir: str().optional().describe("Folder of the migrations, relative to this file; default: the tool's own."),
    type: oneOf(...SOURCE_TYPES)
      .optional()
      .describe('Layout of the folder; default sql.'),
    manage: str().optional().describe('django: path to manage.py.'),
    python: str().optional().describe('django: the Python interpreter; default python3.'),
    settings: str().optional().describe('django: DJANGO_SETTINGS_MODULE.'),
    migrationsSchema: str().optional().describe("drizzle: schema of drizzle's ledger; default drizzle."),
    migrationsTable: str().optional().describe("drizzle: table of drizzle's ledger; default __drizzle_migrations."),
    decisions: record(decision)
      .optional()
      .describe('Per migration id: what `deployctl:` directives in its file would say (allow, phase, reason).'),
    djangoChecks: section(
      Object.fromEntries(DJANGO_CHECK_IDS.map((id) => [id, oneOf('error', 'warn', 'off').optional()])),
    )
      .optional()
      .describe("django: the level of each of check's schema-hygiene findings (error | warn | off)."),
    schemaHashModule: str()
      .optional()
      .describe(
        'django: the SCHEMA_HASH module written by `fingerprint --django --write-python`, kept current by check.',
      ),
  },
  'A migration source.',
);

export const databaseSection = section(
  {
    url: str().optional().describe('Connection URL, e.g. ${DATABASE_URL}.'),
    urlEnv: str().optional().describe('Name of the environment variable holding the URL.'),
  },
  'The database the migrations run against.',
);

export const retrySection = section(
  { attempts: int(1).optional(), minDelayMs: int(0).optional(), maxDelayMs: int(0).optional() },
  'Retries of a migration that hit lock_timeout (capped exponential backoff).',
);

const commandDriver = section({
  driver: z.literal('command'),
  deploy: str().describe('Shell command deploying $ARTIFACT.'),
  rollback: str().optional().describe('Shell command returning to $ARTIFACT; default: deploy.'),
  current: str().optional().describe('Prints the artifact serving now; empty output: nothing deployed.'),
  timeoutMs: int(1).optional(),
});

const localDriver = section({
  driver: z.literal('local'),
  start: str().describe('Starts one version of the app (${ARTIFACT}, ${PORT} in its environment).'),
  port: int(1).describe('The public port the proxy owns.'),
  healthPath: str().optional(),
  startupTimeoutMs: int(1).optional(),
  drainTimeoutMs: int(0).optional(),
  slowStartMs: int(0)
    .optional()
    .describe(
      'A deploy moves traffic to the new version over this long (its share rising from 0 to 1); default 0: at once.',
    ),
  stateDir: str().optional(),
});

const pulumiDriver = section({
  driver: z.literal('pulumi'),
  stack: str().describe('The Pulumi stack to update.'),
  workDir: str().optional(),
  imageRepository: str().optional(),
  imageConfigKey: str().optional(),
  versionConfigKey: str().optional(),
  imageOutput: str().optional(),
  healthUrlOutput: str().optional(),
});

const DRIVERS = [commandDriver, localDriver, pulumiDriver] as const;

/** `rollout:`, one shape per driver, chosen by `driver:`. */
export const rolloutSection = z
  .discriminatedUnion('driver', DRIVERS, {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `one of ${DRIVERS.map((d) => d.shape.driver.value).join(' | ')}`
        : 'a mapping of keys',
  })
  .describe('How the code is rolled out.');

const healthCheck = section({
  http: section({
    url: str(),
    status: int(100).optional(),
    body: str().optional(),
    expectVersion: bool().optional(),
    timeoutMs: int(1).optional(),
    maxLatencyMs: int(1).optional(),
  }).optional(),
  sql: str().optional(),
  command: str().optional(),
});

export const healthSection = section(
  {
    checks: list(healthCheck).optional().describe('Each sets exactly one of http, sql, command.'),
    consecutive: int(1).optional(),
    deadlineMs: int(1).optional(),
    intervalMs: int(1).optional(),
    bakeMs: int(0).optional(),
    maxFailureRatio: ratio().optional(),
  },
  'Health checks after the rollout and during the bake.',
);

/** A PostgreSQL memory size as postgresql.conf writes it: a whole number with kB, MB or GB. */
const memorySize = () => {
  const error = 'a memory size such as 64MB (kB, MB or GB)';
  return z.string({ error }).regex(/^[1-9][0-9]*\s*(kB|MB|GB)$/, { error });
};

const atLeast = (min: number) => {
  const error = `a number ≥ ${min}`;
  return z.number({ error }).min(min, { error });
};

/** `throttle:` — how much the app may feel the migrations (resolved in config/throttle.ts). */
export const throttleSection = section(
  {
    maxAppP99Ratio: atLeast(1).describe("The probe's p99 may reach this multiple of its baseline (e.g. 1.5)."),
    probe: section({
      http: str().optional(),
      sql: str().optional(),
      intervalMs: int(1).optional(),
      timeoutMs: int(1).optional(),
    })
      .optional()
      .describe('One of http, sql; default: the first http health check, else the first sql one.'),
    baselineMs: int(0).optional().describe('How long the probe is sampled before the first migration runs.'),
    windowMs: int(1).optional().describe('The p99 is taken over the probe samples of the last windowMs.'),
    batchTargetMs: int(1).optional().describe('A driven backfill batch is sized to take about this long.'),
    restRatio: atLeast(0).optional().describe('After each batch, rest this multiple of its time.'),
    pauseDeadlineMs: int(1).optional().describe('A pause this long fails the migration (resumable).'),
    maintenance: section({
      maxParallelWorkers: int(0).optional().describe('max_parallel_maintenance_workers for index builds.'),
      workMem: memorySize().optional().describe('maintenance_work_mem for index builds and validations.'),
    }).optional(),
  },
  "Throttle batched work to the app's latency.",
);

/** The whole file. */
export const configFileSchema = section({
  database: databaseSection.optional(),
  schema: str().optional().describe("deployctl's own ledger schema; default deployctl."),
  migrations: list(sourceSection).optional(),
  lockTimeoutMs: int(1).optional(),
  statementTimeoutMs: int(0).optional(),
  retry: retrySection.optional(),
  allowOutOfOrder: bool().optional(),
  pgVersion: int(10).optional().describe('PostgreSQL major version a plan without a database classifies for.'),
  rollout: rolloutSection.optional(),
  health: healthSection.optional(),
  post: oneOf('after-verify', 'next-release').optional(),
  throttle: throttleSection.optional(),
});

export type ConfigFile = z.infer<typeof configFileSchema>;

/** The JSON Schema editors read (`# yaml-language-server: $schema=…`), generated from the zod schema. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configFileSchema, { target: 'draft-7' }),
    title: 'deployctl.yaml',
  };
}

/**
 * Validates a parsed deployctl.yaml (after `${VAR}` expansion). A key given with no value
 * (`retry:` alone) counts as absent. Throws CONFIG_INVALID naming the first bad key.
 */
export function parseConfigFile(raw: unknown): ConfigFile {
  const result = configFileSchema.safeParse(withoutNulls(raw));
  if (result.success) return result.data;
  // An unknown key is the likelier cause (a typo), whatever else follows from it.
  const issue = result.error.issues.find((i) => i.code === 'unrecognized_keys') ?? result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const at = keyPath([...issue.path, issue.keys[0]!]);
    throw new DeployctlError('CONFIG_INVALID', `unknown config key '${at}'; ${issue.message}`, { key: at });
  }
  const at = keyPath(issue.path) || 'the file';
  const value = valueAt(raw, issue.path);
  const got = value === undefined ? 'nothing' : JSON.stringify(value);
  throw new DeployctlError('CONFIG_INVALID', `config key '${at}': expected ${issue.message}, got ${got}`, { key: at });
}

/** `migrations[0].decisions.0003_x`. */
function keyPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)),
    '',
  );
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (v, p) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined),
    value,
  );
}

/** Drops null values of mapping keys (YAML `key:` with nothing after it), at every depth. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  return value;
}
