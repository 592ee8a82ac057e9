import type { Rule } from './rule.js';

const SESSION_KINDS = new Set(['VariableSetStmt', 'TransactionStmt', 'VariableShowStmt']);

/**
 * SET, RESET, SHOW, BEGIN and COMMIT change only the session running the migration: no lock on
 * any table, nothing the old code can notice. They are `pre` and neutral — they never make a
 * migration mixed. `SET lock_timeout` is in fact what makes the other statements safe to retry.
 */
export const sessionStatement: Rule = {
  id: 'session-statement',
  summary: 'SET / RESET / BEGIN / COMMIT: session-only, neutral',
  kinds: ['TransactionStmt', 'VariableSetStmt', 'VariableShowStmt'],
  check(s) {
    if (!SESSION_KINDS.has(s.kind)) return [];
    return [
      {
        rule: 'session-statement',
        phase: 'pre',
        message: "Session statement: affects only the migration's own connection.",
      },
    ];
  },
  examples: {
    fires: ["SET lock_timeout = '2s'", 'BEGIN; COMMIT', 'RESET statement_timeout'],
    silent: ['CREATE TABLE t (id int)'],
  },
};
