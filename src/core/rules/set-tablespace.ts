import { alterTable } from './support/alter.js';
import { commandsFor } from './support/alter-commands.js';
import { sizeNote } from './support/objects.js';
import type { Finding, Rule } from './rule.js';

/**
 * ALTER TABLE … SET TABLESPACE copies the table's files to the other tablespace under ACCESS
 * EXCLUSIVE (measured on PostgreSQL 15: new relfilenode, block-by-block copy, no scan through
 * the executor; indexes stay where they are). Every app query waits for the copy, so it is
 * size-dependent. Moving to the tablespace the table is already in is a no-op, but deployctl
 * does not know where a table lives, so it assumes a copy.
 */
export const setTablespace: Rule = {
  id: 'set-tablespace',
  summary: 'SET TABLESPACE: copies the table under ACCESS EXCLUSIVE',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return commandsFor(alter, this.id, ctx).map((cmd): Finding => {
      const space = cmd.name ?? '';
      const base = { rule: this.id, lock: 'AccessExclusiveLock' as const, relation: alter.table, rewrite: true };
      if (ctx.isNew(alter.table))
        return {
          ...base,
          phase: 'pre',
          message: `SET TABLESPACE ${space} on ${alter.table}, created earlier in this release: it is empty, so the copy is instant.`,
        };
      return {
        ...base,
        phase: 'unsafe',
        sizeDependent: true,
        message: `SET TABLESPACE ${space} on ${alter.table}${sizeNote(ctx, alter.table)} copies the table's files under ACCESS EXCLUSIVE: every app query waits until the copy ends.`,
        fix: [
          'PostgreSQL cannot move a table online. Either:',
          `  - use an online tool such as pg_repack (pg_repack --table ${alter.table} --tablespace ${space}), outside the migration; or`,
          `  - run it in a maintenance window and accept it with -- deployctl:allow set-tablespace <why the downtime is acceptable>.`,
          '  Indexes move separately (ALTER INDEX … SET TABLESPACE), with the same lock.',
        ].join('\n'),
      };
    });
  },
  examples: {
    fires: [
      'ALTER TABLE events SET TABLESPACE archive',
      'ALTER TABLE IF EXISTS ONLY "Log"."Events" SET TABLESPACE "Fast", SET (fillfactor = 90)',
    ],
    silent: ['ALTER TABLE events SET UNLOGGED'],
  },
};
