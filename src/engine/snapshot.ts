/**
 * The read step shared by plan, migrate, status and release: migration files, what the ledger
 * says is applied, catalog facts. Everything after this is pure planning.
 */
import { readCatalog } from '../adapters/postgres/catalog.js';
import type { CatalogFacts } from '../core/schema/facts.js';
import type { Config } from '../config/config.js';
import type { Db } from '../adapters/postgres/connect.js';
import { LedgerStore } from '../adapters/ledger/store.js';
import type { AppliedMigration, Plan } from '../core/plan/build.js';
import { loadParser } from '../core/sql/parse.js';
import { buildPlanWithDjango, type PlanSource } from '../core/plan/django.js';
import { readDjangoSource } from '../adapters/sources/django/read.js';
import { readSource } from '../core/migration.js';

export async function readSources(config: Config): Promise<PlanSource[]> {
  await loadParser();
  const out: PlanSource[] = [];
  for (const s of config.sources) {
    if (s.type === 'django') out.push(await readDjangoSource(s, config));
    else out.push({ app: s.app, files: await readSource({ app: s.app, dir: s.dir }) });
  }
  return out;
}

export interface Snapshot {
  plan: Plan;
  applied: AppliedMigration[];
  catalog?: CatalogFacts;
}

/** Reads everything a plan needs; with no connection the plan is static and every file pending. */
export async function readSnapshot(config: Config, db?: Db): Promise<Snapshot> {
  const sources = await readSources(config);
  const applied = db ? await new LedgerStore(db, config.schema).applied() : [];
  const catalog = db ? await readCatalog(db) : undefined;
  const plan = buildPlanWithDjango({ sources, applied, catalog, allowOutOfOrder: config.allowOutOfOrder });
  return { plan, applied, catalog };
}
