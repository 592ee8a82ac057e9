/**
 * Scratch databases: created on the server of a given database (same version, same extensions
 * available) under a name no one else uses, and always dropped. The name carries the pid of the
 * admin session that created it, which stays connected until the drop: a scratch database whose
 * creator is gone was left by a killed run, and the next run of the same purpose drops it.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../ports.js';
import { DeployctlError } from '../../errors.js';
import { quoteIdent } from '../../core/sql/identifiers.js';
import { connect, withConnection } from './connect.js';
import { withDatabase } from './url.js';

/** What the scratch database is for; part of its name (`deployctl_<purpose>_<pid>_<hex>`). */
export type ScratchPurpose = 'trace' | 'squash' | 'schema-hash';

export interface Scratch {
  name: string;
  url: string;
  /** Drops the database and ends every session on it; safe to call more than once. */
  drop(): Promise<void>;
}

/** `admin` is a connection to a database on that server; it must stay open until drop() resolves. */
export async function createScratch(admin: Db, serverUrl: string, purpose: ScratchPurpose): Promise<Scratch> {
  const prefix = `deployctl_${purpose}_`;
  await dropAbandoned(admin, prefix);
  const pid = (await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const name = `${prefix}${pid}_${randomBytes(4).toString('hex')}`;
  try {
    // template0: nothing the server's template1 may carry leaks into the replayed schema.
    await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`);
  } catch (e) {
    throw new DeployctlError(
      'DB_UNREACHABLE',
      `cannot create a scratch database on this server (${(e as Error).message}); the database user needs CREATEDB`,
      { cause: e },
    );
  }
  let dropping: Promise<void> | undefined;
  return {
    name,
    url: withDatabase(serverUrl, name),
    drop: () => (dropping ??= dropDatabase(admin, name)),
  };
}

/** Runs `fn` on a connection to a new scratch database, dropped afterwards whatever happens. */
export async function withScratchDatabase<T>(
  url: string,
  purpose: ScratchPurpose,
  fn: (db: Db) => Promise<T>,
): Promise<T> {
  return withConnection(url, async (admin) => {
    const scratch = await createScratch(admin, url, purpose);
    try {
      const db = await connect(scratch.url, `deployctl ${purpose}`);
      try {
        return await fn(db);
      } finally {
        await db.end().catch(() => undefined);
      }
    } finally {
      await scratch.drop();
    }
  });
}

async function dropDatabase(admin: Db, name: string): Promise<void> {
  const version = Number(
    (await admin.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v,
  );
  if (version >= 130000) {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    return;
  }
  await admin.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [name],
  );
  await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
}

/** Scratch databases of this purpose whose creating session no longer exists. */
async function dropAbandoned(admin: Db, prefix: string): Promise<void> {
  // Only names this module makes (prefix, pid, 8 hex digits): never a database someone named alike.
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT d.datname FROM pg_database d
      WHERE d.datname ~ $1
        AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid::text = split_part(substr(d.datname, $2), '_', 1))`,
    [`^${prefix}[0-9]+_[0-9a-f]{8}$`, prefix.length + 1],
  );
  for (const r of rows) await dropDatabase(admin, r.datname).catch(() => undefined);
}
