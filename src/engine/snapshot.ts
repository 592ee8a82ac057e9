/**
 * The read step shared by every command: migration files, what the ledger says is applied,
 * catalog facts. It runs once per operation (a release reads its sources once, in its first
 * stage of this run, and every stage works from that snapshot by migration id); everything after
 * it is pure planning.
 */
import { readCatalog } from '../adapters/postgres/catalog.js';
import { readWriteEstimates } from '../adapters/postgres/estimates.js';
import { serverVersionOfMajor, type CatalogFacts } from '../core/schema/facts.js';
import type { Config } from '../config/config.js';
import type { Db, MigrationApplier } from '../ports.js';
import { LedgerStore } from '../adapters/ledger/store.js';
import type { AppliedMigration, Plan } from '../core/plan/build.js';
import { loadParser } from '../core/sql/parse.js';
import { buildPlanWithDjango, type PlanSource } from '../core/plan/django.js';
import { readDjangoSource } from '../adapters/sources/django/read.js';
import { readSqlFolder } from '../adapters/sources/sql-folder.js';

/** A source as read: its migration files and, for a framework's source, the applier. */
export interface SourceRead extends PlanSource {
  applier?: MigrationApplier;
}

export async function readSources(config: Config): Promise<SourceRead[]> {
  await loadParser();
  const out: SourceRead[] = [];
  for (const s of config.sources) {
    if (s.type === 'django') out.push(await readDjangoSource(s, config));
    else out.push({ app: s.app, files: await readSqlFolder({ app: s.app, dir: s.dir }) });
  }
  return out;
}

export interface Snapshot {
  plan: Plan;
  applied: AppliedMigration[];
  catalog?: CatalogFacts;
  sources: SourceRead[];
  /** Per app label, the applier of a framework's source (Django). */
  appliers: ReadonlyMap<string, MigrationApplier>;
}

/** Reads everything a plan needs; with no connection the plan is static and every file pending. */
export async function readSnapshot(config: Config, db?: Db): Promise<Snapshot> {
  const sources = await readSources(config);
  const applied = db ? await new LedgerStore(db, config.schema).applied() : [];
  const catalog = db ? await readCatalog(db) : undefined;
  const input = {
    sources,
    applied,
    catalog,
    assumedServerVersion: config.pgVersion === undefined ? undefined : serverVersionOfMajor(config.pgVersion),
    allowOutOfOrder: config.allowOutOfOrder,
  };
  let plan = buildPlanWithDjango(input);
  // With a database, the planner's estimate tells a bounded UPDATE / DELETE from a full one.
  const estimates = db ? await readWriteEstimates(db, plan.migrations) : undefined;
  if (estimates && estimates.size > 0) plan = buildPlanWithDjango({ ...input, estimates });
  const appliers = new Map(sources.flatMap((s) => (s.applier ? [[s.app, s.applier] as const] : [])));
  return { plan, applied, catalog, sources, appliers };
}
