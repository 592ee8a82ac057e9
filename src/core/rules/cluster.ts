import { as, qualifiedName } from '../sql/ast.js';
import { sizeNote } from './support/objects.js';
import type { Rule } from './rule.js';

/**
 * CLUSTER rewrites the table in index order, with all its indexes, under ACCESS EXCLUSIVE
 * (measured on PostgreSQL 15: relfilenode of table and indexes changed): every app query on the
 * table waits for the whole rewrite, whose time grows with the table (sizeDependent). Bare
 * CLUSTER re-clusters every previously clustered table in the database.
 */
export const cluster: Rule = {
  id: 'cluster',
  summary: 'CLUSTER: rewrites the table under ACCESS EXCLUSIVE',
  kinds: ['ClusterStmt'],
  check(s, ctx) {
    const stmt = as(s.node, 'ClusterStmt');
    if (!stmt) return [];
    const table = qualifiedName(stmt.relation);
    if (table && ctx.isNew(table)) {
      return [
        {
          rule: this.id,
          phase: 'pre',
          lock: 'AccessExclusiveLock',
          relation: table,
          rewrite: true,
          message: `CLUSTER ${table}, created earlier in this release: no app query uses it yet.`,
        },
      ];
    }
    return [
      {
        rule: this.id,
        phase: 'unsafe',
        lock: 'AccessExclusiveLock',
        rewrite: true,
        sizeDependent: true,
        ...(table ? { relation: table } : {}),
        message: `CLUSTER ${table || '(every clustered table)'}${table ? sizeNote(ctx, table) : ''}: rewrites the table and its indexes under ACCESS EXCLUSIVE; every app query on it, reads included, waits until it finishes.`,
        fix: `Reorder the table online outside the migration, e.g. pg_repack --table=${table || '<schema.table>'} --order-by=<column> (ACCESS EXCLUSIVE only briefly at start and end), or drop the statement: PostgreSQL does not keep the order for new rows anyway.`,
      },
    ];
  },
  examples: {
    fires: [
      'CLUSTER users USING users_pkey',
      'CLUSTER "Shop".orders',
      'CLUSTER',
      'CREATE TABLE t (id int PRIMARY KEY); CLUSTER t USING t_pkey',
    ],
    silent: ['VACUUM users', 'REINDEX TABLE users', 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ CLUSTER t $$'],
  },
};
