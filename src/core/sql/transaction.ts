/**
 * Statements PostgreSQL refuses inside a transaction block ("cannot run inside a transaction
 * block"). A migration containing one runs statement by statement, outside a transaction.
 */
import type { ParsedStatement } from './parse.js';
import { as } from './ast.js';

export function mustRunOutsideTransaction(s: ParsedStatement, serverVersion: number): boolean {
  const n = s.node;
  if (as(n, 'IndexStmt')?.concurrent) return true;
  if (as(n, 'DropStmt')?.concurrent) return true;
  // DETACH PARTITION … CONCURRENTLY commits between its two phases.
  const alter = as(n, 'AlterTableStmt');
  if ((alter?.cmds ?? []).some((c) => as(as(c, 'AlterTableCmd')?.def, 'PartitionCmd')?.concurrent === true))
    return true;
  if (as(n, 'VacuumStmt')?.is_vacuumcmd) return true;
  const reindex = as(n, 'ReindexStmt');
  if (reindex && (reindex.params ?? []).some((p) => as(p, 'DefElem')?.defname === 'concurrently')) return true;
  // Each of these processes many tables, one transaction per table.
  if (
    reindex &&
    ['REINDEX_OBJECT_SCHEMA', 'REINDEX_OBJECT_SYSTEM', 'REINDEX_OBJECT_DATABASE'].includes(reindex.kind ?? '')
  )
    return true;
  const cluster = as(n, 'ClusterStmt');
  if (cluster && !cluster.relation) return true;
  if (as(n, 'CreatedbStmt') || as(n, 'DropdbStmt')) return true;
  // ALTER TYPE … ADD VALUE became legal in a transaction block in PostgreSQL 12.
  if (as(n, 'AlterEnumStmt')?.newVal && serverVersion < 120000) return true;
  return false;
}

/** Names of the `BEGIN`/`COMMIT` family, which a runner that owns the transaction must not see. */
export function isTransactionControl(s: ParsedStatement): boolean {
  return s.kind === 'TransactionStmt';
}
