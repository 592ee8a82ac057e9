/**
 * Django schema hygiene: the model findings of `deployctl check` and the per-model schema hashes
 * of `deployctl fingerprint --django` (printed, or written as a Python module for cache keys).
 *
 * How `check` knows that the module is stale against the migrations about to be released: it
 * builds that schema. A scratch database is created on the same server (same PostgreSQL version,
 * the same extensions available) and `manage.py migrate` runs every migration of the project into
 * it, from nothing; the scratch database's fingerprint is then hashed per model exactly as
 * `fingerprint --django` hashes the real database, and each SCHEMA_HASH entry is compared. The
 * schema every migration builds is the schema the target database has once this release's pending
 * ones ran (where the two differ, that is drift, which the release's preflight reports). Building it
 * from nothing needs no copy of production data and never takes a lock on the target database; the
 * price is one `migrate` of the whole history per check, and the CREATEDB privilege. The scratch
 * database is always dropped (see adapters/postgres/scratch.ts).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config, SourceConfig } from '../config/config.js';
import { withConnection } from '../adapters/postgres/connect.js';
import { createScratch } from '../adapters/postgres/scratch.js';
import {
  djangoProjectOf,
  migrateAll,
  readDjangoModels,
  type DjangoModel,
  type DjangoProjectRef,
} from '../adapters/sources/django/models.js';
import { DeployctlError } from '../errors.js';
import {
  DJANGO_CHECK_DEFAULTS,
  hygieneFindings,
  type DjangoCheckId,
  type DjangoCheckLevel,
  type DjangoFinding,
} from '../core/django/hygiene.js';
import {
  modelHashes,
  renderSchemaHashModule,
  staleModuleFindings,
  type ModelHashes,
} from '../core/django/schema-hash.js';
import { readFingerprint } from './fingerprint.js';
import type { CheckProblem } from './check.js';

export interface DjangoCheckOptions {
  /** Also report the models of django.contrib and installed packages. */
  includeThirdParty?: boolean;
  cwd?: string;
}

/** The levels in force for a source: deployctl.yaml's `djangoChecks` over the defaults. */
export function djangoCheckLevels(source: SourceConfig): Record<DjangoCheckId, DjangoCheckLevel> {
  return { ...DJANGO_CHECK_DEFAULTS, ...source.djangoChecks };
}

/** The schema-hygiene problems of one django source, each at the level deployctl.yaml gives its check. */
export async function djangoCheckProblems(
  config: Config,
  source: SourceConfig,
  options: DjangoCheckOptions = {},
): Promise<CheckProblem[]> {
  const cwd = options.cwd ?? process.cwd();
  const levels = djangoCheckLevels(source);
  const databaseUrl = requireDatabase(config, source);
  const project = djangoProjectOf(source, config);
  const module = levels['stale-schema-hash'] !== 'off' ? source.schemaHashModule : undefined;
  const doc = await readDjangoModels(project, databaseUrl, { module });
  const findings = hygieneFindings(doc.models, { includeThirdParty: options.includeThirdParty });
  if (module && doc.module) {
    // A module that is missing or unreadable is reported as such; no schema needs building for that.
    const readable = doc.module.exists && !doc.module.error;
    const expected = readable
      ? await hashesAfterMigrations(config, project, databaseUrl, doc.models)
      : { hashes: {}, missing: {} };
    const shownModule = shown(module, cwd);
    findings.push(
      ...staleModuleFindings(
        { ...doc.module, shown: shownModule },
        expected,
        doc.models.filter((m) => m.own).map((m) => m.label),
        `Apply the migrations to a development database (python manage.py migrate), then rewrite the module from it: ` +
          `deployctl fingerprint --django --write-python ${shownModule}; commit the result.`,
      ),
    );
  }
  return findings
    .filter((f) => levels[f.check] !== 'off')
    .map((f) => toProblem(f, source.app, levels[f.check] === 'error' ? 'error' : 'warning', cwd));
}

function toProblem(f: DjangoFinding, app: string, severity: 'error' | 'warning', cwd: string): CheckProblem {
  return {
    kind: f.check,
    severity,
    app,
    ...(f.file ? { file: shown(f.file, cwd) } : {}),
    ...(f.line ? { line: f.line } : {}),
    message: f.message,
    fix: f.fix,
  };
}

