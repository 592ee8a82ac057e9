/**
 * Runs a driven backfill (core/throttle/backfill.ts) batch by batch on the migration connection.
 * Each batch is its own short transaction — lock_timeout and statement_timeout set, the
 * statement with its key range, the key it reached written to `<schema>.backfill_progress` —
 * so a lock timeout or a lost connection costs one batch, and a stopped backfill resumes after
 * its last committed batch. With a throttle each batch is sized by its time budget and none
 * starts while the app's probe is over budget; without one the batches keep the directive's size.
 */
import type { ClassifiedMigration } from '../../core/classify/classify.js';
import { backfillShare, type BackfillStatement } from '../../core/throttle/backfill.js';
import { quoteIdent } from '../../core/sql/identifiers.js';
import type { Clock, Db, Emit } from '../../ports.js';
import { DeployctlError } from '../../errors.js';
import { pauseDeadline, type ThrottleRun } from './throttle.js';

/** Progress events at most this often while batches run (pauses report each time they change). */
const PROGRESS_EVERY_MS = 1000;

export interface BackfillOptions {
  schema: string;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

export interface BackfillDeps {
  clock: Clock;
  emit: Emit;
  signal?: AbortSignal;
  throttle?: ThrottleRun;
}

function quoteQualified(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}

export async function runBackfill(
  db: Db,
  m: ClassifiedMigration,
  b: BackfillStatement,
  options: BackfillOptions,
  deps: BackfillDeps,
): Promise<void> {
  const { app, id } = m.migration;
  const directive = m.directives.backfill!;
  const key = quoteIdent(directive.key);
  const table = quoteQualified(b.table);
  const progressTable = `${quoteIdent(options.schema)}.backfill_progress`;
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${progressTable} (app text NOT NULL, id text NOT NULL, last_key bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (app, id))`,
  );
  const resumed = (
    await db.query<{ last_key: string }>(`SELECT last_key::text FROM ${progressTable} WHERE app = $1 AND id = $2`, [
      app,
      id,
    ])
  ).rows[0];
  const range = (
    await db.query<{ lo: string | null; hi: string | null }>(
      `SELECT (min(${key}) - 1)::bigint::text AS lo, max(${key})::bigint::text AS hi FROM ${table}`,
    )
  ).rows[0]!;
  if (range.hi === null) return finish(db, progressTable, app, id);
  const first = Number(range.lo);
  let last = Number(range.hi);
  let done = resumed ? Number(resumed.last_key) : first;
  if (resumed)
    deps.emit({ type: 'info', message: `${app}/${id}: resuming the backfill after ${directive.key} ${done}` });

  const throttle = deps.throttle;
  const controller = throttle?.controller;
  let batch = 0;
  let lastReport = -Infinity;
  const what = (): string => {
    const rows = controller?.batchRows ?? directive.rows;
    const estimated = batch + Math.ceil(Math.max(0, last - done) / rows);
    return `batch ${batch}/${estimated} (${Math.round(backfillShare(first, done, last) * 100)}% of ${directive.key} ${first + 1}…${last})`;
  };
  const where = (): string =>
    `${m.migration.file}: backfill committed up to ${directive.key} ${done} of ${last} (${batch} batches in this run)`;

  for (;;) {
    if (done >= last) {
      // Rows the app added while the backfill ran: go on to the new end, if any.
      const now = Number(
        (await db.query<{ hi: string | null }>(`SELECT max(${key})::bigint::text AS hi FROM ${table}`)).rows[0]!.hi ??
          last,
      );
      if (now <= last) break;
      last = now;
    }
    if (deps.signal?.aborted)
      throw new DeployctlError(
        'INTERRUPTED',
        `interrupted between batches: ${where()}. Run the same command again to continue from there`,
      );
    let rows = directive.rows;
    if (controller) {
      const d = controller.decide(deps.clock.now());
      if (d.kind === 'fail')
        throw pauseDeadline(m.migration.file, d, ` Batches up to ${directive.key} ${done} are committed and recorded;`);
      if (d.kind === 'pause' || d.kind === 'rest') {
        if (d.kind === 'pause' && deps.clock.now() - lastReport >= PROGRESS_EVERY_MS) {
          lastReport = deps.clock.now();
          deps.emit({
            type: 'throttle',
            app,
            id,
            what: what(),
            paused: { ms: d.pausedMs, p99Ms: d.p99Ms, budgetMs: d.budgetMs },
          });
        }
        await deps.clock.sleep(d.waitMs, deps.signal).catch(() => undefined);
        continue;
      }
      rows = d.rows;
    }
    const hi = Math.min(done + rows, last);
    batch++;
    const label = `batch ${batch}`;
    const started = deps.clock.now();
    deps.emit({ type: 'statement:start', app, id, label });
    let workMs = 0;
    // One round trip to open the batch: the batch's fixed cost must stay small beside its rows.
    await db.query(
      `BEGIN; SET LOCAL lock_timeout = ${options.lockTimeoutMs}; SET LOCAL statement_timeout = ${options.statementTimeoutMs}`,
    );
    try {
      const workStarted = deps.clock.now();
      await db.query(b.statement.sql, [done, hi]);
      workMs = deps.clock.now() - workStarted;
      await db.query(
        `INSERT INTO ${progressTable} (app, id, last_key) VALUES ($1, $2, $3)
         ON CONFLICT (app, id) DO UPDATE SET last_key = EXCLUDED.last_key, updated_at = now()`,
        [app, id, hi],
      );
      await db.query('COMMIT');
    } catch (e) {
      await db.query('ROLLBACK').catch(() => undefined);
      if (e && typeof e === 'object') Object.assign(e, { statement: b.statement, file: m.migration.file });
      throw e;
    }
    const ms = deps.clock.now() - started;
    deps.emit({ type: 'statement:end', app, id, label, ms });
    // Sized by the statement's own time: the round trips around it do not grow with the rows.
    controller?.batchDone(deps.clock.now(), hi - done, Math.max(workMs, 1));
    done = hi;
    if (deps.clock.now() - lastReport >= PROGRESS_EVERY_MS) {
      lastReport = deps.clock.now();
      deps.emit({ type: 'throttle', app, id, what: what() });
    }
  }
  deps.emit({ type: 'throttle', app, id, what: `backfill done: ${batch} batches up to ${directive.key} ${last}` });
  await finish(db, progressTable, app, id);
}

/** The progress row goes once the backfill is complete; the ledger row records it from here. */
async function finish(db: Db, progressTable: string, app: string, id: string): Promise<void> {
  await db.query(`DELETE FROM ${progressTable} WHERE app = $1 AND id = $2`, [app, id]);
}
