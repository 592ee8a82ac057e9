import { alterTable } from './support/alter.js';
import { commandsFor } from './support/alter-commands.js';
import { sizeNote } from './support/objects.js';
import type { Finding, Rule } from './rule.js';

/**
 * SET LOGGED / SET UNLOGGED copy the table and its indexes into new files under ACCESS
 * EXCLUSIVE (measured on PostgreSQL 15: new relfilenode for the table and every index, for both
 * directions); SET LOGGED also writes the whole table to the WAL. Every app query waits for the
 * copy: size-dependent, instant on an empty table. UNLOGGED also means the table is emptied
 * after a crash and is absent on streaming replicas — the author's decision, said in the message.
 */
export const setLoggedUnlogged: Rule = {
  id: 'set-logged-unlogged',
  summary: 'SET LOGGED / UNLOGGED: table rewrite under ACCESS EXCLUSIVE',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return commandsFor(alter, this.id, ctx).map((cmd): Finding => {
      const mode = cmd.subtype === 'AT_SetLogged' ? 'LOGGED' : 'UNLOGGED';
      const base = {
        rule: this.id,
        lock: 'AccessExclusiveLock' as const,
        relation: alter.table,
        rewrite: true,
        scan: true,
      };
      if (ctx.isNew(alter.table))
        return {
          ...base,
          phase: 'pre',
          message: `SET ${mode} on ${alter.table}, created earlier in this release: it is empty, so the copy is instant.`,
        };
      return {
        ...base,
        phase: 'unsafe',
        sizeDependent: true,
        message:
          `SET ${mode} on ${alter.table}${sizeNote(ctx, alter.table)} copies the table and its indexes under ACCESS EXCLUSIVE: every app query waits until the copy ends.` +
          (mode === 'UNLOGGED'
            ? ' An unlogged table is also emptied after a crash and does not reach streaming replicas.'
            : ''),
        fix: [
          "PostgreSQL has no online way to change a table's persistence. Either:",
          '  - run it in a maintenance window and accept it with -- deployctl:allow set-logged-unlogged <why the downtime is acceptable>; or',
          `  - create a new ${mode === 'LOGGED' ? '' : 'UNLOGGED '}table, copy rows in batches while a trigger mirrors new writes, and switch the code to it (expand/contract).`,
          '  Choose persistence in CREATE TABLE for new tables.',
        ].join('\n'),
      };
    });
  },
  examples: {
    fires: [
      'ALTER TABLE events SET UNLOGGED',
      'ALTER TABLE IF EXISTS ONLY "Log"."Events" SET LOGGED',
      'CREATE TABLE t (id int); ALTER TABLE t SET UNLOGGED',
    ],
    silent: ['ALTER TABLE events SET (fillfactor = 70)'],
  },
};
