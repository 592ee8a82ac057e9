import { dropFindings } from './support/drop.js';
import type { Rule } from './rule.js';

/**
 * DROP VIEW takes ACCESS EXCLUSIVE on the view (measured on PostgreSQL 15); queries of the old
 * code that read it fail from then on, so it waits until after the rollout — unless the same
 * release defines it again (support/drop.ts).
 */
export const dropView: Rule = {
  id: 'drop-view',
  summary: 'DROP VIEW: removes what the old code may use; after the rollout',
  kinds: ['DropStmt'],
  check(s, ctx) {
    return dropFindings(
      {
        rule: this.id,
        types: ['OBJECT_VIEW'],
        noun: 'VIEW',
        lock: () => 'AccessExclusiveLock',
        oldCodeUse: 'select from it',
        orReplace:
          'CREATE OR REPLACE VIEW (when the new definition keeps the old columns, in order, and only adds new ones at the end)',
      },
      s,
      ctx,
    );
  },
  examples: {
    fires: ['DROP VIEW active_users', 'DROP VIEW IF EXISTS "Reporting".daily CASCADE'],
    silent: ['DROP MATERIALIZED VIEW mv', 'CREATE OR REPLACE VIEW v AS SELECT 1'],
  },
};
