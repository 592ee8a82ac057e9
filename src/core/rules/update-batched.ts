import { as, qualifiedName } from '../sql/ast.js';
import type { Rule } from './rule.js';

/**
 * UPDATE or DELETE with a WHERE clause: one batch of a backfill. ROW EXCLUSIVE on the table
 * (measured on PostgreSQL 15) conflicts with no app query; only the rows it touches are locked,
 * until the migration commits. It may read the whole table when the WHERE is not indexed, but
 * under that weak lock. Deleting rows the old code still reads belongs after the rollout: force
 * it with `-- deployctl:phase post <reason>`.
 */
export const updateBatched: Rule = {
  id: 'update-batched',
  summary: 'UPDATE / DELETE with WHERE: one batch of a backfill, row locks only',
  kinds: ['DeleteStmt', 'UpdateStmt'],
  check(s) {
    const update = as(s.node, 'UpdateStmt');
    const del = as(s.node, 'DeleteStmt');
    const stmt = update ?? del;
    if (!stmt?.whereClause) return [];
    const table = qualifiedName(stmt.relation);
    return [
      {
        rule: this.id,
        phase: 'pre',
        lock: 'RowExclusiveLock',
        relation: table,
        scan: true,
        message: `${update ? 'UPDATE' : 'DELETE'} on ${table} with WHERE: ROW EXCLUSIVE, locks only the rows it changes; keep each batch small so those row locks are short.`,
      },
    ];
  },
  examples: {
    fires: [
      'UPDATE users SET email_lower = lower(email) WHERE id BETWEEN 1 AND 10000',
      'DELETE FROM "Shop".sessions WHERE expires_at < now()',
    ],
    silent: ['UPDATE users SET email_lower = lower(email)', 'DELETE FROM sessions', 'INSERT INTO t VALUES (1)'],
  },
};
