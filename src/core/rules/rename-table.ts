import { as, bareName, qualifiedName } from '../sql/ast.js';
import { normalizeRelation } from '../sql/created.js';
import { readableIdent, qualifiedSql } from '../sql/identifiers.js';
import type { Rule, RuleContext } from './rule.js';
import type { ParsedStatement } from '../sql/parse.js';

/**
 * ALTER TABLE … RENAME TO is a catalog edit under ACCESS EXCLUSIVE for an instant (measured on
 * PostgreSQL 15), but the old code queries the old name and the new code the new one: safe in
 * no order. The standard bridge is a view with the old name, created in the same transaction:
 * a `SELECT *` view over one table is automatically updatable, so the old code's reads and
 * writes keep working through it. When a later statement of the same migration creates that
 * view, the rename is `pre`; the view is dropped after the rollout.
 */
export const renameTable: Rule = {
  id: 'rename-table',
  summary: 'RENAME a table: breaks the old code unless a view keeps the old name',
  kinds: ['RenameStmt'],
  check(s, ctx) {
    const stmt = as(s.node, 'RenameStmt');
    if (stmt?.renameType !== 'OBJECT_TABLE' && stmt?.renameType !== 'OBJECT_FOREIGN_TABLE') return [];
    const relation = qualifiedName(stmt.relation);
    const to = stmt.newname ?? '';
    const renamed = stmt.relation?.schemaname ? `${stmt.relation.schemaname}.${to}` : to;
    const base = { rule: this.id, lock: 'AccessExclusiveLock' as const, relation };
    if (ctx.isNew(relation))
      return [
        {
          ...base,
          phase: 'pre',
          message: `RENAME ${relation} TO ${to}, created earlier in this release: no app code uses it yet.`,
        },
      ];
    if (bridgedByView(ctx, s, relation)) {
      return [
        {
          ...base,
          phase: 'pre',
          message: `RENAME ${relation} TO ${to}, with a view named ${bareName(relation)} created later in this migration: the old code keeps using the old name through the view (a SELECT * view over one table is updatable). Drop the view after the rollout.`,
        },
      ];
    }
    return [
      {
        ...base,
        phase: 'unsafe',
        message: `RENAME ${relation} TO ${to}: the old code still queries ${relation}, the new code queries ${to}; whichever side of the rollout it runs on, one of them fails.`,
        fix: [
          'Keep the old name alive as a view, in the same migration (one transaction):',
          `  ALTER TABLE ${qualifiedSql(relation)} RENAME TO ${readableIdent(to)};`,
          `  CREATE VIEW ${qualifiedSql(relation)} AS SELECT * FROM ${qualifiedSql(renamed)};   -- updatable: old reads and writes go through`,
          `Release code that uses ${to}; after the rollout, DROP VIEW ${qualifiedSql(relation)} in a post migration.`,
        ].join('\n'),
      },
    ];
  },
  examples: {
    fires: [
      'ALTER TABLE users RENAME TO accounts',
      'ALTER TABLE IF EXISTS ONLY "App"."Users" RENAME TO "Accounts"',
      'ALTER TABLE users RENAME TO accounts; CREATE VIEW users AS SELECT * FROM accounts',
      'CREATE TABLE t (a int); ALTER TABLE t RENAME TO t2',
    ],
    silent: ['ALTER TABLE users RENAME COLUMN a TO b', 'ALTER VIEW users_v RENAME TO people_v'],
  },
};

function bridgedByView(ctx: RuleContext, s: ParsedStatement, relation: string): boolean {
  const old = normalizeRelation(relation);
  return ctx.statements.some((st) => {
    const view = st.index > s.index ? as(st.node, 'ViewStmt') : undefined;
    return view !== undefined && normalizeRelation(qualifiedName(view.view)) === old;
  });
}
