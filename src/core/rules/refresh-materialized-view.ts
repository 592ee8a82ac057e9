import { as, qualifiedName } from '../sql/ast.js';
import { insertAfterKeyword } from './support/sql-text.js';
import type { Rule } from './rule.js';

/**
 * REFRESH MATERIALIZED VIEW re-runs the view's query and swaps in the result under ACCESS
 * EXCLUSIVE on the view (measured on PostgreSQL 15: relfilenode changed), so every app read of
 * the view waits for the whole query — time set by the query, not by the view's current size.
 * With CONCURRENTLY it computes a diff and applies it under EXCLUSIVE, which still lets reads
 * through (it needs a UNIQUE index on the view and a populated view). A view created earlier in
 * the same migration has no readers: `pre`.
 */
export const refreshMaterializedView: Rule = {
  id: 'refresh-materialized-view',
  summary: 'REFRESH MATERIALIZED VIEW: blocks reads unless CONCURRENTLY',
  kinds: ['RefreshMatViewStmt'],
  check(s, ctx) {
    const stmt = as(s.node, 'RefreshMatViewStmt');
    if (!stmt) return [];
    const view = qualifiedName(stmt.relation);
    if (stmt.concurrent) {
      return [
        {
          rule: this.id,
          phase: 'pre',
          lock: 'ExclusiveLock',
          relation: view,
          scan: true,
          message: `REFRESH MATERIALIZED VIEW CONCURRENTLY ${view}: EXCLUSIVE lock, app reads of the view continue while it refreshes.`,
        },
      ];
    }
    if (ctx.isNew(view)) {
      return [
        {
          rule: this.id,
          phase: 'pre',
          lock: 'AccessExclusiveLock',
          relation: view,
          rewrite: true,
          scan: true,
          message: `REFRESH MATERIALIZED VIEW ${view}, created earlier in this release: no app query reads it yet.`,
        },
      ];
    }
    if (stmt.skipData) {
      return [
        {
          rule: this.id,
          phase: 'unsafe',
          lock: 'AccessExclusiveLock',
          relation: view,
          rewrite: true,
          message: `REFRESH MATERIALIZED VIEW ${view} WITH NO DATA: empties the view, and every app read of it then fails with "materialized view has not been populated".`,
          fix: `If the view is obsolete, stop reading it in the new code and drop it after the rollout:\n  DROP MATERIALIZED VIEW ${view};`,
        },
      ];
    }
    return [
      {
        rule: this.id,
        phase: 'unsafe',
        lock: 'AccessExclusiveLock',
        relation: view,
        rewrite: true,
        scan: true,
        message: `REFRESH MATERIALIZED VIEW ${view} without CONCURRENTLY: ACCESS EXCLUSIVE on the view while its query runs, so every app read of ${view} waits.`,
        fix: `Refresh concurrently (needs a UNIQUE index on the view, built beforehand with CREATE UNIQUE INDEX CONCURRENTLY … ON ${view} (…) in its own migration):\n  ${insertAfterKeyword(s.sql, 'VIEW', 'CONCURRENTLY')};`,
      },
    ];
  },
  examples: {
    fires: [
      'REFRESH MATERIALIZED VIEW stats',
      'REFRESH MATERIALIZED VIEW CONCURRENTLY "Reporting".daily',
      'REFRESH MATERIALIZED VIEW stats WITH NO DATA',
    ],
    silent: ['CREATE MATERIALIZED VIEW stats AS SELECT 1', 'DROP MATERIALIZED VIEW stats'],
  },
};
