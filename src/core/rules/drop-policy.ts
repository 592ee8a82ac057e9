import { dropFindings, onTable, ownerTable } from './support/drop.js';
import type { Rule } from './rule.js';

/**
 * DROP POLICY takes ACCESS EXCLUSIVE on its table for an instant (measured on PostgreSQL 15).
 * Removing a permissive policy hides rows the old code may still read or write, so it runs after
 * the rollout.
 */
export const dropPolicy: Rule = {
  id: 'drop-policy',
  summary: 'DROP POLICY: removes what the old code may use; after the rollout',
  kinds: ['DropStmt'],
  check(s, ctx) {
    return dropFindings(
      {
        rule: this.id,
        types: ['OBJECT_POLICY'],
        noun: 'POLICY',
        lock: () => 'AccessExclusiveLock',
        relationOf: ownerTable,
        describe: onTable,
        oldCodeUse: 'rely on the rows it lets through',
      },
      s,
      ctx,
    );
  },
  examples: {
    fires: ['DROP POLICY tenant_read ON orders', 'DROP POLICY IF EXISTS p ON "Shop".orders'],
    silent: ['CREATE POLICY p ON t USING (true)'],
  },
};
