/**
 * One writer at a time: a session-level advisory lock on a dedicated connection that never
 * opens a transaction. A runner that instead blocks in pg_advisory_lock() inside a transaction
 * holds a snapshot, and CREATE INDEX CONCURRENTLY in another runner waits for every snapshot
 * older than its own — the two wait on each other. pg_try_advisory_lock() polled from an idle
 * session cannot cause that.
 *
 * The key is fixed and documented so operators can find the holder:
 *   SELECT * FROM pg_locks WHERE locktype = 'advisory' AND classid = 1684369516 AND objid = 1870226292;
 * (the ASCII text 'depl' and 'oyct' read as big-endian int4s, see ADVISORY_KEY).
 */
import os from 'node:os';
import type { Clock } from '../../ports.js';
import { connect } from '../postgres/connect.js';
import { type Db } from '../../ports.js';
import { LockHeldError } from '../../errors.js';

/** pg_try_advisory_lock(int4, int4) arguments: 'depl' and 'oyct' as big-endian int4. */
export const ADVISORY_KEY = [0x6465706c, 0x6f796374] as const;

export interface LockOptions {
  /** How long to keep polling for the lock before giving up (0: one try). */
  waitMs: number;
  pollMs?: number;
  clock: Clock;
  /** What this process is doing, shown to a process that finds the lock taken. */
  purpose: string;
}

export interface HeldLock {
  /** The idle lock connection, usable for read-only monitoring queries outside transactions. */
  db: Db;
  /**
   * The lock is a lease: aborted (with the reason as a message) when its connection reports an
   * error or ends, or a heartbeat finds the lock gone. The holder stops at its next safe point.
   */
  lost: AbortSignal;
  release(): Promise<void>;
}

/** How often the lock connection is asked whether it still holds the lock. */
const HEARTBEAT_MS = 2000;

export async function acquireLock(url: string | undefined, opts: LockOptions): Promise<HeldLock> {
  // application_name is ASCII-only in PostgreSQL; it tells a waiting process who holds the lock.
  const db = await connect(url, `deployctl ${opts.purpose} on ${os.hostname()} pid ${process.pid}`.slice(0, 63));
  const deadline = opts.clock.now() + opts.waitMs;
  try {
    for (;;) {
      const r = await db.query('SELECT pg_try_advisory_lock($1, $2) AS ok', [ADVISORY_KEY[0], ADVISORY_KEY[1]]);
      if (r.rows[0].ok) break;
      if (opts.clock.now() >= deadline) throw new LockHeldError(await describeHolder(db));
      await opts.clock.sleep(Math.min(opts.pollMs ?? 500, Math.max(1, deadline - opts.clock.now())));
    }
  } catch (e) {
    await db.end().catch(() => undefined);
    throw e;
  }
  const lease = new AbortController();
  let releasing = false;
  const lose = (why: string): void => {
    if (!releasing && !lease.signal.aborted) lease.abort(new Error(why));
  };
  db.on('error', (e: Error) => lose(`its connection failed: ${e.message}`));
  db.on('end', () => lose('its connection ended'));
  const heartbeat = setInterval(() => {
    db.query(
      `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND classid = $1 AND objid = $2 AND granted) AS held`,
      [ADVISORY_KEY[0], ADVISORY_KEY[1]],
    ).then(
      (r) => {
        if (!r.rows[0].held) lose('the server no longer grants it');
      },
      (e: Error) => lose(`its connection failed: ${e.message}`),
    );
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return {
    db,
    lost: lease.signal,
    release: async () => {
      releasing = true;
      clearInterval(heartbeat);
      await db.query('SELECT pg_advisory_unlock($1, $2)', [ADVISORY_KEY[0], ADVISORY_KEY[1]]).catch(() => undefined);
      await db.end().catch(() => undefined);
    },
  };
}

export async function withLock<T>(
  url: string | undefined,
  opts: LockOptions,
  fn: (lock: HeldLock) => Promise<T>,
): Promise<T> {
  const lock = await acquireLock(url, opts);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}

async function describeHolder(db: Db): Promise<string> {
  const r = await db.query(
    `SELECT a.pid, a.application_name, a.client_addr::text AS addr, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1`,
    [ADVISORY_KEY[0], ADVISORY_KEY[1]],
  );
  const h = r.rows[0];
  if (!h) return 'another deployctl process holds the release lock; try again when it finishes';
  const since = new Date(h.backend_start).toISOString();
  return `another deployctl process holds the release lock: ${h.application_name || 'unknown'} (server pid ${h.pid}${h.addr ? `, from ${h.addr}` : ''}, since ${since}). Wait for it to finish or pass --lock-wait <ms>.`;
}
