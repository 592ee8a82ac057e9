/**
 * Procedural code classified statement by statement: the static SQL inside a DO block, and
 * inside a `LANGUAGE plpgsql` function that an earlier statement of the same migration created
 * and this statement calls (`SELECT f()`), goes through the same rules as top-level SQL, in the
 * same context (tables created before it are new, catalog facts apply). What cannot be seen
 * through (EXECUTE of a built string, loops, unknown functions) is reported by the do-block and
 * select-statement rules; this module only adds the findings of the statements it can read.
 */
import type { Finding, RuleContext } from '../rules/rule.js';
import { parseSql, type ParsedStatement } from '../sql/parse.js';
import { calledFunctions, doSource, plpgsqlFunctionsBefore, readPlpgsql, type ProceduralCode } from '../sql/plpgsql.js';

/** Judges one statement with every rule (the classifier's own pipeline), recording what it creates. */
export type Judge = (statement: ParsedStatement, context: RuleContext) => Finding[];

/** Nested calls of created functions are followed this deep. */
const MAX_DEPTH = 4;

/**
 * Findings of the statements inside `stmt`'s procedural code, messages prefixed with where they
 * are. Empty for a statement without readable procedural code.
 */
export function proceduralFindings(
  stmt: ParsedStatement,
  context: RuleContext,
  judge: Judge,
  file: string,
  depth = 0,
  calling: ReadonlySet<string> = new Set(),
): Finding[] {
  if (depth >= MAX_DEPTH) return [];
  const findings: Finding[] = [];
  for (const unit of readableCode(stmt, context, calling)) {
    for (const inner of unit.code.statements) {
      let parsed: ParsedStatement[];
      try {
        parsed = parseSql(inner.sql, file, inner.line).statements;
      } catch {
        // The PL/pgSQL parser accepted the block, so its SQL parses; an exception here is not a finding.
        continue;
      }
      for (const p of parsed) {
        const statement: ParsedStatement = { ...p, index: stmt.index };
        let found = judge(statement, context);
        if (inner.expression) found = found.filter((f) => f.phase !== 'pre');
        found.push(
          ...proceduralFindings(statement, context, judge, file, depth + 1, new Set([...calling, ...unit.names])),
        );
        findings.push(...found.map((f) => ({ ...f, message: `${unit.where(inner.line)}: ${f.message}` })));
      }
    }
  }
  return findings;
}

interface Unit {
  code: ProceduralCode;
  names: string[];
  where(line: number): string;
}

function readableCode(stmt: ParsedStatement, context: RuleContext, calling: ReadonlySet<string>): Unit[] {
  const source = doSource(stmt);
  if (source) {
    if (source.language !== 'plpgsql') return [];
    const code = readPlpgsql(source, undefined);
    return 'error' in code ? [] : [{ code, names: [], where: (line) => `Inside the DO block, line ${line}` }];
  }
  if (stmt.kind !== 'SelectStmt') return [];
  const created = plpgsqlFunctionsBefore(context.statements, stmt.index);
  const units: Unit[] = [];
  for (const name of new Set(calledFunctions(stmt))) {
    const fn = created.get(name);
    if (!fn || calling.has(fn.source.name)) continue;
    const code = readPlpgsql(fn.source, fn.statement.sql);
    if ('error' in code) continue;
    units.push({
      code,
      names: [fn.source.name],
      where: (line) => `In ${fn.source.name}() (created at line ${fn.statement.line}), line ${line}`,
    });
  }
  return units;
}
