/**
 * Which columns of a CHECK constraint the old code can make it reject just by leaving them NULL.
 *
 * A CHECK passes when its expression is true or NULL, and fails only when it is false. Almost
 * every expression over a NULL column is NULL (comparisons, arithmetic, strict functions), so
 * `CHECK (qty > 0)` accepts a row whose qty is NULL. Only NULL-aware constructs turn a NULL into
 * false: `IS [NOT] NULL`, `IS [NOT] TRUE/FALSE/UNKNOWN`, `IS [NOT] DISTINCT FROM`, COALESCE,
 * CASE, and non-strict functions (num_nonnulls…). So the expression is evaluated in PostgreSQL's
 * three-valued logic over sets of possible values — the column in question NULL, every other
 * column anything — and the column counts when `false` is possible. Anything not modelled
 * evaluates to "any value", which errs towards reporting a violation.
 */
import type { Node } from 'libpg-query';
import { as, nameList } from '../../sql/ast.js';

type Truth = 'T' | 'F' | 'N';
type Values = ReadonlySet<Truth>;

const ANY: Values = new Set<Truth>(['T', 'F', 'N']);
const NULL: Values = new Set<Truth>(['N']);
const NOT_NULL: Values = new Set<Truth>(['T', 'F']);

/** Built-in functions that return NULL on a NULL argument (`pg_proc.proisstrict`), commonly found in checks. */
const STRICT = new Set([
  'length',
  'char_length',
  'character_length',
  'octet_length',
  'lower',
  'upper',
  'btrim',
  'ltrim',
  'rtrim',
  'trim',
  'abs',
  'round',
  'trunc',
  'floor',
  'ceil',
  'substring',
  'substr',
  'position',
  'strpos',
  'left',
  'right',
  'array_length',
  'cardinality',
  'jsonb_typeof',
  'json_typeof',
  'date_part',
  'extract',
  'regexp_like',
  'starts_with',
]);

/** The columns among `candidates` whose being NULL (alone, or all together) can make `expr` false. */
export function nullRejectedColumns(expr: Node | undefined, candidates: readonly string[]): string[] {
  if (!expr || candidates.length === 0) return [];
  const rejects = (nulls: ReadonlySet<string>) => evaluate(expr, nulls).has('F');
  const alone = candidates.filter((c) => rejects(new Set([c])));
  if (alone.length > 0) return alone;
  return rejects(new Set(candidates)) ? [...candidates] : [];
}

/** Every plain column name the expression mentions. */
export function referencedColumns(expr: Node | undefined): string[] {
  const found = new Set<string>();
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (n === null || typeof n !== 'object') return;
    const ref = as(n as Node, 'ColumnRef');
    if (ref) {
      const names = nameList(ref.fields);
      if (names.length > 0) found.add(names[names.length - 1]!);
      return;
    }
    Object.values(n).forEach(visit);
  };
  visit(expr);
  return [...found];
}

function evaluate(n: Node | undefined, nulls: ReadonlySet<string>): Values {
  if (!n) return ANY;
  const ref = as(n, 'ColumnRef');
  if (ref) {
    const names = nameList(ref.fields);
    return nulls.has(names[names.length - 1] ?? '') ? NULL : ANY;
  }
  const constant = as(n, 'A_Const');
  if (constant) return constant.isnull ? NULL : constant.boolval ? boolConst(constant.boolval.boolval) : NOT_NULL;
  const cast = as(n, 'TypeCast');
  if (cast) return evaluate(cast.arg, nulls);
  const test = as(n, 'NullTest');
  if (test) {
    const arg = evaluate(test.arg, nulls);
    const isNull = test.nulltesttype === 'IS_NULL';
    const out = new Set<Truth>();
    if (arg.has('N')) out.add(isNull ? 'T' : 'F');
    if (arg.has('T') || arg.has('F')) out.add(isNull ? 'F' : 'T');
    return out;
  }
  const booleanTest = as(n, 'BooleanTest');
  if (booleanTest) {
    const arg = evaluate(booleanTest.arg, nulls);
    const matches: Record<string, Truth[]> = {
      IS_TRUE: ['T'],
      IS_NOT_TRUE: ['F', 'N'],
      IS_FALSE: ['F'],
      IS_NOT_FALSE: ['T', 'N'],
      IS_UNKNOWN: ['N'],
      IS_NOT_UNKNOWN: ['T', 'F'],
    };
    const wanted = matches[booleanTest.booltesttype ?? ''] ?? [];
    return new Set([...arg].map((v): Truth => (wanted.includes(v) ? 'T' : 'F')));
  }
  const bool = as(n, 'BoolExpr');
  if (bool) {
    const args = (bool.args ?? []).map((a) => evaluate(a, nulls));
    if (bool.boolop === 'NOT_EXPR') return new Set([...(args[0] ?? ANY)].map(not));
    const and = bool.boolop === 'AND_EXPR';
    return args.reduce<Values>(
      (acc, next) => combine(acc, next, and ? andOf : orOf),
      new Set<Truth>([and ? 'T' : 'F']),
    );
  }
  const coalesce = as(n, 'CoalesceExpr');
  if (coalesce) {
    const out = new Set<Truth>();
    for (const a of coalesce.args ?? []) {
      const v = evaluate(a, nulls);
      for (const x of v) if (x !== 'N') out.add(x);
      if (!v.has('N')) return out;
    }
    out.add('N');
    return out;
  }
  const op = as(n, 'A_Expr');
  if (op) {
    if (op.kind === 'AEXPR_DISTINCT' || op.kind === 'AEXPR_NOT_DISTINCT') return NOT_NULL;
    return strict([evaluate(op.lexpr, nulls), evaluate(op.rexpr, nulls)]);
  }
  const call = as(n, 'FuncCall');
  if (call) {
    const names = nameList(call.funcname);
    const name = (names[names.length - 1] ?? '').toLowerCase();
    const args = (call.args ?? []).map((a) => evaluate(a, nulls));
    return STRICT.has(name) && (names.length === 1 || names[0] === 'pg_catalog') ? strict(args) : ANY;
  }
  return ANY;
}

function boolConst(value: boolean | undefined): Values {
  return new Set<Truth>([value ? 'T' : 'F']);
}

/** A strict operator or function: NULL when an argument is NULL, any non-NULL value otherwise. */
function strict(args: Values[]): Values {
  if (args.some((a) => a.size === 1 && a.has('N'))) return NULL;
  return args.some((a) => a.has('N')) ? ANY : NOT_NULL;
}

function not(v: Truth): Truth {
  return v === 'T' ? 'F' : v === 'F' ? 'T' : 'N';
}

function andOf(a: Truth, b: Truth): Truth {
  if (a === 'F' || b === 'F') return 'F';
  return a === 'N' || b === 'N' ? 'N' : 'T';
}

function orOf(a: Truth, b: Truth): Truth {
  if (a === 'T' || b === 'T') return 'T';
  return a === 'N' || b === 'N' ? 'N' : 'F';
}

function combine(a: Values, b: Values, f: (x: Truth, y: Truth) => Truth): Values {
  const out = new Set<Truth>();
  for (const x of a) for (const y of b) out.add(f(x, y));
  return out;
}
