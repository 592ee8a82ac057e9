/**
 * The planner's row estimate for each pending UPDATE / DELETE: `EXPLAIN (FORMAT JSON)` of the
 * statement, which plans it and never executes it, inside a transaction that is rolled back.
 * EXPLAIN of a write takes the statement's ROW EXCLUSIVE lock for the moment of planning; a short
 * lock_timeout keeps it from queuing behind anything. A statement that cannot be planned yet
 * (its table or column is created by an earlier pending migration, or it uses parameters) has
 * no estimate.
 */
import type { Db } from '../../ports.js';
import type { ClassifiedMigration } from '../../core/classify/classify.js';

/** Per migration file, the estimated rows by statement index. */
export async function readWriteEstimates(
  db: Db,
  migrations: readonly ClassifiedMigration[],
): Promise<Map<string, Map<number, number>>> {
  const out = new Map<string, Map<number, number>>();
  const writes = migrations.flatMap((m) =>
    m.statements
      .filter((s) => s.parsed.kind === 'UpdateStmt' || s.parsed.kind === 'DeleteStmt')
      .map((s) => ({ file: m.migration.file, index: s.index, sql: s.sql })),
  );
  if (writes.length === 0) return out;
  await db.query('BEGIN READ WRITE');
  try {
    await db.query("SET LOCAL lock_timeout = '1s'");
    for (const w of writes) {
      await db.query('SAVEPOINT deployctl_estimate');
      try {
        const res = await db.query<{ 'QUERY PLAN': { Plan: { 'Plan Rows': number; Plans?: unknown[] } }[] }>(
          `EXPLAIN (FORMAT JSON) ${w.sql}`,
        );
        const rows = modifiedRows(res.rows[0]?.['QUERY PLAN']?.[0]?.Plan);
        if (rows !== undefined) {
          const perFile = out.get(w.file) ?? new Map<number, number>();
          perFile.set(w.index, rows);
          out.set(w.file, perFile);
        }
        await db.query('RELEASE SAVEPOINT deployctl_estimate');
      } catch {
        await db.query('ROLLBACK TO SAVEPOINT deployctl_estimate');
      }
    }
  } finally {
    await db.query('ROLLBACK');
  }
  return out;
}

/**
 * The rows the write touches: the ModifyTable node's own estimate is 0 (it returns nothing), so
 * the estimate of the plan that feeds it counts.
 */
function modifiedRows(plan: { 'Plan Rows': number; Plans?: unknown[] } | undefined): number | undefined {
  if (!plan) return undefined;
  const child = plan.Plans?.[0] as { 'Plan Rows': number } | undefined;
  return child ? child['Plan Rows'] : plan['Plan Rows'];
}
