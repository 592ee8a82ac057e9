import { alterTable } from './support/alter.js';
import { constraintsFor } from './support/alter-commands.js';
import { readableIdent, qualifiedSql } from '../sql/identifiers.js';
import { sizeNote } from './support/objects.js';
import type { Finding, Rule } from './rule.js';

/**
 * ADD CONSTRAINT … CHECK takes ACCESS EXCLUSIVE and, unless NOT VALID, scans every row while
 * holding it (measured on PostgreSQL 15: one sequential scan, no rewrite): every app query on
 * the table waits for the scan, so the hazard is size-dependent. NOT VALID makes it an instant
 * catalog edit; VALIDATE CONSTRAINT later scans under SHARE UPDATE EXCLUSIVE. A CHECK written
 * inside ADD COLUMN cannot be NOT VALID and is always checked under the ADD COLUMN's lock
 * (measured: one scan, even though the new column is all NULL).
 *
 * Either form checks new rows at once: if the old code writes rows the check rejects, its
 * writes fail after this runs — deployctl cannot see that, the author must.
 */
export const addCheckConstraint: Rule = {
  id: 'add-check-constraint',
  summary: 'ADD CHECK without NOT VALID: full scan under ACCESS EXCLUSIVE',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return constraintsFor(alter, this.id).map(({ constraint: c, column }): Finding => {
      const base = { rule: this.id, lock: 'AccessExclusiveLock' as const, relation: alter.table };
      const label = `CHECK constraint ${c.conname ?? ''}`.trimEnd();
      if (ctx.isNew(alter.table))
        return {
          ...base,
          phase: 'pre',
          message: `${label} on ${alter.table}, created earlier in this release: nothing to scan that an app uses.`,
        };
      if (c.skip_validation)
        return {
          ...base,
          phase: 'pre',
          message: `${label} NOT VALID on ${alter.table}: catalog-only, ACCESS EXCLUSIVE for an instant; new rows are checked from now on. Validate it in a later migration.`,
        };
      const table = qualifiedSql(alter.table);
      const name = readableIdent(c.conname ?? `${column?.colname ?? alter.table.split('.').pop()}_check`);
      return {
        ...base,
        phase: 'unsafe',
        scan: true,
        sizeDependent: true,
        message: `${label} on ${alter.table}${sizeNote(ctx, alter.table)}${column ? ` (in ADD COLUMN ${column.colname ?? ''})` : ''} checks every existing row under ACCESS EXCLUSIVE: every app query on ${alter.table} waits until the scan ends.`,
        fix: [
          ...(column
            ? [
                `Add the column without the CHECK: ALTER TABLE ${table} ADD COLUMN ${readableIdent(column.colname ?? '')} <type>; then:`,
              ]
            : ['Add the constraint without checking existing rows, then validate it separately:']),
          `  1. ALTER TABLE ${table} ADD CONSTRAINT ${name} CHECK (<condition>) NOT VALID;   -- instant; new rows are checked`,
          `  2. In a later migration: ALTER TABLE ${table} VALIDATE CONSTRAINT ${name};   -- scans under SHARE UPDATE EXCLUSIVE, app queries continue`,
        ].join('\n'),
      };
    });
  },
  examples: {
    fires: [
      'ALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty > 0)',
      'ALTER TABLE ONLY "Shop".orders ADD CHECK (qty > 0), ADD COLUMN note text',
      'ALTER TABLE IF EXISTS orders ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID',
      'ALTER TABLE orders ADD COLUMN discount int CHECK (discount >= 0)',
    ],
    silent: [
      'ALTER TABLE orders VALIDATE CONSTRAINT qty_positive',
      'ALTER TABLE orders ADD CONSTRAINT u UNIQUE (code)',
    ],
  },
};
