/**
 * Reads PL/pgSQL code (a DO block's body, a `CREATE FUNCTION … LANGUAGE plpgsql` body) with
 * PostgreSQL's own PL/pgSQL parser (libpg-query's `parsePlPgSQLSync`) into the static SQL it
 * runs and the parts no reader can see through: `EXECUTE` of a string built at run time, loops
 * (their statements run once per row of data deployctl cannot see, or not at all), `OPEN` of a
 * dynamic cursor, and any PL/pgSQL statement kind not read here. Lines are lines of the file.
 */
import { parsePlPgSQLSync, scanSync } from 'libpg-query';
import type { CreateFunctionStmt, DoStmt } from 'libpg-query';
import { as, nameList } from './ast.js';
import type { ParsedStatement } from './parse.js';

export interface ProceduralSql {
  /** 1-based line in the file. */
  line: number;
  /** SQL text as PostgreSQL runs it: a statement, or `SELECT <expression>` for a condition or assignment. */
  sql: string;
  /** An expression (IF / WHILE condition, assignment): only its function calls and reads matter. */
  expression: boolean;
}

export interface OpaquePart {
  line: number;
  /** What cannot be seen through, in a few words: "EXECUTE of a string built at run time". */
  what: string;
}

export interface ProceduralCode {
  statements: ProceduralSql[];
  opaque: OpaquePart[];
}

/** The source of procedural code in a statement: its language, body text and the file line the body starts on. */
export interface ProceduralSource {
  language: string;
  body: string;
  bodyLine: number;
}

/** A DO statement's language and body. */
export function doSource(s: ParsedStatement): ProceduralSource | undefined {
  const stmt: DoStmt | undefined = as(s.node, 'DoStmt');
  if (!stmt) return undefined;
  const option = (name: string) => (stmt.args ?? []).map((a) => as(a, 'DefElem')).find((d) => d?.defname === name);
  const language = as(option('language')?.arg, 'String')?.sval ?? 'plpgsql';
  const body = as(option('as')?.arg, 'String')?.sval ?? '';
  return { language, body, bodyLine: bodyLineOf(s, body) };
}

/** A CREATE FUNCTION / PROCEDURE statement's name, language and body (undefined for SQL-standard bodies). */
export function functionSource(s: ParsedStatement): (ProceduralSource & { name: string }) | undefined {
  const fn: CreateFunctionStmt | undefined = as(s.node, 'CreateFunctionStmt');
  if (!fn) return undefined;
  const option = (name: string) => (fn.options ?? []).map((o) => as(o, 'DefElem')).find((d) => d?.defname === name);
  const language = as(option('language')?.arg, 'String')?.sval ?? 'sql';
  const body = nameList(as(option('as')?.arg, 'List')?.items)[0];
  if (body === undefined) return undefined;
  return { name: nameList(fn.funcname).join('.'), language, body, bodyLine: bodyLineOf(s, body) };
}

/**
 * The static SQL and the opaque parts of PL/pgSQL code, or a reason it could not be read (the
 * PL/pgSQL parser rejects it: PostgreSQL would reject the block too).
 */
