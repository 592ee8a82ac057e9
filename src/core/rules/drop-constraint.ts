import { normalizeRelation } from '../sql/created.js';
import { alterTable, constraintDef } from './support/alter.js';
import { commandsFor } from './support/alter-commands.js';
import type { Finding, Rule, RuleContext } from './rule.js';
import type { ParsedStatement } from '../sql/parse.js';

/**
 * DROP CONSTRAINT is a catalog edit under ACCESS EXCLUSIVE for an instant, no scan; dropping a
 * foreign key also takes ACCESS EXCLUSIVE on the referenced table, to remove its triggers
 * (measured on PostgreSQL 15). It relaxes the schema, but the old code may rely on what it
 * enforced: `INSERT … ON CONFLICT (col)` needs the unique constraint, error handling may expect
 * a violation, `ON DELETE CASCADE` cleans up children. So it runs after the rollout (`post`),
 * unless the constraint was added earlier in the same migration or its table is new. A CHECK or
 * foreign-key constraint (its type read from the catalog, `pg_constraint.contype`) is different:
 * dropping it only relaxes what the database accepts, which the new code may need before it
 * writes new values, so it is `pre` — except a foreign key whose ON DELETE cascades or sets values,
 * whose clean-up the old code may rely on (`post`).
 */
export const dropConstraint: Rule = {
  id: 'drop-constraint',
  summary: 'DROP CONSTRAINT: after the rollout (the old code may rely on it)',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return commandsFor(alter, this.id, ctx).map((cmd): Finding => {
      const name = cmd.name ?? '';
      const base = { rule: this.id, lock: 'AccessExclusiveLock' as const, relation: alter.table };
      if (ctx.isNew(alter.table) || addedInMigration(ctx, s, alter.table, name)) {
        return {
          ...base,
          phase: 'pre',
          message: `DROP CONSTRAINT ${name} on ${alter.table}: added earlier in this migration, so no app code relies on it yet.`,
        };
      }
      const type = ctx.table(alter.table)?.constraints?.[name];
      if (type === 'c' || type === 'f') {
        return {
          ...base,
          phase: 'pre',
          message: `DROP CONSTRAINT ${name} on ${alter.table}: the catalog shows a ${type === 'c' ? 'CHECK' : 'foreign-key'} constraint; dropping it only relaxes what the database accepts, which the new code may need before it writes new values, and the old code keeps writing values it always could. Catalog-only, ACCESS EXCLUSIVE for an instant${type === 'f' ? ' (also on the referenced table)' : ''}.`,
        };
      }
      return {
        ...base,
        phase: 'post',
        message: `DROP CONSTRAINT ${name} on ${alter.table}: catalog-only (ACCESS EXCLUSIVE for an instant, also on the referenced table for a foreign key), but the old code may rely on it — ON CONFLICT on a unique constraint, a cascade, an expected violation — so it runs after the rollout.`,
      };
    });
  },
  examples: {
    fires: [
      'ALTER TABLE users DROP CONSTRAINT users_email_key',
      'ALTER TABLE IF EXISTS ONLY "App"."Users" DROP CONSTRAINT IF EXISTS "Users_fk" CASCADE',
      'ALTER TABLE users ADD CONSTRAINT tmp CHECK (id > 0) NOT VALID; ALTER TABLE users DROP CONSTRAINT tmp',
    ],
    silent: ['ALTER TABLE users DROP COLUMN email', 'ALTER TABLE users VALIDATE CONSTRAINT users_email_check'],
  },
};

function addedInMigration(ctx: RuleContext, s: ParsedStatement, table: string, name: string): boolean {
  const target = normalizeRelation(table);
  return ctx.statements.some((st) => {
    const alter = st.index < s.index ? alterTable(st) : undefined;
    return (
      alter !== undefined &&
      normalizeRelation(alter.table) === target &&
      alter.cmds.some((c) => c.subtype === 'AT_AddConstraint' && constraintDef(c)?.conname === name)
    );
  });
}
