/**
 * The table locks a query takes as soon as PostgreSQL parses it: ROW EXCLUSIVE on the table an
 * INSERT, UPDATE, DELETE or MERGE writes, ACCESS SHARE on every other table it reads (read from
 * pg_locks with `deployctl trace` on PostgreSQL 15 and 18). Used for plain reads, for the query
 * of a view, and for LANGUAGE sql function bodies, which PostgreSQL parses when the function
 * is created.
 */
import type { Node } from 'libpg-query';
import { as, qualifiedName } from '../../sql/ast.js';
import { strongerLock, type LockMode } from '../rule.js';
import { walk } from './volatility.js';

export interface QueryLock {
  relation: string;
  lock: LockMode;
}

/** The strongest lock the query takes and on which table (the first one named, on a tie). */
export function strongestQueryLock(node: unknown): QueryLock | undefined {
  const ctes = new Set<string>();
  walk(node, (n) => {
    const cte = as(n, 'CommonTableExpr');
    if (cte?.ctename) ctes.add(cte.ctename);
  });
  let best: QueryLock | undefined;
  const consider = (relation: string, lock: LockMode): void => {
    if (!relation || relation.startsWith('pg_') || ctes.has(relation)) return;
    if (!best || strongerLock(best.lock, lock) !== best.lock) best = { relation, lock };
  };
  walk(node, (n: Node) => {
    const target =
      as(n, 'InsertStmt')?.relation ??
      as(n, 'UpdateStmt')?.relation ??
      as(n, 'DeleteStmt')?.relation ??
      as(n, 'MergeStmt')?.relation;
    if (target) consider(qualifiedName(target), 'RowExclusiveLock');
    const read = as(n, 'RangeVar');
    if (read) consider(qualifiedName(read), 'AccessShareLock');
  });
  return best;
}
