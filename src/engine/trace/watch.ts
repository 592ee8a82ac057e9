/**
 * Observes a statement PostgreSQL refuses in a transaction block (CREATE INDEX CONCURRENTLY,
 * VACUUM, REINDEX CONCURRENTLY…) on the scratch database. Its locks cannot be read after the
 * fact, and on a schema-only database it finishes in milliseconds, so sampling pg_locks at
 * random would miss them. Instead a holder session makes it wait at the points that matter, and
 * a sampler session reads the traced backend's locks exactly while it waits (a waiting request
 * counts as taken):
 *
 * 1. the holder locks every table three times, in nested savepoints: ACCESS SHARE, EXCLUSIVE,
 *    ACCESS EXCLUSIVE. The statement's first table lock request waits on the last; once read,
 *    that level is rolled back. EXCLUSIVE then holds back any request stronger than ACCESS SHARE
 *    (a name lookup passes, the real lock waits); ACCESS SHARE holds back statements that wait
 *    for every other user of the table (DROP INDEX CONCURRENTLY) while they hold their locks;
 * 2. the holder keeps a REPEATABLE READ snapshot open, so concurrent index builds wait for it
 *    after building, holding their locks.
 *
 * Each wait is released as soon as it has been read. Locks taken between those points and held
 * only for an instant are not seen; locks on indexes already marked dead (DROP INDEX
 * CONCURRENTLY's last step) are ignored, as no query can touch such an index.
 */
import type { Clock } from '../../ports.js';
import type { Db } from '../../ports.js';
import type { LockMode } from '../../core/rules/rule.js';
import { locksOn, type Observation } from './observe.js';
import { diffRelations, namesOf, readRelations } from './relations.js';

export interface WatchSessions {
  traced: { db: Db; pid: number };
  holder: { db: Db; pid: number };
  sampler: Db;
  clock: Clock;
}

/** Between two samples: short enough to catch a statement waiting, long enough not to spin. */
const POLL_INTERVAL_MS = 2;

/** Outermost first; released innermost first, each once the statement was seen waiting on it. */
const GATES = ['ACCESS SHARE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'] as const;

const WAITING_ON_HOLDER_SQL = 'SELECT $1::int = ANY (pg_catalog.pg_blocking_pids($2)) AS waiting';

const LOCKS_OF_SQL = `
  SELECT l.relation::int AS oid, l.mode FROM pg_catalog.pg_locks l
    LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = l.relation
   WHERE l.pid = $1 AND l.locktype = 'relation' AND COALESCE(i.indislive, true)`;

export async function observeWatched(s: WatchSessions, sql: string): Promise<Observation> {
  const before = await readRelations(s.traced.db);
  const tables = [...before.values()].filter((r) => r.kind === 'r' || r.kind === 'p').map((r) => r.quoted);
  const holder = s.holder.db;
  await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  let holding = true;
  let gates = 0;
  const seen: { oid: number; mode: LockMode }[] = [];
  try {
    await holder.query('SELECT 1');
    if (tables.length > 0) {
      for (const mode of GATES) {
        await holder.query(`SAVEPOINT gate${gates}`);
        await holder.query(`LOCK TABLE ${tables.join(', ')} IN ${mode} MODE`);
        gates++;
      }
    }
    let settled = false;
    const outcome = s.traced.db
      .query(sql)
      .then(
        () => undefined,
        (e: unknown) => e,
      )
      .finally(() => {
        settled = true;
      });
    while (!settled) {
      const { rows } = await s.sampler.query<{ waiting: boolean }>(WAITING_ON_HOLDER_SQL, [s.holder.pid, s.traced.pid]);
      if (rows[0]?.waiting) {
        seen.push(...(await s.sampler.query<{ oid: number; mode: LockMode }>(LOCKS_OF_SQL, [s.traced.pid])).rows);
        if (gates > 0) {
          gates--;
          await holder.query(`ROLLBACK TO SAVEPOINT gate${gates}`);
        } else {
          await holder.query('COMMIT');
          holding = false;
        }
      } else {
        await s.clock.sleep(POLL_INTERVAL_MS);
      }
    }
    const failure = await outcome;
    if (failure) throw failure;
  } finally {
    if (holding) await holder.query('ROLLBACK').catch(() => undefined);
  }
  const after = await readRelations(s.traced.db);
  return { locks: locksOn(before, seen), ...diffRelations(before, after), method: 'watched', existed: namesOf(before) };
}
