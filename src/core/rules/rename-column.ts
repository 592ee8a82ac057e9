import { as, qualifiedName } from '../sql/ast.js';
import { readableIdent, qualifiedSql } from '../sql/identifiers.js';
import type { Rule } from './rule.js';

/**
 * RENAME COLUMN is a catalog edit under ACCESS EXCLUSIVE for an instant, no rewrite (measured on
 * PostgreSQL 15). But it breaks whichever code runs on the other side of it: before the rollout
 * the old code's queries name a column that is gone; after it, the new code's queries name one
 * that does not exist yet. Safe in no order — unless the table (or view) was created earlier in
 * the same migration. Covers tables, views, materialized views and foreign tables.
 */
export const renameColumn: Rule = {
  id: 'rename-column',
  summary: 'RENAME COLUMN: breaks the old or the new code, whichever runs on the wrong side',
  kinds: ['RenameStmt'],
  check(s, ctx) {
    const stmt = as(s.node, 'RenameStmt');
    if (stmt?.renameType !== 'OBJECT_COLUMN') return [];
    const relation = qualifiedName(stmt.relation);
    const from = stmt.subname ?? '';
    const to = stmt.newname ?? '';
    const base = { rule: this.id, lock: 'AccessExclusiveLock' as const, relation };
    if (ctx.isNew(relation))
      return [
        {
          ...base,
          phase: 'pre',
          message: `RENAME COLUMN ${from} TO ${to} on ${relation}, created earlier in this release: no app code uses it yet.`,
        },
      ];
    const t = qualifiedSql(relation);
    const [a, b] = [readableIdent(from), readableIdent(to)];
    const view = stmt.relationType === 'OBJECT_VIEW' || stmt.relationType === 'OBJECT_MATVIEW';
    return [
      {
        ...base,
        phase: 'unsafe',
        message: `RENAME COLUMN ${from} TO ${to} on ${relation}: the old code still queries ${from}, the new code queries ${to}; whichever side of the rollout it runs on, one of them fails.`,
        fix: view
          ? `Expose both names for a while: CREATE OR REPLACE VIEW ${t} AS SELECT …, ${a}, ${a} AS ${b} (new columns go last); release code that reads ${to}; after the rollout, recreate the view without ${from}.`
          : [
              'Expand and contract over two releases:',
              `  1. ALTER TABLE ${t} ADD COLUMN ${b} <type>;   -- pre`,
              `  2. A trigger copies writes between the two while both codes run: CREATE FUNCTION … RETURNS trigger AS $$ BEGIN NEW.${b} := COALESCE(NEW.${b}, NEW.${a}); NEW.${a} := COALESCE(NEW.${a}, NEW.${b}); RETURN NEW; END $$ and CREATE TRIGGER … BEFORE INSERT OR UPDATE ON ${t} FOR EACH ROW …;`,
              `  3. Backfill in batches, one transaction each: UPDATE ${t} SET ${b} = ${a} WHERE ${b} IS NULL AND id >= <n> AND id < <n + 10000>;`,
              `  4. Release code that reads and writes ${b}.`,
              `  5. Next release, after the rollout: drop the trigger, then ALTER TABLE ${t} DROP COLUMN ${a};   -- post`,
            ].join('\n'),
      },
    ];
  },
  examples: {
    fires: [
      'ALTER TABLE users RENAME COLUMN name TO full_name',
      'ALTER TABLE IF EXISTS ONLY "App"."Users" RENAME "Name" TO "FullName"',
      'ALTER VIEW active_users RENAME COLUMN name TO full_name',
      'CREATE TABLE t (a int); ALTER TABLE t RENAME COLUMN a TO b',
    ],
    silent: ['ALTER TABLE users RENAME TO people', 'ALTER TABLE users RENAME CONSTRAINT a TO b'],
  },
};
