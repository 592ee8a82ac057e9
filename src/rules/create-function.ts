import { as, nameList } from '../sql/ast.js';
import type { Rule } from './rule.js';

/**
 * CREATE FUNCTION / PROCEDURE adds a routine the old code does not call: no table lock
 * (measured on PostgreSQL 15: only object locks on the namespace and the function). The body is
 * an opaque string to deployctl and to PostgreSQL until it runs, so `DROP TABLE` inside a body
 * is not a drop. CREATE OR REPLACE is different in kind: the old code's next call runs the new
 * body, so it must still do what the old code expects (same arguments, same result shape) —
 * a changed contract needs a new function name, with the old one dropped after the rollout.
 */
export const createFunction: Rule = {
  id: 'create-function',
  summary: 'CREATE [OR REPLACE] FUNCTION / PROCEDURE: no table lock; OR REPLACE changes what old code calls',
  kinds: ['CreateFunctionStmt'],
  check(s) {
    const fn = as(s.node, 'CreateFunctionStmt');
    if (!fn) return [];
    const kind = fn.is_procedure ? 'PROCEDURE' : 'FUNCTION';
    const name = nameList(fn.funcname).join('.');
    const message = fn.replace
      ? `CREATE OR REPLACE ${kind} ${name}: takes no table lock, but the old code's next call runs the new body. Keep its arguments and results compatible with the old code; for a changed contract create a function with a new name and drop the old one after the rollout.`
      : `CREATE ${kind} ${name}: a new routine the old code does not call; no table lock.`;
    return [{ rule: this.id, phase: 'pre', message }];
  },
  examples: {
    fires: [
      "CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql AS 'SELECT i + 1'",
      'CREATE OR REPLACE FUNCTION audit.cleanup() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE scratch; END $$',
      "CREATE PROCEDURE \"Batch\"() LANGUAGE sql AS $body$ UPDATE t SET a = 1 $body$",
    ],
    silent: ['DROP FUNCTION f()', 'DO $$ BEGIN PERFORM 1; END $$'],
  },
};
