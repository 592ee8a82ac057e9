/**
 * Gives the scratch database the target's schema, without its data. First choice: replay the
 * ledger's applied migrations, from their files, in the order they were applied — that
 * reproduces everything the migrations made, functions and triggers included. The result is
 * checked against the target's schema shape; when the target has objects the ledger does not
 * explain (created by hand, by another tool, or files no longer present), or a file fails to
 * replay, the scratch database is recreated and filled from the target's catalog instead.
 */
import type { Db } from '../../ports.js';
import type { AppliedMigration } from '../../core/plan/build.js';
import type { MigrationFile } from '../../core/migration.js';
import type { SchemaShape } from '../../core/schema/shape.js';
import { diffShapes } from '../../core/schema/diff.js';
import { readSchemaShape } from '../../adapters/postgres/shape.js';
import { dumpSchema, unsupportedObjects } from '../../adapters/postgres/dump.js';
import { replay } from '../migrate/replay.js';

export interface Baseline {
  source: 'ledger' | 'catalog';
  /** Why the catalog was used, and what could not be recreated from it. */
  notes: string[];
}

export interface BaselineInput {
  target: Db;
  applied: AppliedMigration[];
  sources: { app: string; files: MigrationFile[] }[];
  /** deployctl's ledger schema: on the target only, never part of the app's schema. */
  ledgerSchema: string;
  /** Opens a connection to a fresh, empty scratch database (recreated on every call). */
  freshScratch(): Promise<Db>;
}

export async function buildBaseline(input: BaselineInput): Promise<Baseline> {
  const excluded = [input.ledgerSchema];
  const target = await readSchemaShape(input.target, { excludeSchemas: excluded });
  let scratch = await input.freshScratch();
  let why = await replayLedger(scratch, input.applied, input.sources);
  if (!why) {
    const differences = shapeDifferences(await readSchemaShape(scratch, { excludeSchemas: [] }), target);
    if (differences.length === 0) return { source: 'ledger', notes: [] };
    why = [
      'replaying the applied migrations does not reproduce the target schema:',
      ...differences.map((d) => `  ${d}`),
    ];
  }
  scratch = await input.freshScratch();
  const failures = await copySchema(input.target, scratch, excluded);
  const left = (await unsupportedObjects(input.target, { excludeSchemas: excluded })).filter((o) => !o.dumped);
  const notes = [...why];
  if (failures.length > 0)
    notes.push(`${failures.length} object(s) of the target could not be recreated:`, ...failures.map((f) => `  ${f}`));
  if (left.length > 0)
    notes.push(
      `${left.length} object(s) of the target are of kinds the copy leaves out:`,
      ...left.map((o) => `  ${o.what}`),
    );
  return { source: 'catalog', notes };
}

/** Undefined when every applied migration replayed; else why not (returned, not thrown: the catalog takes over). */
async function replayLedger(
  db: Db,
  applied: AppliedMigration[],
  sources: BaselineInput['sources'],
): Promise<string[] | undefined> {
  const files = new Map(sources.flatMap((s) => s.files.map((f) => [`${s.app}/${f.id}`, f] as const)));
  const order = [...applied].sort(
    (a, b) => a.appliedAt.getTime() - b.appliedAt.getTime() || a.app.localeCompare(b.app) || a.id.localeCompare(b.id),
  );
  const missing = order.find((m) => !files.has(`${m.app}/${m.id}`));
  if (missing)
    return [
      `the applied migration ${missing.app}/${missing.id} has no file in the configured migration folders, so it cannot be replayed`,
    ];
  try {
    await replay(
      db,
      order.map((m) => files.get(`${m.app}/${m.id}`)!),
    );
  } catch (e) {
    const err = e as Error & { file?: string };
    return [
      `replaying ${err.file ?? 'the applied migrations'} failed: ${err.cause instanceof Error ? err.cause.message : err.message}`,
    ];
  }
  return undefined;
}

/** A few short lines saying how the replayed shape differs from the target's. */
function shapeDifferences(replayed: SchemaShape, target: SchemaShape, limit = 10): string[] {
  const lines = diffShapes(replayed, target).flatMap((d) =>
    d.changes.map((c) => differenceLine(d.object, c, replayed, target)),
  );
  return lines.length <= limit ? lines : [...lines.slice(0, limit), `… and ${lines.length - limit} more`];
}

/** `change` goes from the replayed schema to the target's: `added` is what only the target has. */
function differenceLine(object: string, change: string, replayed: SchemaShape, target: SchemaShape): string {
  // A whole table comes as `added (its columns)`, any other object as `added`.
  if (change === 'added' || change.startsWith('added (')) return `the target has ${describe(object, target)}`;
  if (change === 'removed') return `the migrations create ${describe(object, replayed)}, absent from the target`;
  if (change.startsWith('changed:')) return `${object} differs between the migrations and the target`;
  return `${object}: ${change} (migrations → target)`;
}

/** Relations named with their pg_class kind letter (`relation public.users r`), as trace has always printed them. */
function describe(object: string, shape: SchemaShape): string {
  const space = object.indexOf(' ');
  const [kind, name] = [object.slice(0, space), object.slice(space + 1)];
  if (kind === 'table') return `relation ${name} r`;
  if (kind === 'sequence') return `relation ${name} S`;
  if (kind === 'view') return `relation ${name} ${shape.views[name]?.startsWith('materialized') ? 'm' : 'v'}`;
  return object;
}

/** How many passes to retry statements that failed on a dependency created later in the order. */
const MAX_PASSES = 3;

/**
 * Runs the target's dumped schema on the scratch database, in one transaction with a savepoint
 * per statement, so that one object that cannot be recreated does not stop the others.
 * Returns the statements that still failed, with PostgreSQL's reason.
 */
async function copySchema(target: Db, scratch: Db, excluded: string[]): Promise<string[]> {
  let pending = await dumpSchema(target, { excludeSchemas: excluded });
  let failures: string[] = [];
  await scratch.query('BEGIN');
  for (let pass = 0; pass < MAX_PASSES && pending.length > 0; pass++) {
    const retry: string[] = [];
    failures = [];
    for (const sql of pending) {
      await scratch.query('SAVEPOINT copy');
      try {
        await scratch.query(sql);
      } catch (e) {
        await scratch.query('ROLLBACK TO SAVEPOINT copy');
        retry.push(sql);
        failures.push(`${sql.split('\n')[0]!.slice(0, 100)}: ${(e as Error).message}`);
      }
      await scratch.query('RELEASE SAVEPOINT copy');
    }
    if (retry.length === pending.length) break;
    pending = retry;
  }
  await scratch.query('COMMIT');
  return failures;
}
