import type { CreateFunctionStmt } from 'libpg-query';
import { as, nameList } from '../sql/ast.js';
import { parseSql } from '../sql/parse.js';
import { strongestQueryLock, type QueryLock } from './support/query-locks.js';
import type { Rule } from './rule.js';

/**
 * CREATE FUNCTION / PROCEDURE adds a routine the old code does not call: no table lock
 * (measured on PostgreSQL 15: only object locks on the namespace and the function) — except for
 * a LANGUAGE sql body, which PostgreSQL parses at creation (check_function_bodies), taking the
 * locks its statements would: ROW EXCLUSIVE on a table it writes, ACCESS SHARE on one it reads
 * (found by `deployctl trace`). A body still does nothing until called, so `DROP TABLE` inside
 * a body is not a drop. CREATE OR REPLACE is different in kind: the old code's next call runs the new
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
    const parsed = sqlBodyLock(fn);
    return [
      { rule: this.id, phase: 'pre', message, ...(parsed ? { lock: parsed.lock, relation: parsed.relation } : {}) },
    ];
  },
  examples: {
    fires: [
      "CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql AS 'SELECT i + 1'",
      'CREATE OR REPLACE FUNCTION audit.cleanup() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE scratch; END $$',
      'CREATE PROCEDURE "Batch"() LANGUAGE sql AS $body$ UPDATE t SET a = 1 $body$',
    ],
    silent: ['DROP FUNCTION f()', 'DO $$ BEGIN PERFORM 1; END $$'],
  },
};

const QUERY_KINDS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** The strongest lock PostgreSQL takes parsing a LANGUAGE sql body; undefined for other languages. */
function sqlBodyLock(fn: CreateFunctionStmt): QueryLock | undefined {
  const option = (name: string) => (fn.options ?? []).map((o) => as(o, 'DefElem')).find((d) => d?.defname === name);
  if (as(option('language')?.arg, 'String')?.sval !== 'sql') return undefined;
  const body = nameList(as(option('as')?.arg, 'List')?.items)[0];
  if (body !== undefined) {
    try {
      // Utility statements in the body (TRUNCATE, DDL) are not analysed at creation: no lock.
      const queries = parseSql(body, 'function body').statements.filter((st) => QUERY_KINDS.has(st.kind));
      return strongestQueryLock(queries.map((st) => st.node));
    } catch {
      return undefined;
    }
  }
  // SQL-standard body (BEGIN ATOMIC … END / RETURN …): already parsed with the statement.
  return strongestQueryLock(fn.sql_body);
}
