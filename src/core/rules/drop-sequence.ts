import { dropFindings } from './support/drop.js';
import type { Rule } from './rule.js';

/**
 * DROP SEQUENCE takes ACCESS EXCLUSIVE on the sequence (measured on PostgreSQL 15); the old code's
 * nextval() calls and the defaults built on them fail from then on: after the rollout.
 */
export const dropSequence: Rule = {
  id: 'drop-sequence',
  summary: 'DROP SEQUENCE: removes what the old code may use; after the rollout',
  kinds: ['DropStmt'],
  check(s, ctx) {
    return dropFindings(
      {
        rule: this.id,
        types: ['OBJECT_SEQUENCE'],
        noun: 'SEQUENCE',
        lock: () => 'AccessExclusiveLock',
        oldCodeUse: 'call nextval() on it (directly or through a column default)',
      },
      s,
      ctx,
    );
  },
  examples: {
    fires: ['DROP SEQUENCE invoice_no', 'DROP SEQUENCE IF EXISTS "Billing".seq'],
    silent: ['CREATE SEQUENCE s', 'ALTER SEQUENCE s RESTART 1'],
  },
};
