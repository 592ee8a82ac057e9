/**
 * Scratch databases: created on the server of the given URL, used to replay migrations, and
 * always dropped — by `withScratchDatabase`, also when the work inside fails.
 */
import { randomBytes } from 'node:crypto';
import { classifyMigration } from '../../core/classify/classify.js';
import { connect, withConnection } from './connect.js';
import { type Db } from '../../ports.js';
import { withDatabase } from './url.js';
import { DeployctlError } from '../../errors.js';
import { quoteIdent } from '../../core/sql/identifiers.js';
import type { MigrationFile } from '../../core/migration.js';
import { isTransactionControl } from '../../core/sql/transaction.js';

export async function withScratchDatabase<T>(url: string, purpose: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const name = `deployctl_${purpose}_${randomBytes(6).toString('hex')}`;
  await withConnection(url, async (admin) => {
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
    } catch (e) {
      throw new DeployctlError('DB_UNREACHABLE', `cannot create a scratch database on this server (${(e as Error).message}); the database user needs CREATEDB`, { cause: e });
    }
  });
  try {
    const db = await connect(withDatabase(url, name), `deployctl ${purpose}`);
    try {
      return await fn(db);
    } finally {
      await db.end().catch(() => undefined);
    }
  } finally {
    await withConnection(url, (admin) => admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
  }
}

/**
 * Runs migrations the way the executor does, without its retries (nothing else uses a scratch
 * database): a transactional migration in one transaction, any other statement by statement.
 */
export async function replay(db: Db, migrations: MigrationFile[]): Promise<void> {
  for (const m of migrations) {
    const classified = classifyMigration(m);
    const statements = classified.statements.map((s) => s.parsed).filter((s) => !isTransactionControl(s));
    if (classified.transactional) await db.query('BEGIN');
    for (const s of statements) {
      try {
        await db.query(s.sql);
      } catch (e) {
        if (classified.transactional) await db.query('ROLLBACK').catch(() => undefined);
        throw new DeployctlError('MIGRATION_FAILED', `${m.file}:${s.line}: ${(e as Error).message} (replaying into a scratch database)`, { file: m.file, line: s.line, cause: e });
      }
    }
    if (classified.transactional) await db.query('COMMIT');
  }
}
