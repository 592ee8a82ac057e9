import { alterTable } from './support/alter.js';
import { commandsFor } from './support/alter-commands.js';
import type { Rule } from './rule.js';

/**
 * ALTER COLUMN … DROP NOT NULL only edits the catalog: ACCESS EXCLUSIVE for an instant, no
 * rewrite, no scan (measured on PostgreSQL 15). The old code keeps working — it still writes
 * values — so it runs before the rollout; it is the usual first step of removing a column the
 * new code stops writing.
 */
export const dropNotNull: Rule = {
  id: 'drop-not-null',
  summary: 'ALTER COLUMN DROP NOT NULL: catalog-only, compatible',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return commandsFor(alter, this.id, ctx).map((cmd) => ({
      rule: this.id,
      phase: 'pre' as const,
      lock: 'AccessExclusiveLock' as const,
      relation: alter.table,
      message: `DROP NOT NULL on ${alter.table}.${cmd.name ?? ''}: catalog-only, ACCESS EXCLUSIVE for an instant; the old code still writes the column.`,
    }));
  },
  examples: {
    fires: [
      'ALTER TABLE users ALTER COLUMN legacy DROP NOT NULL',
      'ALTER TABLE ONLY "App"."Users" ALTER "Legacy" DROP NOT NULL, ALTER COLUMN b DROP NOT NULL',
    ],
    silent: ['ALTER TABLE users ALTER COLUMN legacy SET NOT NULL'],
  },
};
