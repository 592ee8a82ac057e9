/**
 * `deployctl status`: per app, what is applied and what is pending (with its phase); the last
 * releases; and anything left half-done (an unfinished release, INVALID indexes from a failed
 * concurrent build).
 */
import type { Config } from '../config/config.js';
import { withConnection } from '../adapters/postgres/connect.js';
import { LedgerStore, type ReleaseRow } from '../adapters/ledger/store.js';
import { readSnapshot } from './snapshot.js';

export interface StatusReport {
  apps: {
    app: string;
    applied: { id: string; phase: string; appliedAt: string }[];
    pending: { id: string; phase: string }[];
  }[];
  releases: ReleaseRow[];
  unfinishedRelease: ReleaseRow | null;
  invalidIndexes: string[];
  problems: string[];
}

export async function statusCommand(config: Config): Promise<StatusReport> {
  return withConnection(config.databaseUrl, async (db) => {
    const { plan, applied } = await readSnapshot(config, db);
    const ledger = new LedgerStore(db, config.schema);
    const invalid = await db.query(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT i.indisvalid`,
    );
    return {
      apps: config.sources.map((s) => ({
        app: s.app,
        applied: applied
          .filter((a) => a.app === s.app)
          .map((a) => ({ id: a.id, phase: a.phase, appliedAt: a.appliedAt.toISOString() })),
        pending: plan.migrations
          .filter((m) => m.migration.app === s.app)
          .map((m) => ({ id: m.migration.id, phase: m.phase })),
      })),
      releases: await ledger.releases(10),
      unfinishedRelease: (await ledger.unfinishedRelease()) ?? null,
      invalidIndexes: invalid.rows.map((r) => r.name as string),
      problems: plan.problems.map((p) => p.message),
    };
  });
}