export function readPlpgsql(source: ProceduralSource, wrapper: string | undefined): ProceduralCode | { error: string } {
  let parsed: unknown;
  try {
    parsed = parsePlPgSQLSync(wrapper ?? wrapInFunction(source.body));
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  const code: ProceduralCode = { statements: [], opaque: [] };
  const funcs = (parsed as { plpgsql_funcs?: { PLpgSQL_function?: { action?: unknown } }[] }).plpgsql_funcs ?? [];
  for (const f of funcs) visit(f.PLpgSQL_function?.action, source.bodyLine, code);
  return code;
}

/** `CREATE FUNCTION` around a DO body, so the PL/pgSQL parser reads it (a DO block compiles the same way). */
function wrapInFunction(body: string): string {
  let tag = 'body';
  while (body.includes(`$${tag}$`)) tag += '_';
  return `CREATE FUNCTION deployctl_inline() RETURNS void LANGUAGE plpgsql AS $${tag}$${body}$${tag}$`;
}

const LOOPS: Record<string, string> = {
  PLpgSQL_stmt_loop: 'a LOOP',
  PLpgSQL_stmt_while: 'a WHILE loop',
  PLpgSQL_stmt_fori: 'a FOR loop over a range',
  PLpgSQL_stmt_fors: 'a FOR loop over query rows',
  PLpgSQL_stmt_forc: 'a FOR loop over a cursor',
  PLpgSQL_stmt_foreach_a: 'a FOREACH loop over an array',
};
/** Statements with no SQL and no effect on the database. */
const INERT = new Set([
  'PLpgSQL_stmt_raise',
  'PLpgSQL_stmt_return',
  'PLpgSQL_stmt_return_next',
  'PLpgSQL_stmt_getdiag',
  'PLpgSQL_stmt_exit',
  'PLpgSQL_stmt_assert',
  'PLpgSQL_stmt_fetch',
  'PLpgSQL_stmt_close',
]);

type Body = Record<string, unknown>;

function visit(node: unknown, bodyLine: number, code: ProceduralCode): void {
  if (Array.isArray(node)) {
    for (const n of node) visit(n, bodyLine, code);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const [kind, value] = Object.entries(node)[0] ?? [];
  if (!kind) return;
  const body = (value ?? {}) as Body;
  const line = bodyLine + Math.max(0, Number(body.lineno ?? 1) - 1);
  const sql = (key: string, expression = false) => {
    const query = exprText(body[key]);
    if (query !== undefined) code.statements.push({ line, sql: expression ? `SELECT ${query}` : query, expression });
  };
  switch (kind) {
    case 'PLpgSQL_stmt_block': {
      visit(body.body, bodyLine, code);
      const handlers = (body.exceptions as Body | undefined)?.PLpgSQL_exception_block as Body | undefined;
      for (const h of (handlers?.exc_list as Body[] | undefined) ?? [])
        visit((h.PLpgSQL_exception as Body | undefined)?.action, bodyLine, code);
      return;
    }
    case 'PLpgSQL_stmt_execsql':
      return sql('sqlstmt');
    case 'PLpgSQL_stmt_perform':
    case 'PLpgSQL_stmt_call':
      return sql('expr');
    case 'PLpgSQL_stmt_assign': {
      const value = assignedExpression(exprText(body.expr));
      if (value !== undefined) code.statements.push({ line, sql: `SELECT ${value}`, expression: true });
      return;
    }
    case 'PLpgSQL_stmt_if':
      sql('cond', true);
      visit(body.then_body, bodyLine, code);
      for (const e of (body.elsif_list as Body[] | undefined) ?? []) {
        const elsif = (e.PLpgSQL_if_elsif ?? {}) as Body;
        const query = exprText(elsif.cond);
        if (query !== undefined)
          code.statements.push({
            line: bodyLine + Math.max(0, Number(elsif.lineno ?? 1) - 1),
            sql: `SELECT ${query}`,
            expression: true,
          });
        visit(elsif.stmts, bodyLine, code);
      }
      visit(body.else_body, bodyLine, code);
      return;
    case 'PLpgSQL_stmt_case':
      sql('t_expr', true);
      for (const w of (body.case_when_list as Body[] | undefined) ?? []) {
        const when = (w.PLpgSQL_case_when ?? {}) as Body;
        visit(when.stmts, bodyLine, code);
      }
      visit(body.else_stmts, bodyLine, code);
      return;
    case 'PLpgSQL_stmt_dynexecute':
      code.opaque.push({ line, what: 'EXECUTE of a string built at run time' });
      return;
    case 'PLpgSQL_stmt_dynfors':
      code.opaque.push({ line, what: 'a FOR loop over the rows of a string built at run time' });
      visit(body.body, bodyLine, code);
      return;
    case 'PLpgSQL_stmt_open':
      if (body.dynquery) code.opaque.push({ line, what: 'OPEN of a cursor over a string built at run time' });
      else sql('query');
      return;
    case 'PLpgSQL_stmt_return_query':
      if (body.dynquery) code.opaque.push({ line, what: 'RETURN QUERY EXECUTE of a string built at run time' });
      else sql('query');
      return;
    default:
      if (LOOPS[kind]) {
        code.opaque.push({
          line,
          what: `${LOOPS[kind]}: its statements run once per iteration, over data deployctl cannot see`,
        });
        sql('cond', true);
        sql('query');
        visit(body.body, bodyLine, code);
        return;
      }
      if (INERT.has(kind)) return;
      code.opaque.push({ line, what: `a PL/pgSQL ${kind.replace(/^PLpgSQL_stmt_/, '').toUpperCase()} statement` });
  }
}

function exprText(node: unknown): string | undefined {
  const expr = (node as { PLpgSQL_expr?: { query?: string } } | undefined)?.PLpgSQL_expr;
  return expr?.query;
}

/** The value side of `target := value` (or `target = value`), found with PostgreSQL's scanner. */
function assignedExpression(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const bytes = Buffer.from(text, 'utf8');
  let tokens;
  try {
    tokens = scanSync(text).tokens;
  } catch {
    return undefined;
  }
  const op = tokens.find((t) => t.tokenName === 'COLON_EQUALS' || t.text === '=');
  return op ? bytes.subarray(op.end).toString('utf8').trim() : undefined;
}

/** The file line the body text starts on: the statement's line plus the newlines before the body in it. */
function bodyLineOf(s: ParsedStatement, body: string): number {
  const at = body === '' ? -1 : s.sql.indexOf(body);
  if (at === -1) return s.line;
  let lines = 0;
  for (let i = 0; i < at; i++) if (s.sql[i] === '\n') lines++;
  return s.line + lines;
}

type CreatedFunction = { statement: ParsedStatement; source: ProceduralSource & { name: string } };
const createdCache = new WeakMap<readonly ParsedStatement[], CreatedFunction[]>();

/** PL/pgSQL functions created by statements before `index` in the migration, by name as written and with `public.`. */
export function plpgsqlFunctionsBefore(
  statements: readonly ParsedStatement[],
  index: number,
): Map<string, CreatedFunction> {
  let all = createdCache.get(statements);
  if (!all) {
    all = [];
    for (const statement of statements) {
      if (statement.kind !== 'CreateFunctionStmt') continue;
      const source = functionSource(statement);
      if (source?.language === 'plpgsql') all.push({ statement, source });
    }
    createdCache.set(statements, all);
  }
  const found = new Map<string, CreatedFunction>();
  for (const entry of all) {
    if (entry.statement.index >= index) break;
    const name = entry.source.name.toLowerCase();
    found.set(name, entry);
    if (!name.includes('.')) found.set(`public.${name}`, entry);
  }
  return found;
}

/** Names of the functions a statement calls (`pg_catalog.` dropped, lower case). */
export function calledFunctions(s: ParsedStatement): string[] {
  const names: string[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      const call = (n as { FuncCall?: { funcname?: import('libpg-query').Node[] } }).FuncCall;
      if (call)
        names.push(
          nameList(call.funcname)
            .filter((p) => p !== 'pg_catalog')
            .join('.')
            .toLowerCase(),
        );
      for (const v of Object.values(n)) walk(v);
    }
  };
  walk(s.node);
  return names;
}
