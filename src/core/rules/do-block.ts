import { as } from '../sql/ast.js';
import type { Rule } from './rule.js';

/**
 * DO runs an anonymous procedural block. Its body is a string to the SQL parser, so deployctl
 * cannot tell which tables it touches, which locks it takes or whether it drops what the old
 * code uses — and it will not guess that unknown code is harmless.
 */
export const doBlock: Rule = {
  id: 'do-block',
  summary: 'DO $$ … $$: code deployctl cannot see into',
  kinds: ['DoStmt'],
  check(s) {
    const stmt = as(s.node, 'DoStmt');
    if (!stmt) return [];
    const language = (stmt.args ?? []).map((a) => as(a, 'DefElem')).find((d) => d?.defname === 'language');
    const lang = as(language?.arg, 'String')?.sval ?? 'plpgsql';
    return [
      {
        rule: this.id,
        phase: 'unsafe',
        message: `DO block (${lang}): deployctl cannot see which statements it runs, which locks they take, or whether the old code survives them.`,
        fix: 'Prefer plain SQL statements, which deployctl classifies one by one. If the block is needed, review what it does (locks, rewrites, what the old code still uses) and accept it on the line above:\n  -- deployctl:allow do-block <what it does and why it is safe before the rollout>',
      },
    ];
  },
  examples: {
    fires: [
      "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app') THEN CREATE ROLE app; END IF; END $$",
      "DO LANGUAGE plpgsql 'BEGIN NULL; END'",
    ],
    silent: [
      'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN NULL; END $$',
      "SELECT 'DO $$ BEGIN END $$'",
    ],
  },
};