/** The hash of each model after every migration ran, on a scratch database (see the file's comment). */
async function hashesAfterMigrations(
  config: Config,
  project: DjangoProjectRef,
  databaseUrl: string,
  models: DjangoModel[],
): Promise<ModelHashes> {
  return withConnection(databaseUrl, async (admin) => {
    const scratch = await createScratch(admin, databaseUrl, 'schema-hash');
    try {
      await migrateAll(project, scratch.url);
      const fp = await withConnection(scratch.url, (db) => readFingerprint(db, config.schema));
      return modelHashes(models, fp.tables);
    } finally {
      await scratch.drop();
    }
  });
}

export interface DjangoFingerprintOptions {
  /** The django source's label, when the configuration has several. */
  app?: string;
  includeThirdParty?: boolean;
  /** Write SCHEMA_HASH to this module (a path relative to `cwd`). */
  writePython?: string;
  cwd?: string;
}

export interface DjangoFingerprint {
  app: string;
  /** `app.Model` → hash and the tables it was computed from, sorted by label. */
  models: Record<string, { hash: string; tables: string[] }>;
  /** Models left out because a table of theirs does not exist in the database. */
  missing: Record<string, string[]>;
  /** Migrations the database has not applied: the hashes describe the schema before them. */
  pending: string[];
  /** The module written, as shown to the user. */
  written?: string;
}

/** `deployctl fingerprint --django`: each model's hash, from the tables it really has in the database. */
export async function djangoFingerprintCommand(
  config: Config,
  options: DjangoFingerprintOptions = {},
): Promise<DjangoFingerprint> {
  const cwd = options.cwd ?? process.cwd();
  const source = djangoSource(config, options.app);
  const databaseUrl = requireDatabase(config, source);
  const doc = await readDjangoModels(djangoProjectOf(source, config), databaseUrl, { pending: true });
  const models = doc.models.filter((m) => m.own || options.includeThirdParty);
  const fp = await withConnection(databaseUrl, (db) => readFingerprint(db, config.schema));
  const { hashes, missing } = modelHashes(models, fp.tables);
  const out: DjangoFingerprint = {
    app: source.app,
    models: Object.fromEntries(
      models
        .filter((m) => hashes[m.label] !== undefined)
        .map((m) => [m.label, { hash: hashes[m.label]!, tables: m.tables }]),
    ),
    missing,
    pending: doc.pending ?? [],
  };
  if (options.writePython) {
    const file = path.resolve(cwd, options.writePython);
    await writeFile(file, renderSchemaHashModule(hashes)).catch((e: Error) => {
      throw new DeployctlError('USAGE', `--write-python: cannot write ${shown(file, cwd)}: ${e.message}`, {
        file: shown(file, cwd),
      });
    });
    out.written = shown(file, cwd);
  }
  return out;
}

function djangoSource(config: Config, app?: string): SourceConfig {
  const sources = config.sources.filter((s) => s.type === 'django');
  if (app !== undefined) {
    const s = sources.find((x) => x.app === app);
    if (!s)
      throw new DeployctlError(
        'USAGE',
        `--app ${app}: no django source has that label; django sources: ${sources.map((x) => x.app).join(', ') || 'none'}`,
      );
    return s;
  }
  if (sources.length === 1) return sources[0]!;
  if (!sources.length)
    throw new DeployctlError(
      'USAGE',
      '--django needs a django source in deployctl.yaml (migrations: - type: django, manage: manage.py)',
    );
  throw new DeployctlError(
    'USAGE',
    `several django sources (${sources.map((s) => s.app).join(', ')}); name one with --app, e.g. --app ${sources[0]!.app}`,
  );
}

function requireDatabase(config: Config, source: SourceConfig): string {
  if (config.databaseUrl) return config.databaseUrl;
  throw new DeployctlError(
    'CONFIG_INVALID',
    `migration source '${source.app}' (type django) needs the database to read its models and schema. Set database.url in deployctl.yaml, --database-url or DATABASE_URL.`,
    { key: 'database.url' },
  );
}

function shown(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') ? file : relative;
}
