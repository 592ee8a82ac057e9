import { as, qualifiedName } from '../sql/ast.js';
import { strongestQueryLock } from './support/query-locks.js';
import type { Rule } from './rule.js';

/**
 * CREATE VIEW and CREATE MATERIALIZED VIEW add a relation the old code does not know. Measured on
 * PostgreSQL 15: the new view gets ACCESS EXCLUSIVE (invisible to others until commit) and the
 * tables it reads only ACCESS SHARE, so app reads and writes carry on; the plan names that
 * ACCESS SHARE and the first table read (confirmed by `deployctl trace` on PostgreSQL 15 and 18). A materialized view runs
 * its query once to fill itself: that scan holds only ACCESS SHARE on the sources (unless
 * `WITH NO DATA`). CREATE OR REPLACE VIEW takes ACCESS EXCLUSIVE on the existing view for an
 * instant; PostgreSQL only lets it append columns, never drop or retype them, so the old code's
 * queries still parse — but they see the new definition at once, so it must return what the old
 * code expects.
 */
export const createView: Rule = {
  id: 'create-view',
  summary: 'CREATE [OR REPLACE] VIEW / CREATE MATERIALIZED VIEW: a relation the old code ignores',
  kinds: ['CreateTableAsStmt', 'ViewStmt'],
  check(s, ctx) {
    const view = as(s.node, 'ViewStmt');
    if (view) {
      const name = qualifiedName(view.view);
      if (view.replace && !ctx.isNew(name)) {
        return [
          {
            rule: this.id,
            phase: 'pre',
            lock: 'AccessExclusiveLock',
            relation: name,
            message: `CREATE OR REPLACE VIEW ${name}: ACCESS EXCLUSIVE on the view for an instant; the old code reads the new definition at once, so it must keep the columns and meaning the old code relies on.`,
          },
        ];
      }
      const read = strongestQueryLock(view.query);
      return [
        {
          rule: this.id,
          phase: 'pre',
          relation: read?.relation ?? name,
          ...(read ? { lock: read.lock } : {}),
          message: `CREATE VIEW ${name}: a new view the old code ignores; the tables it reads get ACCESS SHARE only.`,
        },
      ];
    }
    const mat = as(s.node, 'CreateTableAsStmt');
    if (mat?.objtype !== 'OBJECT_MATVIEW') return [];
    const name = qualifiedName(mat.into?.rel);
    const filled = mat.into?.skipData !== true;
    const read = strongestQueryLock(mat.query);
    return [
      {
        rule: this.id,
        phase: 'pre',
        relation: read?.relation ?? name,
        ...(read ? { lock: read.lock } : {}),
        scan: filled,
        message: filled
          ? `CREATE MATERIALIZED VIEW ${name}: runs its query once to fill it; the tables it reads get ACCESS SHARE only, so app queries carry on.`
          : `CREATE MATERIALIZED VIEW ${name} WITH NO DATA: catalog-only until the first REFRESH.`,
      },
    ];
  },
  examples: {
    fires: [
      'CREATE VIEW active_users AS SELECT id FROM users WHERE active',
      'CREATE OR REPLACE VIEW "Reporting"."Daily" AS SELECT 1 AS n',
      'CREATE MATERIALIZED VIEW IF NOT EXISTS stats.totals AS SELECT count(*) FROM orders WITH NO DATA',
      '/* reporting */ CREATE MATERIALIZED VIEW mv AS SELECT 1; SELECT 1',
    ],
    silent: ['CREATE TABLE v AS SELECT 1', 'DROP VIEW v', 'REFRESH MATERIALIZED VIEW mv'],
  },
};
