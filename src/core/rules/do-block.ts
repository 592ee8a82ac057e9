import { parseSql, type ParsedStatement } from '../sql/parse.js';
import { mustRunOutsideTransaction } from '../sql/transaction.js';
import {
  calledFunctions,
  doSource,
  plpgsqlFunctionsBefore,
  readPlpgsql,
  type OpaquePart,
  type ProceduralSource,
} from '../sql/plpgsql.js';
import type { Finding, Rule } from './rule.js';

/**
 * DO runs an anonymous procedural block; `SELECT f()` runs a function's body. For PL/pgSQL the
 * body is read with PostgreSQL's PL/pgSQL parser and every static SQL statement in it is
 * classified like a top-level one (the classifier adds those findings, prefixed with their line).
 * This rule reports what nobody can see through before running it: `EXECUTE` of a string built
 * at run time (PostgreSQL plans it only when it runs), loops (their statements run once per row of
 * data unknown at plan time, so one cheap UPDATE may run a million times), PL/pgSQL statements not
 * read here, other languages, and a body PostgreSQL's parser rejects. Statements PostgreSQL refuses
 * inside a function or DO block (CREATE INDEX CONCURRENTLY: "cannot be executed from a function")
 * fail at apply. A function counts as readable only when the same migration creates it with
 * LANGUAGE plpgsql before the call; any other function stays opaque (select-statement).
 */
export const doBlock: Rule = {
  id: 'do-block',
  summary: 'DO blocks and called PL/pgSQL functions: static statements classified, dynamic parts need review',
  kinds: ['DoStmt', 'SelectStmt'],
  check(s, ctx) {
    const source = doSource(s);
    if (source) return judgeBody(this.id, 'DO block', source, undefined, ctx.serverVersion);
    if (s.kind !== 'SelectStmt') return [];
    const created = plpgsqlFunctionsBefore(ctx.statements, s.index);
    const findings: Finding[] = [];
    for (const name of new Set(calledFunctions(s))) {
      const fn = created.get(name);
      if (!fn) continue;
      findings.push(
        ...judgeBody(
          this.id,
          `${fn.source.name}() (created at line ${fn.statement.line})`,
          fn.source,
          fn.statement.sql,
          ctx.serverVersion,
        ).filter((f) => f.phase !== 'pre'),
      );
    }
    return findings;
  },
  examples: {
    fires: [
      "DO $$ BEGIN EXECUTE format('SELECT %s', 1); END $$",
      'DO $$ BEGIN FOR n IN 1..3 LOOP UPDATE users SET a = 1 WHERE id = 1; END LOOP; END $$',
      "DO LANGUAGE plperl 'spi_exec_query(q{DELETE FROM t})'",
      'CREATE FUNCTION fill() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE $q$SELECT 1$q$; END $$; SELECT fill()',
      "DO $$ BEGIN ALTER TYPE mood ADD VALUE 'sad'; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
    ],
    silent: [
      'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN NULL; END $$',
      "SELECT 'DO $$ BEGIN END $$'",
      'SELECT count(*) FROM users',
    ],
  },
};

function judgeBody(
  rule: string,
  what: string,
  source: ProceduralSource,
  wrapper: string | undefined,
  serverVersion: number,
): Finding[] {
  if (source.language !== 'plpgsql') {
    return [
      {
        rule,
        phase: 'unsafe',
        message: `${what} (${source.language}): deployctl reads only PL/pgSQL, so it cannot see which statements this runs, which locks they take, or whether the old code survives them.`,
        fix: reviewFix(rule),
      },
    ];
  }
  const code = readPlpgsql(source, wrapper);
  if ('error' in code) {
    return [
      {
        rule,
        phase: 'unsafe',
        message: `${what}: PostgreSQL's PL/pgSQL parser rejects the body (${code.error}), so deployctl cannot see inside it; PostgreSQL would reject it too.`,
        fix: 'Fix the body so it compiles (run it on a scratch database), then plan again.',
      },
    ];
  }
  const refused = code.statements.flatMap((inner): OpaquePart[] => {
    let parsed: ParsedStatement[] = [];
    try {
      parsed = parseSql(inner.sql, 'body', inner.line).statements;
    } catch {
      return [];
    }
    return parsed
      .filter((p) => mustRunOutsideTransaction(p, serverVersion))
      .map(() => ({ line: inner.line, what: 'a statement PostgreSQL refuses inside a function or DO block' }));
  });
  const opaque = [...code.opaque, ...refused];
  if (opaque.length === 0) {
    return [
      {
        rule,
        phase: 'pre',
        message: `${what}: PL/pgSQL with ${code.statements.length} static statement(s), each classified below; nothing is built at run time.`,
      },
    ];
  }
  const parts = opaque.map((p) => `line ${p.line}: ${p.what}`).join('; ');
  return [
    {
      rule,
      phase: 'unsafe',
      message: `${what} holds code deployctl cannot see through (${parts}); the statements it can read are classified below.`,
      fix:
        refused.length > 0
          ? 'Move the CONCURRENTLY (or other non-transactional) statement out of the block into its own migration file; PostgreSQL refuses it inside a function or DO block.'
          : reviewFix(rule),
    },
  ];
}

function reviewFix(rule: string): string {
  return `Prefer plain SQL statements, which deployctl classifies one by one (IF NOT EXISTS / IF EXISTS make most of them idempotent without a block). If the dynamic part is needed, review what it does (locks, rewrites, how many rows, what the old code still uses) and accept it on the line above:\n  -- deployctl:allow ${rule} <what it does and why it is safe before the rollout>`;
}
