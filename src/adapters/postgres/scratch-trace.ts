/**
 * The scratch database trace runs migrations on: created on the target's own server (same
 * version, same extensions available) under a name no one else uses, and always dropped. Its
 * name carries the pid of the session that created it, which stays connected for the whole
 * trace: a scratch database whose creator is gone was left by a killed run and is dropped by
 * the next one.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../ports.js';
import { withDatabase } from './url.js';
import { quoteIdent } from '../../core/sql/identifiers.js';

export const SCRATCH_PREFIX = 'deployctl_trace_';

export interface Scratch {
  name: string;
  url: string;
  /** Drops the database and ends every session on it; safe to call more than once. */
  drop(): Promise<void>;
}

/** `admin` is a connection to the target database; it must stay open until drop() resolves. */
export async function createScratch(admin: Db, targetUrl: string): Promise<Scratch> {
  await dropAbandoned(admin);
  const pid = (await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const name = `${SCRATCH_PREFIX}${pid}_${randomBytes(4).toString('hex')}`;
  // template0: nothing the server's template1 may carry leaks into the replayed schema.
  await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`);
  let dropping: Promise<void> | undefined;
  return {
    name,
    url: withDatabase(targetUrl, name),
    drop: () => (dropping ??= dropDatabase(admin, name)),
  };
}

async function dropDatabase(admin: Db, name: string): Promise<void> {
  const version = Number((await admin.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v);
  if (version >= 130000) {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    return;
  }
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
}

/** Scratch databases whose creating session no longer exists. */
async function dropAbandoned(admin: Db): Promise<void> {
  // Only names this module makes (prefix, pid, 8 hex digits): never a database someone named alike.
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT d.datname FROM pg_database d
      WHERE d.datname ~ $1
        AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid::text = split_part(substr(d.datname, $2), '_', 1))`,
    [`^${SCRATCH_PREFIX}[0-9]+_[0-9a-f]{8}$`, SCRATCH_PREFIX.length + 1],
  );
  for (const r of rows) await dropDatabase(admin, r.datname).catch(() => undefined);
}
