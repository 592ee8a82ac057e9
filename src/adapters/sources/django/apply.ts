/**
 * The executor's path for a Django migration: `manage.py migrate <app> <name>` instead of running
 * `up`. Django commits its migration and its django_migrations row in its own transaction, which
 * the ledger row cannot share, so the row is written right after Django succeeds — and before
 * anything runs, django_migrations is read: a migration Django already has (a run that died
 * between the two) is only recorded, never applied twice.
 */
import type { ClassifiedMigration } from '../../../core/classify/classify.js';
import type { ApplyContext, Db, MigrationApplier } from '../../../ports.js';
import { dropInvalidIndexBefore } from '../../postgres/invalid-index.js';
import type { Exec } from './exec.js';
import { DjangoRunner, type DjangoProject } from './runner.js';

/** The applier of one Django project's migrations (manage.py, python, settings). */
export function djangoApplier(project: Omit<DjangoProject, 'databaseUrl'>, exec?: Exec): MigrationApplier {
  return { apply: (m, ctx, record) => applyDjangoMigration(m, project, ctx, record, exec) };
}

/** Applies `m` with Django, then `record()`s it in the ledger. Errors keep their SQLSTATE (`code`) for the executor's retry. */
async function applyDjangoMigration(
  m: ClassifiedMigration,
  project: Omit<DjangoProject, 'databaseUrl'>,
  ctx: ApplyContext,
  record: () => Promise<void>,
  exec?: Exec,
): Promise<void> {
  const { app, id } = m.migration;
  const target = m.migration.framework;
  if (!target) throw new Error(`${m.migration.file}: not a Django migration`);
  if (await djangoHasApplied(ctx.db, target.app, target.name)) {
    ctx.emit({
      type: 'info',
      message: `${app}/${id}: django_migrations already records it; recording it in the ledger without running it again`,
    });
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
  const runner = new DjangoRunner({ ...project, databaseUrl: ctx.url }, exec);
  try {
    await runner.migrate(
      target.app,
      target.name,
      { lockTimeoutMs: ctx.lockTimeoutMs, statementTimeoutMs: ctx.statementTimeoutMs },
      ctx.signal,
    );
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
