/**
 * The executor's path for Django migrations: each stage's migrations are applied by one Python
 * process (stage.ts, Django's MigrationExecutor), one at a time, instead of running `up`. Django
 * commits a migration and its django_migrations row in its own transaction, which the ledger row
 * cannot share, so the row is written right after Django reports it and before the next one
 * starts — and before anything runs, django_migrations is read: a migration Django already has (a
 * run that died between the two) is only recorded, never applied twice.
 */
import type { ClassifiedMigration } from '../../../core/classify/classify.js';
import type { ApplyContext, BlockerInfo, Db, MigrationApplier } from '../../../ports.js';
import { watchBlockers } from '../../postgres/blockers.js';
import { dropInvalidIndexBefore } from '../../postgres/invalid-index.js';
import type { Start } from './exec.js';
import type { DjangoProject } from './runner.js';
import { DjangoStageProcess } from './stage.js';

/** The applier of one Django project's migrations (manage.py, python, settings). */
export function djangoApplier(project: Omit<DjangoProject, 'databaseUrl'>, start?: Start): MigrationApplier {
  return new DjangoApplier(project, start);
}

class DjangoApplier implements MigrationApplier {
  /** The run's migrations of this project, in order (begin). */
  private stage: readonly ClassifiedMigration[] = [];
  private process?: DjangoStageProcess;

  constructor(
    private readonly project: Omit<DjangoProject, 'databaseUrl'>,
    private readonly start?: Start,
  ) {}

  begin(migrations: readonly ClassifiedMigration[]): void {
    this.stage = migrations;
  }

  async end(completed: boolean): Promise<void> {
    const process = this.process;
    this.process = undefined;
    this.stage = [];
    if (!process) return;
    if (completed && process.alive) await process.finish();
    else await process.close();
  }

  /** Applies `m` with Django, then `record()`s it in the ledger. Errors keep their SQLSTATE (`code`) for the executor's retry. */
  async apply(m: ClassifiedMigration, ctx: ApplyContext, record: () => Promise<void>): Promise<void> {
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
    const limits = { lockTimeoutMs: ctx.lockTimeoutMs, statementTimeoutMs: ctx.statementTimeoutMs };
    const process = await this.processFor(m, ctx);
    let watcher: { stop(): BlockerInfo[] } | undefined;
    try {
      await process.run(`${target.app}.${target.name}`, limits, (pid) => {
        watcher = watchBlockers(ctx.monitor, pid, ctx.lockTimeoutMs);
      });
    } catch (e) {
      const blockers = watcher?.stop() ?? [];
      if (e && typeof e === 'object') Object.assign(e, { blockers });
      await dropInvalid().catch(() => undefined);
      throw e;
    } finally {
      watcher?.stop();
    }
    await record();
  }

  /**
   * The running process, or a new one for `m` and the rest of the stage after it: the first
   * migration Django must apply starts it, a process that stopped (crashed, lost its connection)
   * is replaced on the next attempt.
   */
  private async processFor(m: ClassifiedMigration, ctx: ApplyContext): Promise<DjangoStageProcess> {
    if (this.process?.alive) return this.process;
    await this.process?.close();
    this.process = undefined;
    const at = this.stage.indexOf(m);
    const rest = at >= 0 ? this.stage.slice(at) : [m];
    const keys = rest.map((x) => `${x.migration.framework!.app}.${x.migration.framework!.name}`);
    this.process = await DjangoStageProcess.start(
      { ...this.project, databaseUrl: ctx.url },
      keys,
      { lockTimeoutMs: ctx.lockTimeoutMs, statementTimeoutMs: ctx.statementTimeoutMs },
      this.start,
    );
    return this.process;
  }
}

async function djangoHasApplied(db: Db, app: string, name: string): Promise<boolean> {
  const table = await db.query(`SELECT to_regclass('django_migrations') IS NOT NULL AS present`);
  if (!table.rows[0]?.present) return false;
  const r = await db.query('SELECT 1 FROM django_migrations WHERE app = $1 AND name = $2', [app, name]);
  return (r.rowCount ?? 0) > 0;
}
