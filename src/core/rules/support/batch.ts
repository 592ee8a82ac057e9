/**
 * When is an UPDATE / DELETE one bounded batch? A WHERE clause alone is not a bound:
 * `WHERE col IS NULL`, a join, `NOT IN (subquery)` or a condition every row meets write the whole
 * table in one transaction. A statement counts as a batch only when one of the conditions ANDed
 * at the top of its WHERE limits it to a known slice of rows:
 *
 * - a key range with both ends: `id BETWEEN $1 AND $2`, `id >= 1 AND id < 10001`;
 * - a list of keys: `id = 42`, `id IN (1, 2, 3)`, `id = ANY($1)`, `ctid = ANY(ARRAY[…])`;
 * - a LIMIT-ed subquery: `id IN (SELECT id … LIMIT n)`, `ctid = ANY(ARRAY(SELECT ctid … LIMIT n))`.
 *
 * (An equality on a constant bounds the statement to the rows that share that value; that is a
 * batch when the column is a key, which is the case in seed-data edits. With a database the
 * planner's estimate, read by `plan`, settles it.)
 */
import type { Node } from 'libpg-query';
import { BATCH_MAX_ROWS, describeSize } from '../../schema/facts.js';
import { as, nameList } from '../../sql/ast.js';
import type { ParsedStatement } from '../../sql/parse.js';
import type { RuleContext } from '../rule.js';
import { walk } from './volatility.js';

/** How the WHERE bounds the statement ("key range on id"), or undefined when it does not. */
export function batchBound(where: Node | undefined): string | undefined {
  if (!where) return undefined;
  const conjuncts = andArgs(where);
  const lower = new Set<string>();
  const upper = new Set<string>();
  for (const c of conjuncts) {
    const expr = as(c, 'A_Expr');
    const sub = as(c, 'SubLink');
    if (sub?.subLinkType === 'ANY_SUBLINK' && limited(sub.subselect)) return 'a LIMIT-ed subquery';
    if (!expr) continue;
    const column = columnOf(expr.lexpr);
    if (!column) continue;
    const op = nameList(expr.name)[0];
    if (expr.kind === 'AEXPR_BETWEEN' && constantList(expr.rexpr)) return `a key range on ${column}`;
    if (expr.kind === 'AEXPR_IN' && op === '=' && constantList(expr.rexpr)) return `a list of ${column} values`;
    if (expr.kind === 'AEXPR_OP_ANY' && op === '=') {
      const arraySub = as(expr.rexpr, 'SubLink');
      if (arraySub) {
        if (arraySub.subLinkType === 'ARRAY_SUBLINK' && limited(arraySub.subselect)) return 'a LIMIT-ed subquery';
        continue;
      }
      if (constant(expr.rexpr)) return `a list of ${column} values`;
      continue;
    }
    if (expr.kind !== 'AEXPR_OP' || !constant(expr.rexpr)) continue;
    if (op === '=') return `${column} = a constant`;
    if (op === '>' || op === '>=') lower.add(column);
    if (op === '<' || op === '<=') upper.add(column);
    if (lower.has(column) && upper.has(column)) return `a key range on ${column}`;
  }
  return undefined;
}

function andArgs(node: Node): Node[] {
  const bool = as(node, 'BoolExpr');
  if (bool?.boolop === 'AND_EXPR') return (bool.args ?? []).flatMap(andArgs);
  return [node];
}

function columnOf(node: Node | undefined): string | undefined {
  const ref = as(node, 'ColumnRef');
  if (!ref) return undefined;
  const names = nameList(ref.fields);
  return names[names.length - 1];
}

/** An expression that reads no column of the row: a constant, a parameter, now() - interval… */
function constant(node: Node | undefined): boolean {
  if (!node) return false;
  let free = true;
  walk(node, (n) => {
    if (as(n, 'ColumnRef') || as(n, 'SubLink')) free = false;
  });
  return free;
}

function constantList(node: Node | undefined): boolean {
  const list = as(node, 'List');
  return list !== undefined && (list.items ?? []).every(constant);
}

/** A subquery whose result is capped by LIMIT (a FETCH FIRST too). */
function limited(node: Node | undefined): boolean {
  const select = as(node, 'SelectStmt');
  return select?.limitCount !== undefined && as(select.limitCount, 'A_Const')?.isnull !== true;
}

export interface WriteExtent {
  /** One short batch: row locks held briefly. */
  bounded: boolean;
  /** Why, for the message: "the planner estimates 120 rows", "a key range on id"… */
  reason: string;
}

/**
 * How much of its table an UPDATE / DELETE writes. The planner's estimate (read with `EXPLAIN`,
 * never executed) decides when there is one; else a bound in the WHERE clause; else the
 * catalog's row count of a small table. Anything else is the whole table, as far as anyone can tell.
 */
export function writeExtent(s: ParsedStatement, where: Node | undefined, table: string, ctx: RuleContext): WriteExtent {
  const estimate = ctx.estimatedRows?.(s.index);
  if (estimate !== undefined) {
    const rows = `the planner estimates ${Math.round(estimate).toLocaleString('en-US')} rows`;
    return { bounded: estimate <= BATCH_MAX_ROWS, reason: rows };
  }
  const bound = batchBound(where);
  if (bound) return { bounded: true, reason: `the WHERE clause bounds it by ${bound}` };
  const facts = ctx.table(table);
  if (facts && facts.rowEstimate >= 0 && facts.rowEstimate <= BATCH_MAX_ROWS)
    return { bounded: true, reason: `the table is small (${describeSize(facts)})` };
  return {
    bounded: false,
    reason: where
      ? 'its WHERE clause is no key range, key list or LIMIT-ed subquery, so it may match every row'
      : 'it has no WHERE clause',
  };
}
