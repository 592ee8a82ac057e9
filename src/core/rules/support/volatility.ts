/**
 * Whether a DEFAULT expression is volatile. Since PostgreSQL 11, ADD COLUMN with a non-volatile
 * default stores the value once in the catalog (no rewrite); a volatile one (random(),
 * clock_timestamp(), nextval(), gen_random_uuid()…) must be computed per row, so the table is
 * rewritten under ACCESS EXCLUSIVE. PostgreSQL decides this from `pg_proc.provolatile`, and so
 * does deployctl when a database was read (a function created by the same migration counts with
 * the volatility its CREATE FUNCTION declares, VOLATILE when it declares none). Without a
 * database only the list below counts as non-volatile. A function that neither knows is treated
 * as volatile: guessing "stable" would hide a rewrite.
 */
import type { Node } from 'libpg-query';
import { as, nameList } from '../../sql/ast.js';
import type { RuleContext } from '../rule.js';

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
  /** How that was decided, for the message: `pg_proc says volatile`, `not in the catalog`… */
  how?: string;
}

type Provolatile = 'i' | 's' | 'v';

/** Volatility of a call as PostgreSQL would resolve it; undefined when unknown. */
function lookup(
  names: string[],
  ctx: Pick<RuleContext, 'catalog' | 'statements'> | undefined,
): Provolatile | undefined {
  const wanted = names.map((n) => n.toLowerCase());
  for (const st of ctx?.statements ?? []) {
    const create = as(st.node, 'CreateFunctionStmt');
    if (!create) continue;
    const created = nameList(create.funcname).map((n) => n.toLowerCase());
    const same =
      wanted.length === 1 ? created[created.length - 1] === wanted[0] : created.join('.') === wanted.join('.');
    if (!same) continue;
    const option = (create.options ?? []).map((o) => as(o, 'DefElem')).find((d) => d?.defname === 'volatility');
    const declared = as(option?.arg, 'String')?.sval;
    return declared === 'immutable' ? 'i' : declared === 'stable' ? 's' : 'v';
  }
  const known = ctx?.catalog?.functionVolatility;
  if (!known) return undefined;
  if (wanted.length > 1) return known[wanted.join('.')];
  return known[`pg_catalog.${wanted[0]!}`] ?? known[`public.${wanted[0]!}`];
}

/**
 * Whether `expr` is volatile. `ctx` gives the catalog's `pg_proc` volatility and the migration's
 * own CREATE FUNCTION statements; without a catalog, the static list decides.
 */
export function defaultVolatility(
  expr: Node | undefined,
  ctx?: Pick<RuleContext, 'catalog' | 'statements'>,
): Volatility {
  if (!expr) return { volatile: false };
  const fromCatalog = ctx?.catalog?.functionVolatility !== undefined;
  let found: Volatility = { volatile: false };
  walk(expr, (node) => {
    const call = as(node, 'FuncCall');
    if (call && !found.volatile) {
      const names = nameList(call.funcname);
      const because = `${names.join('.')}()`;
      const known = lookup(names, ctx);
      if (known === 'v')
        found = { volatile: true, because, how: fromCatalog ? 'pg_proc says volatile' : 'declared VOLATILE' };
      else if (known === undefined) {
        const name = names[names.length - 1] ?? '';
        if (fromCatalog) found = { volatile: true, because, how: 'not found in pg_proc, so assumed volatile' };
        else if ((names.length > 1 && names[0] !== 'pg_catalog') || !NOT_VOLATILE.has(name.toLowerCase()))
          found = {
            volatile: true,
            because,
            how: 'not on the list of non-volatile functions deployctl knows without a database',
          };
      }
    }
    if (as(node, 'SubLink') && !found.volatile)
      found = { volatile: true, because: 'a subquery', how: 'always volatile' };
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
