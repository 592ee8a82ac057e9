import type { Rule } from './rule.js';

const SESSION_KINDS = new Set(['VariableSetStmt', 'TransactionStmt', 'VariableShowStmt', 'ConstraintsSetStmt']);

/**
 * SET, RESET, SHOW, BEGIN and COMMIT change only the session running the migration: no lock on
 * any table, nothing the old code can notice. They are `pre` and neutral — they never make a
 * migration mixed. `SET lock_timeout` is in fact what makes the other statements safe to retry.
 *
 * `SET CONSTRAINTS … IMMEDIATE | DEFERRED` is neutral for the same reason: it only changes *when*
 * the current transaction checks its own deferrable constraints (unique, primary key, foreign key,
 * exclusion declared DEFERRABLE), at commit or at the end of each statement. It takes no
 * relation lock (pg_locks shows none for the backend after it runs), other sessions are
 * unaffected, and the setting ends with the transaction. Switching to IMMEDIATE runs the pending
 * checks at once, so a violation fails the migration earlier than COMMIT would — inside its own
 * transaction, which rolls back as a whole either way. (Outside a transaction block PostgreSQL
 * only warns and it has no effect.)
 *
 * Disabling `lock_timeout` is not neutral: the rule `disable-lock-timeout` fires on it as well.
 */
export const sessionStatement: Rule = {
  id: 'session-statement',
  summary: 'SET / RESET / SET CONSTRAINTS / BEGIN / COMMIT: session-only, neutral',
  kinds: ['TransactionStmt', 'VariableSetStmt', 'VariableShowStmt', 'ConstraintsSetStmt'],
  check(s) {
    if (!SESSION_KINDS.has(s.kind)) return [];
    return [
      {
        rule: 'session-statement',
        phase: 'pre',
        message:
          s.kind === 'ConstraintsSetStmt'
            ? "SET CONSTRAINTS: changes when this migration's own transaction checks deferrable constraints; no lock."
            : "Session statement: affects only the migration's own connection.",
      },
    ];
  },
  examples: {
    fires: [
      "SET lock_timeout = '2s'",
      'BEGIN; COMMIT',
      'RESET statement_timeout',
      'SET CONSTRAINTS ALL IMMEDIATE',
      'SET CONSTRAINTS ALL DEFERRED',
      'BEGIN; SET CONSTRAINTS ALL DEFERRED; COMMIT',
    ],
    silent: ['CREATE TABLE t (id int)'],
  },
};
