import { as, nameList } from '../sql/ast.js';
import type { Rule } from './rule.js';

/**
 * ALTER FUNCTION / PROCEDURE / ROUTINE changes a routine's attributes (SECURITY DEFINER,
 * search_path and other SET options, volatility, cost, parallel safety). It locks only the routine
 * object, no table (measured on PostgreSQL 15). The old code's next call runs with the new
 * attributes, which are meant to keep its result the same: `pre`. (RENAME is a separate statement.)
 */
export const alterFunction: Rule = {
  id: 'alter-function',
  summary: "ALTER FUNCTION … (attributes): no table lock, applies to the old code's calls",
  kinds: ['AlterFunctionStmt'],
  check(s) {
    const stmt = as(s.node, 'AlterFunctionStmt');
    if (!stmt) return [];
    const name = nameList(stmt.func?.objname).join('.');
    return [
      {
        rule: this.id,
        phase: 'pre',
        message: `ALTER FUNCTION ${name}: no table lock; the old code's next call runs with the new attributes, so they must not change what it returns.`,
      },
    ];
  },
  examples: {
    fires: [
      'ALTER FUNCTION add_one(int) SECURITY DEFINER',
      'ALTER FUNCTION "Shop".total() SET search_path = shop, public',
      "ALTER PROCEDURE p() SET work_mem = '64MB'",
    ],
    silent: ['CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', 'DROP FUNCTION f()'],
  },
};
