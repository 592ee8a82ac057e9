import { alterTable } from './support/alter.js';
import { commandsFor } from './support/alter-commands.js';
import type { Rule } from './rule.js';

/**
 * ALTER COLUMN … SET DEFAULT / DROP DEFAULT applies to rows inserted afterwards only: a catalog
 * edit under ACCESS EXCLUSIVE for an instant, no rewrite and no scan even for a volatile default
 * such as random() (measured on PostgreSQL 15). The old code's INSERTs that omit the column get
 * the new default, which they never relied on, so it runs before the rollout.
 */
export const alterColumnDefault: Rule = {
  id: 'alter-column-default',
  summary: 'ALTER COLUMN SET / DROP DEFAULT: catalog-only, new rows only',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return commandsFor(alter, this.id, ctx).map((cmd) => ({
      rule: this.id,
      phase: 'pre' as const,
      lock: 'AccessExclusiveLock' as const,
      relation: alter.table,
      message: `${cmd.def ? 'SET' : 'DROP'} DEFAULT on ${alter.table}.${cmd.name ?? ''}: catalog-only, applies to new rows only; ACCESS EXCLUSIVE for an instant.`,
    }));
  },
  examples: {
    fires: [
      "ALTER TABLE users ALTER COLUMN status SET DEFAULT 'active'",
      'ALTER TABLE IF EXISTS "Users" ALTER COLUMN token SET DEFAULT gen_random_uuid(), ALTER COLUMN legacy DROP DEFAULT',
      'ALTER TABLE ONLY app.users ALTER COLUMN status DROP DEFAULT',
    ],
    silent: ["ALTER TABLE users ADD COLUMN status text DEFAULT 'active'"],
  },
};
