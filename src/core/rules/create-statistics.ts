import { as, qualifiedName } from '../sql/ast.js';
import type { Rule } from './rule.js';

/**
 * CREATE STATISTICS defines extended statistics (dependencies, ndistinct, mcv) on columns of a
 * table. It only writes the catalog: SHARE UPDATE EXCLUSIVE on the table (measured with pg_locks
 * on PostgreSQL 15), which blocks no read or write, and no scan — the statistics are gathered
 * by the next ANALYZE. Nothing the app's queries name changes: `pre`.
 */
export const createStatistics: Rule = {
  id: 'create-statistics',
  summary: 'CREATE STATISTICS: catalog-only, SHARE UPDATE EXCLUSIVE',
  kinds: ['CreateStatsStmt'],
  check(s) {
    const stmt = as(s.node, 'CreateStatsStmt');
    if (!stmt) return [];
    const table = qualifiedName(as(stmt.relations?.[0], 'RangeVar'));
    return [
      {
        rule: this.id,
        phase: 'pre',
        lock: 'ShareUpdateExclusiveLock',
        ...(table ? { relation: table } : {}),
        message: `CREATE STATISTICS on ${table}: catalog-only, SHARE UPDATE EXCLUSIVE (blocks no app query); the next ANALYZE fills it.`,
      },
    ];
  },
  examples: {
    fires: [
      'CREATE STATISTICS orders_deps (dependencies) ON user_id, status FROM orders',
      'CREATE STATISTICS IF NOT EXISTS "Shop".s ON a, b FROM "Shop"."Orders"',
    ],
    silent: ['ANALYZE orders', 'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status)'],
  },
};
