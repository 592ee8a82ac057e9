import { as } from '../sql/ast.js';
import type { ParsedStatement } from '../sql/parse.js';
import { mustRunOutsideTransaction } from '../sql/transaction.js';
import { isSessionOnly } from './support/objects.js';
import type { Rule } from './rule.js';

/**
 * A CONCURRENTLY statement (and anything else PostgreSQL refuses inside a transaction block:
 * VACUUM, ALTER TYPE … ADD VALUE before 12) makes its whole migration run statement by statement
 * without a transaction. Any other substantive statement beside it then commits on its own, so a
 * failure half-way (a lock timeout, a duplicate key in a UNIQUE build) leaves the migration
 * half-applied and the ledger unable to say which half; an explicit BEGIN makes PostgreSQL
 * reject the statement outright. SET / RESET / SHOW beside it are harmless.
 */
export const concurrentlyInTransaction: Rule = {
  id: 'concurrently-in-transaction',
  summary: 'A statement that cannot run in a transaction, sharing its migration with others',
  check(s, ctx) {
    if (!mustRunOutsideTransaction(s, ctx.serverVersion)) return [];
    const all = substantive(ctx.statements);
    // `s` itself is substantive, so it is one of `all`: the others are the rest.
    const count = all.length - 1;
    if (count === 0) return [];
    const first = all[0] === s ? all[1]! : all[0]!;
    return [
      {
        rule: this.id,
        phase: 'unsafe',
        message: `This statement cannot run inside a transaction, so the migration runs without one; it shares the file with ${count} other statement(s) (first: line ${first.line}), and a failure half-way would leave it half-applied.`,
        fix: `Put this statement alone in its own migration file (SET lock_timeout and similar session settings may stay), e.g.\n  -- 0007_build_index.sql\n  ${s.sql};\nand move the other statements to the files before or after it.`,
      },
    ];
  },
  examples: {
    fires: [
      'CREATE INDEX CONCURRENTLY i ON t (a); ALTER TABLE t ADD COLUMN b int',
      'CREATE INDEX CONCURRENTLY i1 ON t (a); CREATE INDEX CONCURRENTLY i2 ON t (b)',
      'BEGIN; DROP INDEX CONCURRENTLY "Shop".old_idx; COMMIT',
      'UPDATE t SET a = 1 WHERE id < 100; VACUUM ANALYZE t',
    ],
    silent: [
      "SET lock_timeout = '2s'; CREATE INDEX CONCURRENTLY i ON t (a)",
      'CREATE INDEX i ON t (a); CREATE TABLE u (id int)',
      "ALTER TYPE s ADD VALUE 'x'; CREATE TABLE u (id int)",
    ],
  },
};

const substantiveCache = new WeakMap<readonly ParsedStatement[], ParsedStatement[]>();

/** The migration's statements other than session settings and COMMIT, computed once per migration. */
function substantive(statements: readonly ParsedStatement[]): ParsedStatement[] {
  let list = substantiveCache.get(statements);
  if (!list) {
    list = statements.filter((o) => !isSessionOnly(o) && !isCommit(o));
    substantiveCache.set(statements, list);
  }
  return list;
}

/**
 * A trailing COMMIT/END after a non-transactional statement is a no-op warning in PostgreSQL;
 * BEGIN and START TRANSACTION are not, so they count as neighbours.
 */
function isCommit(s: ParsedStatement): boolean {
  const kind = as(s.node, 'TransactionStmt')?.kind;
  return kind === 'TRANS_STMT_COMMIT';
}
