/**
 * `deployctl squash --app <app> --through <id>`: replaces an app's migrations up to and including
 * `<id>` with one baseline that builds the same schema.
 *
 * 1. replay the migrations into a scratch database and read its catalog back as SQL;
 * 2. replay that SQL into a second scratch database and require the same fingerprint — a
 *    baseline that would build a different schema is never written;
 * 3. write `<id>_baseline.sql`, move the squashed files to `<dir>/squashed/` (or delete them);
 * 4. on the given database, when it has them all applied, record the baseline as applied
 *    (ledger phase `baseline`). Other databases that have `<id>` applied count the baseline as
 *    applied by its name (see baseline.ts), so it runs only on new databases.
 * Scratch databases are created on the given database's server and always dropped.
 */
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { withConnection } from '../adapters/postgres/connect.js';
import { DeployctlError } from '../errors.js';
import { diffShapes, renderDifferences } from '../core/schema/diff.js';
import { fingerprintOf } from '../core/schema/hash.js';
import { readSchemaShape } from '../adapters/postgres/shape.js';
import type { SchemaShape } from '../core/schema/shape.js';
import { LedgerStore } from '../adapters/ledger/store.js';
import { loadParser } from '../core/sql/parse.js';
import { migrationFromText, type MigrationFile } from '../core/migration.js';
import { readSqlFolder } from '../adapters/sources/sql-folder.js';
import { baselineId, baselineStatus } from '../core/plan/baseline.js';
import { dumpSchema, unsupportedObjects } from '../adapters/postgres/dump.js';
import { withScratchDatabase } from '../adapters/postgres/scratch.js';
import { replay } from './migrate/replay.js';
import type { Db } from '../ports.js';

export interface SquashOptions {
  app: string;
  /** The last migration to squash: its full id (`0005_add_email`) or its prefix (`0005`). */
  through: string;
  /** Delete the squashed files instead of moving them to `<dir>/squashed/`. */
  deleteSquashed?: boolean;
}

export interface SquashResult {
  app: string;
  baseline: { id: string; file: string; statements: number };
  squashed: string[];
  /** Where the squashed files went; undefined when they were deleted. */
  movedTo?: string;
  /** Whether the given database's ledger now records the baseline as applied, and why not when it does not. */
  recorded: boolean;
  notRecordedBecause?: string;
  /** Schema hash of what the baseline builds (equal to what the squashed migrations build). */
  fingerprint: string;
}

export const SQUASHED_DIR = 'squashed';

export async function squashCommand(
  config: Config,
  options: SquashOptions,
  cwd = process.cwd(),
): Promise<SquashResult> {
  const source = config.sources.find((s) => s.app === options.app);
  if (!source || source.type !== 'sql') {
    const apps = config.sources.filter((s) => s.type === 'sql').map((s) => s.app);
    throw new DeployctlError(
      'USAGE',
      `no SQL migration source '${options.app}'; configured: ${apps.join(', ') || 'none'}`,
    );
  }
  if (!config.databaseUrl)
    throw new DeployctlError(
      'USAGE',
      'squash needs a database server to replay migrations on: pass --database-url or set DATABASE_URL (a scratch database is created there and dropped)',
    );
  await loadParser();
  const files = await readSqlFolder({ app: source.app, dir: source.dir }, cwd);
  const through = resolveThrough(files, options.through);
  const squashed = files.filter((f) => f.id <= through.id);
  const id = baselineId(through.id);
  if (files.some((f) => f.id === id))
    throw new DeployctlError('USAGE', `${id}.sql already exists: these migrations were squashed already`);
  const url = config.databaseUrl;

  const state = await withConnection(url, async (db) =>
    appliedState(new LedgerStore(db, config.schema), source.app, squashed),
  );
  if (state === 'partial') {
    throw new DeployctlError(
      'USAGE',
      `the database has only some of ${source.app}'s migrations through ${through.id} applied; apply them all there first (deployctl migrate), so that the baseline can be recorded as applied`,
    );
  }

  const exclude = [config.schema];
  const original = await withScratchDatabase(url, 'squash', async (db) => {
    await replay(db, squashed);
    await refuseUnsupported(db, exclude);
    return {
      sql: await dumpSchema(db, { excludeSchemas: exclude }),
      shape: await readSchemaShape(db, { excludeSchemas: exclude }),
    };
  });
  const file = path.join(source.dir, `${id}.sql`);
  const text = baselineText(source.app, squashed, original.sql);
  const shown = path.relative(cwd, file).startsWith('..') ? file : path.relative(cwd, file);
  const baseline = migrationFromText(source.app, id, through.prefix, shown, text);
  const rebuilt = await withScratchDatabase(url, 'squash', async (db) => {
    await replay(db, [baseline]);
    return readSchemaShape(db, { excludeSchemas: exclude });
  });
  assertSameSchema(original.shape, rebuilt);

  await writeFile(file, text);
  const movedTo = options.deleteSquashed ? undefined : path.join(source.dir, SQUASHED_DIR);
  if (movedTo) await mkdir(movedTo, { recursive: true });
  for (const f of squashed) {
    // The file's own name: its extension may be written in any case (`.SQL`).
    const from = path.join(source.dir, path.basename(f.file));
    if (movedTo) await rename(from, path.join(movedTo, path.basename(f.file)));
    else await unlink(from);
  }

  let recorded = false;
  let notRecordedBecause: string | undefined;
  if (state === 'applied') {
    await withConnection(url, async (db) => {
      const ledger = new LedgerStore(db, config.schema);
      await ledger.upgrade();
      await ledger.recordApplied(db, {
        app: source.app,
        id,
        checksum: baseline.checksum,
        phase: 'baseline',
        durationMs: 0,
        releaseId: null,
        attempts: 1,
      });
    });
    recorded = true;
  } else {
    notRecordedBecause =
      'the database has none of these migrations applied; the baseline will run there like any pending migration';
  }
  return {
    app: source.app,
    baseline: { id, file: shown, statements: original.sql.length },
    squashed: squashed.map((f) => f.id),
    movedTo,
    recorded,
    notRecordedBecause,
    fingerprint: fingerprintOf(rebuilt).schema,
  };
}

