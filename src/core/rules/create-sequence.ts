import { as, qualifiedName } from '../sql/ast.js';
import type { Rule } from './rule.js';

/**
 * CREATE SEQUENCE adds a relation nothing reads yet: ACCESS EXCLUSIVE on the new sequence only
 * (measured on PostgreSQL 15), invisible to other sessions until commit.
 */
export const createSequence: Rule = {
  id: 'create-sequence',
  summary: 'CREATE SEQUENCE: a new relation the old code ignores',
  kinds: ['CreateSeqStmt'],
  check(s) {
    const seq = as(s.node, 'CreateSeqStmt');
    if (!seq) return [];
    const name = qualifiedName(seq.sequence);
    return [
      {
        rule: this.id,
        phase: 'pre',
        relation: name,
        message: `CREATE SEQUENCE ${name}: a new sequence the old code ignores.`,
      },
    ];
  },
  examples: {
    fires: ['CREATE SEQUENCE invoice_no START 1000', 'CREATE SEQUENCE IF NOT EXISTS "Billing".seq AS bigint'],
    silent: ['ALTER SEQUENCE s RESTART 10', 'DROP SEQUENCE s'],
  },
};
