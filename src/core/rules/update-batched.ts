import { as, qualifiedName } from '../sql/ast.js';
import { writeExtent } from './support/batch.js';
import type { Rule } from './rule.js';

/**
 * UPDATE or DELETE bounded to one batch of a backfill: a key range (`id BETWEEN $1 AND $2`), a
 * key list, a LIMIT-ed subquery, a planner estimate of a few rows, or a small table
 * (support/batch.ts). ROW EXCLUSIVE on the table (measured on PostgreSQL 15) conflicts with no app
 * query; only the rows it touches are locked, until the migration commits, and a batch touches
 * few. Deleting rows the old code still reads belongs after the rollout: force it with
 * `-- deployctl:phase post <reason>`. Anything not bounded is unbatched-backfill.
 */
export const updateBatched: Rule = {
  id: 'update-batched',
  summary: 'UPDATE / DELETE bounded to one batch (key range, key list, LIMIT-ed subquery): row locks only',
  kinds: ['DeleteStmt', 'UpdateStmt'],
  check(s, ctx) {
    const update = as(s.node, 'UpdateStmt');
    const del = as(s.node, 'DeleteStmt');
    const stmt = update ?? del;
    if (!stmt) return [];
    const table = qualifiedName(stmt.relation);
    // A new table without WHERE is unbatched-backfill's (`pre`: no app query sees it).
    if (!stmt.whereClause && ctx.isNew(table)) return [];
    const extent = writeExtent(s, stmt.whereClause, table, ctx);
    if (!extent.bounded) return [];
    return [
      {
        rule: this.id,
        phase: 'pre',
        lock: 'RowExclusiveLock',
        relation: table,
        scan: true,
        message: `${update ? 'UPDATE' : 'DELETE'} on ${table}: one batch (${extent.reason}); ROW EXCLUSIVE, locks only the rows it changes, until commit.`,
      },
    ];
  },
  examples: {
    fires: [
      'UPDATE users SET email_lower = lower(email) WHERE id BETWEEN 1 AND 10000',
      'DELETE FROM "Shop".sessions WHERE id IN (SELECT id FROM "Shop".sessions WHERE expires_at < now() LIMIT 500)',
    ],
    silent: [
      'UPDATE users SET email_lower = lower(email)',
      'DELETE FROM sessions',
      'INSERT INTO t VALUES (1)',
      'UPDATE accounts SET region = 1 WHERE region IS NULL',
      'DELETE FROM sessions WHERE expires_at < now()',
    ],
  },
};
