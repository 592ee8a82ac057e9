/**
 * Whether a DEFAULT expression is volatile. Since PostgreSQL 11, ADD COLUMN with a non-volatile
 * default stores the value once in the catalog (no rewrite); a volatile one (random(),
 * clock_timestamp(), nextval(), gen_random_uuid()…) must be computed per row, so the table is
 * rewritten under ACCESS EXCLUSIVE. A function this list does not know is treated as volatile:
 * guessing "stable" would hide a rewrite.
 */
import type { Node } from 'libpg-query';
import { as, nameList } from '../../sql/ast.js';

const NOT_VOLATILE = new Set([
  'now',
  'current_timestamp',
  'current_date',
  'current_time',
  'localtimestamp',
  'localtime',
  'transaction_timestamp',
  'statement_timestamp',
  'lower',
  'upper',
  'coalesce',
  'nullif',
  'greatest',
  'least',
  'length',
  'concat',
  'md5',
  'to_jsonb',
  'to_json',
  'jsonb_build_object',
  'json_build_object',
  'jsonb_build_array',
  'array_length',
  'abs',
  'round',
  'floor',
  'ceil',
  'make_interval',
  'make_date',
  'make_timestamp',
  'make_timestamptz',
  'current_user',
  'session_user',
  'current_schema',
  'timezone',
  'date_trunc',
  'btrim',
  'trim',
  'substring',
  'replace',
]);

export interface Volatility {
  volatile: boolean;
  /** The function that made it volatile (or unknown), for the message. */
  because?: string;
}

export function defaultVolatility(expr: Node | undefined): Volatility {
  if (!expr) return { volatile: false };
  let found: Volatility = { volatile: false };
  walk(expr, (node) => {
    const call = as(node, 'FuncCall');
    if (call && !found.volatile) {
      const names = nameList(call.funcname);
      const name = names[names.length - 1] ?? '';
      if (!NOT_VOLATILE.has(name.toLowerCase())) found = { volatile: true, because: `${names.join('.')}()` };
    }
    if (as(node, 'SubLink') && !found.volatile) found = { volatile: true, because: 'a subquery' };
  });
  return found;
}

/** Visits every node object in an AST subtree. */
export function walk(node: unknown, visit: (n: Node) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const keys = Object.keys(node);
  if (keys.length === 1 && /^[A-Z]/.test(keys[0]!)) visit(node as Node);
  for (const value of Object.values(node)) walk(value, visit);
}
