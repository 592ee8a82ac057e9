/** `deployctl history`: the releases in the ledger, newest first, with their stage timings. */
import type { Config } from '../config/config.js';
import { withConnection } from '../adapters/postgres/connect.js';
import { LedgerStore, type ReleaseEvent, type ReleaseRow } from '../adapters/ledger/store.js';

export interface HistoryEntry extends ReleaseRow {
  stages: { stage: string; ms: number | null; ok: boolean }[];
  migrations: { app: string; id: string; phase: string }[];
}

export async function historyCommand(config: Config, limit = 20): Promise<HistoryEntry[]> {
  return withConnection(config.databaseUrl, async (db) => {
    const ledger = new LedgerStore(db, config.schema);
    const out: HistoryEntry[] = [];
    for (const r of await ledger.releases(limit)) {
      const events = await ledger.events(r.id);
      out.push({
        ...r,
        stages: stageTimes(events),
        migrations: (await ledger.migrationsOf(r.id)).map((m) => ({ app: m.app, id: m.id, phase: m.phase })),
      });
    }
    return out;
  });
}

function stageTimes(events: ReleaseEvent[]): HistoryEntry['stages'] {
  return events
    .filter((e) => e.kind === 'end' || e.kind === 'fail')
    .map((e) => ({ stage: e.stage, ms: e.durationMs, ok: e.kind === 'end' }));
}
