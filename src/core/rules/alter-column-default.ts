import { commandsFor } from './support/alter-commands.js';
import type { Finding, Rule, RuleContext } from './rule.js';
import type { ParsedStatement } from '../sql/parse.js';
import { normalizeRelation } from '../sql/created.js';
import { alterTable, columnDef, constraintsOf } from './support/alter.js';

/**
 * ALTER COLUMN … SET DEFAULT / DROP DEFAULT applies to rows inserted afterwards only: a catalog
 * edit under ACCESS EXCLUSIVE for an instant, no rewrite and no scan even for a volatile default
 * such as random() (measured on PostgreSQL 15). The old code's INSERTs that omit the column get
 * the new default, which they never relied on, so it runs before the rollout.
 *
 * DROP DEFAULT on a NOT NULL column is different: the old code's INSERTs that omit the column
 * relied on the default, and fail with a not-null violation once it is gone (Django adds every
 * field with a Python default as `ADD COLUMN … NOT NULL DEFAULT x` and then drops the default in
 * the same migration). That DROP DEFAULT is a contract step, `post`. The column counts as NOT NULL
 * when an earlier statement of the migration added it so, or an earlier pending migration of the
 * release did (a DROP DEFAULT split into a migration of its own), or when the catalog says so.
 */
export const alterColumnDefault: Rule = {
  id: 'alter-column-default',
  summary: 'ALTER COLUMN SET / DROP DEFAULT: catalog-only, new rows only',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return commandsFor(alter, this.id, ctx).map((cmd): Finding => {
      const base = { rule: this.id, lock: 'AccessExclusiveLock' as const, relation: alter.table };
      const name = cmd.name ?? '';
      const required = !cmd.def && !ctx.isNew(alter.table) ? requiredColumn(s, alter.table, name, ctx) : undefined;
      if (required) {
        return {
          ...base,
          phase: 'post',
          message: `DROP DEFAULT on ${alter.table}.${name}, which is NOT NULL (${required}): the old code's INSERTs omit ${name} and relied on the default, so after the drop they fail with a not-null violation. It runs after the rollout, once no old code inserts.`,
          fix: `Keep the default in the database (Django 5+: db_default on the field), or move this DROP DEFAULT to a post migration after the rollout.`,
        };
      }
      return {
        ...base,
        phase: 'pre',
        message: `${cmd.def ? 'SET' : 'DROP'} DEFAULT on ${alter.table}.${name}: catalog-only, applies to new rows only; ACCESS EXCLUSIVE for an instant.`,
      };
    });
  },
  examples: {
    fires: [
      "ALTER TABLE users ALTER COLUMN status SET DEFAULT 'active'",
      'ALTER TABLE IF EXISTS "Users" ALTER COLUMN token SET DEFAULT gen_random_uuid(), ALTER COLUMN legacy DROP DEFAULT',
      'ALTER TABLE ONLY app.users ALTER COLUMN status DROP DEFAULT',
      "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';\nALTER TABLE users ALTER COLUMN plan DROP DEFAULT",
    ],
    silent: ["ALTER TABLE users ADD COLUMN status text DEFAULT 'active'"],
  },
};

/** Why the column is known to be NOT NULL (added so earlier in this migration or release, or in the catalog), if it is. */
function requiredColumn(s: ParsedStatement, table: string, name: string, ctx: RuleContext): string | undefined {
  for (const other of ctx.statements) {
    if (other.index >= s.index) break;
    if (addsRequired(other, table, name)) return `added so at line ${other.line}`;
  }
  const earlier = ctx.earlierStatements?.() ?? [];
  for (let i = earlier.length - 1; i >= 0; i--) {
    const { file, statement } = earlier[i]!;
    if (addsRequired(statement, table, name)) return `added so at ${file}:${statement.line}, earlier in this release`;
  }
  return ctx.table(table)?.columns[name]?.notNull ? 'per the catalog' : undefined;
}

/** `s` is an ALTER TABLE of `table` that adds column `name` NOT NULL. */
function addsRequired(s: ParsedStatement, table: string, name: string): boolean {
  const alter = alterTable(s);
  if (!alter || normalizeRelation(alter.table) !== normalizeRelation(table)) return false;
  return alter.cmds.some((cmd) => {
    const col = cmd.subtype === 'AT_AddColumn' ? columnDef(cmd) : undefined;
    return col?.colname === name && (col.is_not_null || constraintsOf(col).some((c) => c.contype === 'CONSTR_NOTNULL'));
  });
}
