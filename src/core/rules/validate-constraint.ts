import { alterTable } from './support/alter.js';
import { commandsFor } from './support/alter-commands.js';
import { heldLock } from './support/held-locks.js';
import { qualifiedSql, readableIdent } from '../sql/identifiers.js';
import { sizeNote } from './support/objects.js';
import type { Finding, Rule } from './rule.js';

/**
 * VALIDATE CONSTRAINT checks the existing rows of a constraint added NOT VALID. It scans the
 * table under SHARE UPDATE EXCLUSIVE (a foreign key also takes ROW SHARE on the referenced
 * table), which blocks no SELECT, INSERT, UPDATE or DELETE (measured on PostgreSQL 15): `pre`.
 *
 * Locks last until COMMIT, though. When an earlier statement of the same transactional migration
 * — typically the ADD CONSTRAINT … NOT VALID itself — or another sub-command of the same ALTER
 * TABLE already holds a stronger lock on the table, the scan runs under that lock (measured: ADD
 * CHECK … NOT VALID then VALIDATE in one transaction scans holding ACCESS EXCLUSIVE), which is
 * exactly what NOT VALID was meant to avoid: unsafe, size-dependent. The fix is a separate
 * migration. (A migration marked `-- deployctl:no-transaction` releases locks between
 * statements; rules cannot see that directive, so such a file needs an allow.)
 */
export const validateConstraint: Rule = {
  id: 'validate-constraint',
  summary: 'VALIDATE CONSTRAINT: scan under SHARE UPDATE EXCLUSIVE, unless a stronger lock is already held',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return commandsFor(alter, this.id, ctx).map((cmd): Finding => {
      const name = cmd.name ?? '';
      const base = { rule: this.id, lock: 'ShareUpdateExclusiveLock' as const, relation: alter.table, scan: true };
      if (ctx.isNew(alter.table))
        return {
          ...base,
          phase: 'pre',
          scan: false,
          message: `VALIDATE CONSTRAINT ${name} on ${alter.table}, created earlier in this release: nothing an app uses to scan.`,
        };
      const held = heldLock(ctx, s, cmd, alter.table);
      if (held && held.lock !== 'ShareUpdateExclusiveLock') {
        const where =
          held.line === s.line
            ? 'another sub-command of this ALTER TABLE'
            : `the statement at line ${held.line} of this migration`;
        return {
          ...base,
          phase: 'unsafe',
          sizeDependent: true,
          message: `VALIDATE CONSTRAINT ${name} on ${alter.table}${sizeNote(ctx, alter.table)} scans the table while ${where} holds ${held.lock} on it until COMMIT, so app queries that lock conflicts with wait for the whole scan.`,
          fix: `Move the validation into a migration of its own, after the one that adds the constraint:\n  ALTER TABLE ${qualifiedSql(alter.table)} VALIDATE CONSTRAINT ${readableIdent(name)};   -- alone, it scans under SHARE UPDATE EXCLUSIVE`,
        };
      }
      return {
        ...base,
        phase: 'pre',
        message: `VALIDATE CONSTRAINT ${name} on ${alter.table}${sizeNote(ctx, alter.table)}: scans the table under SHARE UPDATE EXCLUSIVE, which blocks no app query.`,
      };
    });
  },
  examples: {
    fires: [
      'ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk',
      'ALTER TABLE IF EXISTS ONLY "Shop"."Orders" VALIDATE CONSTRAINT "Qty_check"',
      'ALTER TABLE orders ADD CONSTRAINT qty CHECK (qty > 0) NOT VALID; ALTER TABLE orders VALIDATE CONSTRAINT qty',
      'ALTER TABLE orders VALIDATE CONSTRAINT a, ADD COLUMN note text',
    ],
    silent: ['ALTER TABLE orders ADD CONSTRAINT qty CHECK (qty > 0) NOT VALID'],
  },
};
