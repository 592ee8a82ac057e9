import type { Rule } from './rule.js';

/**
 * The fallback when no rule understands a statement. deployctl does not guess that unknown SQL
 * is harmless: it blocks, names the statement kind, and lets a reviewer accept it explicitly.
 */
export const unrecognizedStatement: Rule = {
  id: 'unrecognized-statement',
  summary: 'A statement no rule understands: blocked until a reviewer accepts it',
  check(s) {
    return [
      {
        rule: this.id,
        phase: 'unsafe',
        message: `deployctl has no rule for ${s.kind} statements, so it cannot tell which lock it takes or whether the old code survives it.`,
        fix: `Review it by hand; if it is safe before the rollout, accept it with a comment on the line above: -- deployctl:allow ${this.id} <why it is safe>`,
      },
    ];
  },
  examples: { fires: ['CREATE PUBLICATION p FOR ALL TABLES'], silent: [] },
};