function resolveThrough(files: MigrationFile[], through: string): MigrationFile {
  const exact = files.find((f) => f.id === through);
  if (exact) return exact;
  const byPrefix = files.filter((f) => f.prefix === through);
  if (byPrefix.length === 1) return byPrefix[0]!;
  if (byPrefix.length > 1)
    throw new DeployctlError(
      'USAGE',
      `--through ${through} matches ${byPrefix.map((f) => f.id).join(', ')}; give the full id`,
    );
  throw new DeployctlError(
    'USAGE',
    `--through ${through}: no such migration; ids: ${files.map((f) => f.id).join(', ') || 'none'}`,
  );
}

/** 'applied': the ledger has every squashed migration (a baseline counts when it is covered). */
async function appliedState(
  ledger: LedgerStore,
  app: string,
  squashed: MigrationFile[],
): Promise<'applied' | 'none' | 'partial'> {
  const ids = (await ledger.applied()).filter((a) => a.app === app).map((a) => a.id);
  const done = squashed.filter((f) => ids.includes(f.id) || baselineStatus(f.id, ids) === 'covered').length;
  return done === squashed.length ? 'applied' : done === 0 ? 'none' : 'partial';
}

/**
 * Objects the dump leaves out, or writes but the shape comparison below cannot check: a baseline
 * could lose them silently, so none is written.
 */
async function refuseUnsupported(db: Db, excludeSchemas: string[]): Promise<void> {
  const unsupported = await unsupportedObjects(db, { excludeSchemas });
  if (unsupported.length === 0) return;
  const what = unsupported.map((o) => `  - ${o.what}`).join('\n');
  throw new DeployctlError(
    'USAGE',
    `squash cannot yet rebuild these objects, and will not write a baseline that silently loses them:\n${what}\nSquash through an earlier migration (one before they were created).`,
  );
}

function assertSameSchema(original: SchemaShape, rebuilt: SchemaShape): void {
  const diffs = diffShapes(original, rebuilt);
  if (fingerprintOf(original).schema === fingerprintOf(rebuilt).schema && diffs.length === 0) return;
  throw new DeployctlError(
    'INTERNAL',
    `the baseline does not rebuild the same schema as the migrations it replaces, so nothing was written:\n${renderDifferences(diffs)}\nPlease report this with the migrations involved.`,
  );
}

function baselineText(app: string, squashed: MigrationFile[], statements: string[]): string {
  const first = squashed[0]!.id;
  const last = squashed[squashed.length - 1]!.id;
  const header = [
    `-- Baseline of app '${app}': the schema built by ${first} … ${last} (${squashed.length} migration${squashed.length === 1 ? '' : 's'}),`,
    '-- read back from PostgreSQL by `deployctl squash`. On a database whose ledger has',
    `-- ${last} applied, deployctl counts this file as applied and never runs it; it runs only`,
    '-- on new databases. Do not edit it: put changes in a new migration.',
  ];
  return `${header.join('\n')}\n\n${statements.map((s) => `${s};\n`).join('\n')}`;
}
