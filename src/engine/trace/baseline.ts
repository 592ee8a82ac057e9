/**
 * Gives the scratch database the target's schema, without its data. First choice: replay the
 * ledger's applied migrations, from their files, in the order they were applied — that
 * reproduces everything the migrations made, functions and triggers included. The result is
 * checked against the target's catalog; when the target has objects the ledger does not explain
 * (created by hand, by another tool, or files no longer present), or a file fails to replay, the
 * scratch database is recreated and filled from the target's catalog instead.
 */
import type { Db } from '../../ports.js';
import type { AppliedMigration } from '../../core/plan/build.js';
import { parseSql } from '../../core/sql/parse.js';
import { isTransactionControl } from '../../core/sql/transaction.js';
import type { MigrationFile } from '../../core/migration.js';
import { copySchemaFromCatalog } from '../../adapters/postgres/catalog-copy.js';
import { schemaShape, shapeDifferences } from '../../adapters/postgres/shape-set.js';

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
  const target = await schemaShape(input.target, excluded);
  let scratch = await input.freshScratch();
  let why = await replayLedger(scratch, input.applied, input.sources);
  if (!why) {
    const differences = shapeDifferences(target, await schemaShape(scratch, []));
    if (differences.length === 0) return { source: 'ledger', notes: [] };
    why = ['replaying the applied migrations does not reproduce the target schema:', ...differences.map((d) => `  ${d}`)];
  }
  scratch = await input.freshScratch();
  const copy = await copySchemaFromCatalog(input.target, scratch, excluded);
  const notes = [...why];
  if (copy.failures.length > 0) notes.push(`${copy.failures.length} object(s) of the target could not be recreated:`, ...copy.failures.map((f) => `  ${f}`));
  return { source: 'catalog', notes };
}

/** Undefined when every applied migration replayed; else why not (returned, not thrown: the catalog takes over). */
async function replayLedger(db: Db, applied: AppliedMigration[], sources: BaselineInput['sources']): Promise<string[] | undefined> {
  const files = new Map(sources.flatMap((s) => s.files.map((f) => [`${s.app}/${f.id}`, f] as const)));
  const order = [...applied].sort((a, b) => a.appliedAt.getTime() - b.appliedAt.getTime() || a.app.localeCompare(b.app) || a.id.localeCompare(b.id));
  for (const m of order) {
    const file = files.get(`${m.app}/${m.id}`);
    if (!file) return [`the applied migration ${m.app}/${m.id} has no file in the configured migration folders, so it cannot be replayed`];
    try {
      for (const s of parseSql(file.up, file.file).statements) {
        if (!isTransactionControl(s)) await db.query(s.sql);
      }
    } catch (e) {
      return [`replaying ${file.file} failed: ${(e as Error).message}`];
    }
  }
  return undefined;
}
