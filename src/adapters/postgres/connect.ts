/**
 * Connections to the target database. Errors from `pg` are translated here, at the seam, into
 * DeployctlErrors that say what to do next and never contain the password.
 */
import pg from 'pg';
import { DeployctlError } from '../../errors.js';
import { checkDatabaseUrl, redactSecrets, redactUrl } from './url.js';

import type { Db } from '../../ports.js';

export async function connect(url: string | undefined, applicationName = 'deployctl'): Promise<Db> {
  if (!url) {
    throw new DeployctlError(
      'DB_UNREACHABLE',
      'no database URL: set DATABASE_URL, pass --database-url, or set database.url in deployctl.yaml',
      { key: 'database.url' },
    );
  }
  checkDatabaseUrl(url);
  const client = new pg.Client({
    connectionString: url,
    application_name: applicationName,
    connectionTimeoutMillis: 10000,
  });
  // An idle connection that drops must not crash the process; the next query reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw unreachable(url, e);
  }
  return client;
}

export function unreachable(url: string, e: unknown): DeployctlError {
  const err = e as { code?: string; message?: string };
  const why: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is the server running and listening on that host and port?)',
    ENOTFOUND: 'host not found',
    ETIMEDOUT: 'connection timed out',
    '28P01': 'password authentication failed',
    '28000': 'authentication rejected',
    '3D000': 'database does not exist',
  };
  const reason = (err.code && why[err.code]) ?? redactSecrets(err.message ?? String(e), [url]);
  return new DeployctlError('DB_UNREACHABLE', `cannot reach the database at ${redactUrl(url)}: ${reason}`);
}

export async function withConnection<T>(url: string | undefined, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await connect(url);
  try {
    return await fn(db);
  } finally {
    await db.end().catch(() => undefined);
  }
}
