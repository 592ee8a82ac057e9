import { alterTable } from './support/alter.js';
import { rulesFor } from './support/alter-commands.js';
import type { Rule } from './rule.js';

/**
 * An ALTER TABLE sub-command that no rule of the family judges (INHERIT, ATTACH PARTITION,
 * SET ACCESS METHOD, ENABLE RULE…). The other rules only
 * speak about their own sub-commands, so without this rule a multi-command ALTER TABLE with one
 * of these next to a harmless sub-command would look harmless. Which sub-commands are known is
 * decided in one place, support/alter-commands.ts.
 */
export const unrecognizedAlterCommand: Rule = {
  id: 'unrecognized-alter-command',
  summary: 'An ALTER TABLE sub-command no rule understands: blocked until a reviewer accepts it',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return alter.cmds
      .filter((cmd) => rulesFor(cmd, alter.table, ctx).length === 0)
      .map((cmd) => {
        const kind = (cmd.subtype ?? 'unknown').replace(/^AT_/, '');
        return {
          rule: this.id,
          phase: 'unsafe' as const,
          lock: 'AccessExclusiveLock' as const,
          relation: alter.table,
          message: `deployctl has no rule for the ALTER TABLE sub-command ${kind} on ${alter.table}, so it cannot tell which lock it takes, whether it rewrites or scans the table, or whether the old code survives it. It assumes ACCESS EXCLUSIVE.`,
          fix: `Review it against the PostgreSQL documentation for ALTER TABLE (lock level, rewrite, effect on running queries). If it is safe before the rollout, accept it with a comment on the line above the statement:\n  -- deployctl:allow ${this.id} <why it is safe>\nIf it is only safe after the rollout, also add -- deployctl:phase post <reason>.`,
        };
      });
  },
  examples: {
    fires: [
      'ALTER TABLE users INHERIT people',
      'ALTER TABLE ONLY "App"."Users" ADD COLUMN note text, SET WITHOUT OIDS',
      "ALTER TABLE IF EXISTS measurements ATTACH PARTITION measurements_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
      'ALTER TABLE users ADD CONSTRAINT email_nn NOT NULL email',
    ],
    silent: [
      'ALTER TABLE users ADD COLUMN note text',
      'ALTER TABLE users DROP COLUMN note, ALTER COLUMN a SET DEFAULT 1',
    ],
  },
};
