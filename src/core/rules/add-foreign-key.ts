import { nameList, qualifiedName } from '../sql/ast.js';
import { alterTable, constraintsOf } from './support/alter.js';
import { constraintsFor } from './support/alter-commands.js';
import { heldLock } from './support/held-locks.js';
import { readableIdent, qualifiedSql } from '../sql/identifiers.js';
import { sizeNote } from './support/objects.js';
import { strongerLock, type Finding, type Rule } from './rule.js';

/**
 * ADD CONSTRAINT … FOREIGN KEY takes SHARE ROW EXCLUSIVE on both tables (it adds triggers to
 * each) and, unless NOT VALID, checks every existing row while holding them: writes to the
 * table and to the referenced table wait for the whole scan (measured on PostgreSQL 15: one
 * sequential scan, ShareRowExclusiveLock on both). With NOT VALID the same locks last an instant
 * and only new rows are checked; VALIDATE CONSTRAINT later scans under SHARE UPDATE EXCLUSIVE,
 * which blocks no app query. The hazard is the lock held for the scan: size-dependent.
 *
 * REFERENCES written in ADD COLUMN: with no DEFAULT the new column is all NULL and PostgreSQL
 * skips validation (measured: no scan; ACCESS EXCLUSIVE on the table and SHARE ROW EXCLUSIVE on
 * the referenced one, both an instant), so it is `pre`. With any DEFAULT — even DEFAULT NULL —
 * it validates every row under the ADD COLUMN's ACCESS EXCLUSIVE (measured: one scan).
 */
export const addForeignKey: Rule = {
  id: 'add-foreign-key',
  summary: 'ADD FOREIGN KEY without NOT VALID: validates every row while blocking writes to both tables',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return constraintsFor(alter, this.id).map(({ cmd, constraint: c, column }): Finding => {
      const parent = qualifiedName(c.pktable);
      const cols = column ? [column.colname ?? ''] : nameList(c.fk_attrs);
      const label = `FOREIGN KEY (${cols.join(', ')}) REFERENCES ${parent}`;
      const inColumn = column !== undefined;
      const defaulted = inColumn && constraintsOf(column).some((x) => x.contype === 'CONSTR_DEFAULT');
      const lock = inColumn ? ('AccessExclusiveLock' as const) : ('ShareRowExclusiveLock' as const);
      const base = { rule: this.id, lock, relation: alter.table };
      if (ctx.isNew(alter.table))
        return {
          ...base,
          phase: 'pre',
          message: `${label} on ${alter.table}, created earlier in this release: nothing to validate that an app uses; SHARE ROW EXCLUSIVE on ${parent} for an instant.`,
        };
      if (c.skip_validation)
        return {
          ...base,
          phase: 'pre',
          message: `${label} NOT VALID on ${alter.table}: SHARE ROW EXCLUSIVE on both tables for an instant, no scan; only new rows are checked. Validate it in a later migration.`,
        };
      if (inColumn && !defaulted)
        return {
          ...base,
          phase: 'pre',
          message: `ADD COLUMN ${cols[0]} … REFERENCES ${parent} on ${alter.table}: the new column is all NULL, so PostgreSQL skips the validation; SHARE ROW EXCLUSIVE on ${parent} for an instant.`,
        };
      const held = strongerLock(lock, heldLock(ctx, s, cmd, alter.table)?.lock);
      const table = qualifiedSql(alter.table);
      const name = readableIdent(c.conname ?? `${alter.table.split('.').pop()}_${cols.join('_')}_fkey`);
      const refCols = nameList(c.pk_attrs);
      const refs = `${qualifiedSql(parent)}${refCols.length > 0 ? ` (${refCols.map(readableIdent).join(', ')})` : ''}`;
      return {
        ...base,
        phase: 'unsafe',
        scan: true,
        sizeDependent: true,
        message: `${label} on ${alter.table}${sizeNote(ctx, alter.table)} checks every existing row while holding ${held} on ${alter.table} and ShareRowExclusiveLock on ${parent}: app ${held === 'AccessExclusiveLock' ? `queries on ${alter.table} and writes to ${parent}` : 'writes to both tables'} wait until the scan ends.`,
        fix: [
          ...(inColumn
            ? [
                `Add the column without the default first: ALTER TABLE ${table} ADD COLUMN ${readableIdent(cols[0] ?? '')} <type>; then set its default and backfill in batches. Then:`,
              ]
            : ['Add the constraint without checking existing rows, then validate it separately:']),
          `  1. ALTER TABLE ${table} ADD CONSTRAINT ${name} FOREIGN KEY (${cols.map(readableIdent).join(', ')}) REFERENCES ${refs} NOT VALID;   -- instant; new rows are checked`,
          `  2. In a later migration: ALTER TABLE ${table} VALIDATE CONSTRAINT ${name};   -- scans under SHARE UPDATE EXCLUSIVE, app writes continue`,
        ].join('\n'),
      };
    });
  },
  examples: {
    fires: [
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)',
      'ALTER TABLE ONLY "Shop"."Orders" ADD FOREIGN KEY ("userId") REFERENCES "Shop"."Users" ("id"), ADD COLUMN note text',
      'ALTER TABLE IF EXISTS orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID',
      'ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id)',
      'ALTER TABLE orders ADD COLUMN user_id bigint DEFAULT 1 REFERENCES users (id)',
    ],
    silent: [
      'ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk',
      'ALTER TABLE orders ADD CONSTRAINT c CHECK (id > 0)',
    ],
  },
};
