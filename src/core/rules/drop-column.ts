import { alterTable } from './support/alter.js';
import { commandsFor } from './support/alter-commands.js';
import type { Finding, Rule } from './rule.js';

/**
 * DROP COLUMN only marks the column dropped in the catalog: ACCESS EXCLUSIVE for an instant, no
 * rewrite and no scan (measured on PostgreSQL 15; the space is reclaimed by later updates). But
 * the old code may still name the column in SELECTs, INSERTs and UPDATEs, and many ORMs list
 * every column they know, so it must wait until the new code is out: `post`. On a table created
 * earlier in the same migration no code uses the column yet.
 */
export const dropColumn: Rule = {
  id: 'drop-column',
  summary: 'DROP COLUMN: after the rollout (the old code may still use it)',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return commandsFor(alter, this.id, ctx).map((cmd): Finding => {
      const name = cmd.name ?? '';
      const base = { rule: this.id, lock: 'AccessExclusiveLock' as const, relation: alter.table };
      if (ctx.isNew(alter.table))
        return {
          ...base,
          phase: 'pre',
          message: `DROP COLUMN ${name} on ${alter.table}, created earlier in this migration: no app code uses it yet.`,
        };
      return {
        ...base,
        phase: 'post',
        message: `DROP COLUMN ${name} on ${alter.table}: catalog-only (ACCESS EXCLUSIVE for an instant), but the old code may still read or write ${name}, so it runs after the rollout. Make sure the new code, including ORM column lists, no longer names it.`,
      };
    });
  },
  examples: {
    fires: [
      'ALTER TABLE users DROP COLUMN legacy',
      'ALTER TABLE IF EXISTS ONLY "App"."Users" DROP COLUMN IF EXISTS "Legacy" CASCADE, DROP COLUMN other',
      'CREATE TABLE t (a int, b int); ALTER TABLE t DROP COLUMN b',
    ],
    silent: ['ALTER TABLE users ADD COLUMN legacy text', 'ALTER TABLE users DROP CONSTRAINT legacy_check'],
  },
};
