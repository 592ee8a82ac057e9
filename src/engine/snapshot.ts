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
import type { Db, ExternalLedger, MigrationApplier } from '../ports.js';
import { LedgerStore } from '../adapters/ledger/store.js';
import type { AppliedMigration, Plan } from '../core/plan/build.js';
import { loadParser } from '../core/sql/parse.js';
import { buildPlanWithDjango, type PlanSource } from '../core/plan/django.js';
import { relabelWarnings } from '../core/plan/relabel.js';
import { readDjangoSource } from '../adapters/sources/django/read.js';
import { readSqlFolder } from '../adapters/sources/sql-folder.js';
import { readToolSource } from '../adapters/sources/tools/read.js';
import type { ToolLedgerReader } from '../adapters/sources/tools/tool.js';

/** A source as read: its migration files and, for a framework's source, the applier. */
export interface SourceRead extends PlanSource {
  applier?: MigrationApplier;
  /** For a source in another tool's layout: that tool's ledger, kept in step and read by adopt. */
  ledger?: ExternalLedger & ToolLedgerReader;
}

export async function readSources(config: Config): Promise<SourceRead[]> {
  await loadParser();
  const out: SourceRead[] = [];
  for (const s of config.sources) {
    const read: SourceRead =
      s.type === 'django'
        ? await readDjangoSource(s, config)
        : s.type === 'sql'
          ? { app: s.app, files: await readSqlFolder({ app: s.app, dir: s.dir }) }
          : { app: s.app, ...(await readToolSource(s)) };
    out.push(s.decisions ? { ...read, decisions: s.decisions } : read);
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
  /** Per app label, the other tool's ledger a source keeps in step (Prisma, Drizzle…). */
  externalLedgers: ReadonlyMap<string, ExternalLedger>;
  /** Sources that look relabelled: their files are applied under another label (core/plan/relabel.ts). */
  warnings: string[];
}

/** Reads everything a plan needs; with no connection the plan is static and every file pending. */
export async function readSnapshot(config: Config, db?: Db): Promise<Snapshot> {
  const sources = await readSources(config);
  const ledger = db ? new LedgerStore(db, config.schema) : undefined;
  const applied = ledger ? await ledger.applied() : [];
  const deferred = ledger && (await ledger.exists()) ? await ledger.deferred() : new Map();
  const catalog = db ? await readCatalog(db) : undefined;
  const input = {
    sources,
    applied,
    catalog,
    assumedServerVersion: config.pgVersion === undefined ? undefined : serverVersionOfMajor(config.pgVersion),
    allowOutOfOrder: config.allowOutOfOrder,
    deferred,
  };
  let plan = buildPlanWithDjango(input);
  // With a database, the planner's estimate tells a bounded UPDATE / DELETE from a full one.
  const estimates = db ? await readWriteEstimates(db, plan.migrations) : undefined;
  if (estimates && estimates.size > 0) plan = buildPlanWithDjango({ ...input, estimates });
  const appliers = new Map(sources.flatMap((s) => (s.applier ? [[s.app, s.applier] as const] : [])));
  const externalLedgers = new Map(sources.flatMap((s) => (s.ledger ? [[s.app, s.ledger] as const] : [])));
  const warnings = relabelWarnings(sources, applied);
  return { plan, applied, catalog, sources, appliers, externalLedgers, warnings };
}
