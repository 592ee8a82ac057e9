/**
 * A driven backfill: a migration marked `-- deployctl:backfill <key> [rows]` holds one UPDATE or
 * DELETE whose WHERE takes the batch's key range as parameters, `$1` exclusive and `$2` inclusive:
 *
 *   -- deployctl:backfill id 10000
 *   UPDATE orders SET currency = 'EUR' WHERE id > $1 AND id <= $2 AND currency IS NULL;
 *
 * deployctl runs it once per key range, from the table's smallest key to its largest, each batch
 * in its own short transaction together with the key it reached, so a stopped backfill resumes
 * after its last committed batch. The statement must be safe to repeat on a range (a condition
 * such as `currency IS NULL`), since a batch that failed to commit runs again.
 */
import { as, qualifiedName } from '../sql/ast.js';
import type { ParsedStatement } from '../sql/parse.js';
import { isTransactionControl } from '../sql/transaction.js';
import { walk } from '../rules/support/volatility.js';

export interface BackfillStatement {
  statement: ParsedStatement;
  /** The table the statement writes, as written. */
  table: string;
}

/** The statement a backfill migration runs per batch, or why the migration is not one. */
export function backfillStatement(
  statements: readonly ParsedStatement[],
  key: string,
): { ok: true; backfill: BackfillStatement } | { ok: false; why: string } {
  const real = statements.filter((s) => !isTransactionControl(s));
  if (real.length !== 1)
    return {
      ok: false,
      why: `a backfill migration holds exactly one UPDATE or DELETE (found ${real.length} statements)`,
    };
  const s = real[0]!;
  const stmt = as(s.node, 'UpdateStmt') ?? as(s.node, 'DeleteStmt');
  if (!stmt) return { ok: false, why: `a backfill migration holds one UPDATE or DELETE, not ${s.kind}` };
  const params = new Set<number>();
  walk(s.node, (n) => {
    const ref = as(n, 'ParamRef');
    if (ref) params.add(ref.number ?? 0);
  });
  if (!params.has(1) || !params.has(2) || params.size !== 2)
    return {
      ok: false,
      why: `its WHERE must take the batch's key range as $1 and $2 and no other parameter, e.g. WHERE ${key} > $1 AND ${key} <= $2 AND <your condition>`,
    };
  return { ok: true, backfill: { statement: s, table: qualifiedName(stmt.relation) } };
}

/** Keys covered so far as a share of the whole range, 0…1. */
export function backfillShare(fromKey: number, doneKey: number, lastKey: number): number {
  if (lastKey <= fromKey) return 1;
  return Math.min(1, Math.max(0, (doneKey - fromKey) / (lastKey - fromKey)));
}
