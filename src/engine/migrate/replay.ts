/**
 * Runs migrations on a database nothing else uses (a scratch database), the way the executor
 * would but without its lock timeouts and retries: a transactional migration in one transaction,
 * any other statement by statement. BEGIN/COMMIT written in a file are skipped, since the
 * transaction is ours.
 */
import type { Db } from '../../ports.js';
import type { MigrationFile } from '../../core/migration.js';
import { classifyMigration } from '../../core/classify/classify.js';
import { isTransactionControl } from '../../core/sql/transaction.js';
import { DeployctlError } from '../../errors.js';

const BACKFILL_ALL_KEYS = ['-9223372036854775808', '9223372036854775807'];

/** Throws MIGRATION_FAILED (with file, line and the server's error as cause) at the first failure. */
export async function replay(db: Db, migrations: MigrationFile[]): Promise<void> {
  for (const m of migrations) {
    const classified = classifyMigration(m);
    const statements = classified.statements.map((s) => s.parsed).filter((s) => !isTransactionControl(s));
    if (classified.transactional) await db.query('BEGIN');
    for (const s of statements) {
      try {
        // A driven backfill runs as one batch over every key: nothing else uses this database.
        await db.query(s.sql, classified.directives.backfill ? BACKFILL_ALL_KEYS : undefined);
      } catch (e) {
        if (classified.transactional) await db.query('ROLLBACK').catch(() => undefined);
        throw new DeployctlError(
          'MIGRATION_FAILED',
          `${m.file}:${s.line}: ${(e as Error).message} (replaying into a scratch database)`,
          { file: m.file, line: s.line, cause: e },
        );
      }
    }
    if (classified.transactional) await db.query('COMMIT');
  }
}
