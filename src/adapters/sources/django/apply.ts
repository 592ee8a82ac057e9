/**
 * The executor's path for a Django migration: `manage.py migrate <app> <name>` instead of running
 * `up`. Django commits its migration and its django_migrations row in its own transaction, which
 * the ledger row cannot share, so the row is written right after Django succeeds — and before
 * anything runs, django_migrations is read: a migration Django already has (a run that died
 * between the two) is only recorded, never applied twice.
 */
import type { ClassifiedMigration } from '../../../core/classify/classify.js';
import type { Db } from '../../postgres/connect.js';
import type { Emit } from '../../../events.js';
import { dropInvalidIndexBefore } from '../../postgres/invalid-index.js';
import type { DjangoApply } from '../../../core/migration.js';
import type { Exec } from './exec.js';
import { DjangoRunner } from './runner.js';

export interface DjangoApplyContext {
  /** The executor's connection: reads django_migrations, drops INVALID indexes. */
  db: Db;
  /** The target database, handed to Django as DATABASE_URL. */
  url: string;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  emit: Emit;
  signal?: AbortSignal;
  exec?: Exec;
}

/** Applies `m` with Django, then `record()`s it in the ledger. Errors keep their SQLSTATE (`code`) for the executor's retry. */
export async function applyDjangoMigration(m: ClassifiedMigration, target: DjangoApply, ctx: DjangoApplyContext, record: () => Promise<void>): Promise<void> {
  const { app, id } = m.migration;
  if (await djangoHasApplied(ctx.db, target.app, target.name)) {
    ctx.emit({ type: 'info', message: `${app}/${id}: django_migrations already records it; recording it in the ledger without running it again` });
    await record();
    return;
  }
  // A non-atomic migration (AddIndexConcurrently) may have left an INVALID index in an earlier attempt.
  const concurrentBuilds = m.transactional ? [] : m.statements.map((s) => s.parsed);
  const dropInvalid = async (): Promise<void> => {
    for (const s of concurrentBuilds) {
      const dropped = await dropInvalidIndexBefore(ctx.db, s);
      if (dropped) ctx.emit({ type: 'migration:invalid-index-dropped', app, id, index: dropped });
    }
  };
  await dropInvalid();
  const runner = new DjangoRunner({ manage: target.manage, python: target.python, settings: target.settings, databaseUrl: ctx.url }, ctx.exec);
  try {
    await runner.migrate(target.app, target.name, { lockTimeoutMs: ctx.lockTimeoutMs, statementTimeoutMs: ctx.statementTimeoutMs }, ctx.signal);
  } catch (e) {
    await dropInvalid().catch(() => undefined);
    throw e;
  }
  await record();
}

async function djangoHasApplied(db: Db, app: string, name: string): Promise<boolean> {
  const table = await db.query(`SELECT to_regclass('django_migrations') IS NOT NULL AS present`);
  if (!table.rows[0]?.present) return false;
  const r = await db.query('SELECT 1 FROM django_migrations WHERE app = $1 AND name = $2', [app, name]);
  return (r.rowCount ?? 0) > 0;
}
