import type { Node } from 'libpg-query';
import { as } from '../sql/ast.js';
import type { ParsedStatement } from '../sql/parse.js';
import { mustRunOutsideTransaction } from '../sql/transaction.js';
import { isSessionOnly } from './support/objects.js';
import type { Finding, Rule } from './rule.js';

/**
 * A CONCURRENTLY statement (and anything else PostgreSQL refuses inside a transaction block:
 * VACUUM, DETACH PARTITION … CONCURRENTLY, ALTER TYPE … ADD VALUE before 12) makes its migration
 * run statement by statement without a transaction. That is about how the file runs, not about
 * its hazard: every statement keeps the phase its own rules give it (`ADD COLUMN x; CREATE INDEX
 * CONCURRENTLY … (x)` is pre, pre), and the executor records each statement that succeeded, so a
 * retry in the same run continues after it. What remains is a repeat across runs: if a later
 * statement fails and the migration is run again, every statement before it runs again. A
 * statement that fails the second time (CREATE TABLE without IF NOT EXISTS, ADD COLUMN without
 * IF NOT EXISTS) would then block the migration for good — a warning on that statement, which
 * does not change its phase. An explicit BEGIN beside such a statement makes PostgreSQL reject it
 * ("cannot run inside a transaction block"): that is unsafe.
 */
export const concurrentlyInTransaction: Rule = {
  id: 'concurrently-in-transaction',
  summary: 'Files that run without a transaction: BEGIN beside CONCURRENTLY; statements that cannot be repeated',
  check(s, ctx) {
    const outside = ctx.statements.filter((o) => mustRunOutsideTransaction(o, ctx.serverVersion));
    if (outside.length === 0) return [];
    const findings: Finding[] = [];
    if (outside.includes(s) && ctx.statements.some(isBegin)) {
      findings.push({
        rule: this.id,
        phase: 'unsafe',
        message:
          'This statement cannot run inside a transaction block, but the file opens one with BEGIN: PostgreSQL rejects it ("cannot run inside a transaction block").',
        fix: `Remove BEGIN/COMMIT from the file (deployctl runs it statement by statement), or put this statement alone in its own migration file, e.g.\n  -- 0007_build_index.sql\n  ${s.sql};`,
      });
    }
    const later = outside.find((o) => o.index > s.index);
    if (later && !isSessionOnly(s) && !isBegin(s) && !isCommit(s) && !repeatable(s.node)) {
      findings.push({
        rule: this.id,
        phase: 'pre',
        advisory: true,
        message: `Warning (does not change the phase): the file runs without a transaction because of line ${later.line}; if a later statement fails and the migration is run again, this statement runs again and fails the second time.`,
        fix: 'Make it safe to repeat (IF NOT EXISTS / IF EXISTS / CREATE OR REPLACE), or move it to its own migration file before this one.',
      });
    }
    return findings;
  },
  examples: {
    fires: [
      'BEGIN; DROP INDEX CONCURRENTLY "Shop".old_idx; COMMIT',
      'ALTER TABLE t ADD COLUMN b int; CREATE INDEX CONCURRENTLY i ON t (b)',
      'CREATE TABLE u (id int); VACUUM ANALYZE u',
      'CREATE INDEX CONCURRENTLY i1 ON t (a); CREATE INDEX CONCURRENTLY i2 ON t (b)',
    ],
    silent: [
      "SET lock_timeout = '2s'; CREATE INDEX CONCURRENTLY i ON t (a)",
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS i1 ON t (a); CREATE INDEX CONCURRENTLY i2 ON t (b)',
      'ALTER TABLE t ADD COLUMN IF NOT EXISTS b int; CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (b)',
      'CREATE INDEX i ON t (a); CREATE TABLE u (id int)',
      "ALTER TYPE s ADD VALUE 'x'; CREATE TABLE u (id int)",
    ],
  },
};

function isBegin(s: ParsedStatement): boolean {
  const kind = as(s.node, 'TransactionStmt')?.kind;
  return kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START';
}

/** A trailing COMMIT/END after a non-transactional statement is only a warning in PostgreSQL. */
function isCommit(s: ParsedStatement): boolean {
  return as(s.node, 'TransactionStmt')?.kind === 'TRANS_STMT_COMMIT';
}

/**
 * Whether running the statement a second time succeeds: reads, data changes (they do not fail
 * on repeat), and DDL written with IF [NOT] EXISTS / OR REPLACE. Anything else is assumed to fail.
 */
function repeatable(n: Node): boolean {
  if (as(n, 'SelectStmt') || as(n, 'UpdateStmt') || as(n, 'DeleteStmt') || as(n, 'VacuumStmt')) return true;
  if (as(n, 'CreateStmt')?.if_not_exists || as(n, 'IndexStmt')?.if_not_exists) return true;
  if (as(n, 'CreateSeqStmt')?.if_not_exists || as(n, 'CreateExtensionStmt')?.if_not_exists) return true;
  if (as(n, 'CreateSchemaStmt')?.if_not_exists || as(n, 'CreateTableAsStmt')?.if_not_exists) return true;
  if (as(n, 'DropStmt')?.missing_ok) return true;
  if (as(n, 'CreateFunctionStmt')?.replace || as(n, 'ViewStmt')?.replace) return true;
  if (as(n, 'CommentStmt') || as(n, 'GrantStmt') || as(n, 'ReindexStmt') || as(n, 'RefreshMatViewStmt')) return true;
  const alter = as(n, 'AlterTableStmt');
  if (alter) {
    return (alter.cmds ?? []).every((c) => {
      const cmd = as(c, 'AlterTableCmd');
      // ADD/DROP COLUMN IF [NOT] EXISTS and DROP CONSTRAINT IF EXISTS set missing_ok; settings and defaults repeat.
      return (
        cmd?.missing_ok === true ||
        ['AT_ColumnDefault', 'AT_DropNotNull', 'AT_SetNotNull', 'AT_AlterColumnType', 'AT_SetStatistics'].includes(
          cmd?.subtype ?? '',
        )
      );
    });
  }
  return false;
}
