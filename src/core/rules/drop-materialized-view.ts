import { dropFindings } from './support/drop.js';
import type { Rule } from './rule.js';

/**
 * DROP MATERIALIZED VIEW takes ACCESS EXCLUSIVE on the view (measured on PostgreSQL 15); queries
 * of the old code that read it fail from then on, so it waits until after the rollout.
 */
export const dropMaterializedView: Rule = {
  id: 'drop-materialized-view',
  summary: 'DROP MATERIALIZED VIEW: removes what the old code may use; after the rollout',
  kinds: ['DropStmt'],
  check(s, ctx) {
    return dropFindings(
      {
        rule: this.id,
        types: ['OBJECT_MATVIEW'],
        noun: 'MATERIALIZED VIEW',
        lock: () => 'AccessExclusiveLock',
        oldCodeUse: 'select from it',
      },
      s,
      ctx,
    );
  },
  examples: {
    fires: ['DROP MATERIALIZED VIEW stats', 'DROP MATERIALIZED VIEW IF EXISTS "Reporting".totals'],
    silent: ['DROP VIEW v', 'REFRESH MATERIALIZED VIEW mv'],
  },
};
