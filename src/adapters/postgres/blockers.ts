/**
 * Who is in the way: when a migration's lock request times out, the sessions it waited for are
 * read from pg_blocking_pids() and pg_stat_activity on a second, idle connection — sampled while
 * the statement is still waiting, because after the timeout the wait is gone.
 */
import type { Db } from '../../ports.js';
import type { BlockerInfo, LockWait } from '../../ports.js';

export async function readBlockers(monitor: Db, pid: number): Promise<BlockerInfo[]> {
  const r = await monitor.query(
    `SELECT a.pid, a.state, a.application_name,
            (extract(epoch FROM clock_timestamp() - coalesce(a.xact_start, a.query_start)) * 1000)::bigint AS age_ms,
            left(a.query, 200) AS query
       FROM unnest(pg_blocking_pids($1)) AS b(pid) JOIN pg_stat_activity a ON a.pid = b.pid`,
    [pid],
  );
  return r.rows.map((row) => ({
    pid: row.pid,
    state: row.state,
    ageMs: row.age_ms === null ? null : Number(row.age_ms),
    query: row.query,
    application: row.application_name || null,
  }));
}

/**
 * What session `pid` waits for right now: pg_blocking_pids() and the lock it has asked for and not
 * been granted. Read on a connection other than `pid`'s (that one is busy running the statement).
 */
export async function readLockWait(monitor: Db, pid: number): Promise<LockWait> {
  const r = await monitor.query(
    `SELECT pg_blocking_pids($1) AS pids, w.locktype AS lock_type, w.relation::regclass::text AS relation
       FROM (SELECT 1) AS one
       LEFT JOIN LATERAL (SELECT locktype, relation FROM pg_locks WHERE pid = $1 AND NOT granted LIMIT 1) AS w ON true`,
    [pid],
  );
  const row = r.rows[0] as { pids: number[]; lock_type: string | null; relation: string | null };
  return { pids: row.pids, relation: row.relation, lockType: row.lock_type };
}

/** Samples the blockers of `pid` shortly before `lockTimeoutMs` expires; stop() returns the last sample. */
export function watchBlockers(monitor: Db | undefined, pid: number, lockTimeoutMs: number): { stop(): BlockerInfo[] } {
  let last: BlockerInfo[] = [];
  if (!monitor) return { stop: () => last };
  const sample = (): void => {
    readBlockers(monitor, pid).then(
      (b) => {
        if (b.length > 0) last = b;
      },
      () => undefined,
    );
  };
  const timer = setTimeout(sample, Math.max(1, Math.floor(lockTimeoutMs * 0.7)));
  return {
    stop: () => {
      clearTimeout(timer);
      return last;
    },
  };
}
