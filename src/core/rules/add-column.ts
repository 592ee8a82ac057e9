import { alterTable, columnDef, constraintsOf } from './support/alter.js';
import { addColumnHazards, commandsFor } from './support/alter-commands.js';
import type { Rule } from './rule.js';

/**
 * ADD COLUMN that is nullable, or has a non-volatile default on PostgreSQL 11+, only edits the
 * catalog: ACCESS EXCLUSIVE for an instant, no rewrite (relfilenode unchanged), no scan
 * (measured on PostgreSQL 15). Old code keeps working: its SELECTs name their columns or ignore
 * extra ones, and its INSERTs omit the column, which gets NULL or the default. The dangerous
 * variants belong to add-column-volatile-default, add-column-not-null and add-column-generated;
 * `addColumnHazards` (support/alter-commands.ts) decides which rule judges a column, so exactly
 * one of the four speaks about it. Inline CHECK, REFERENCES and UNIQUE are judged by the
 * constraint rules.
 */
export const addColumn: Rule = {
  id: 'add-column',
  summary: 'ADD COLUMN nullable or with a constant default: catalog-only',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return commandsFor(alter, this.id, ctx).map((cmd) => {
      const col = columnDef(cmd);
      const hasDefault = constraintsOf(col).some((c) => c.contype === 'CONSTR_DEFAULT');
      // A table created earlier in the migration is still rewritten to fill a volatile default,
      // serial, identity or stored generated column (relfilenode changes, seen by deployctl trace);
      // it is empty, so that is instant.
      const fills =
        ctx.isNew(alter.table) &&
        addColumnHazards(cmd, alter.table, { ...ctx, isNew: () => false }).some(
          (h) => h === 'add-column-volatile-default' || h === 'add-column-generated',
        );
      return {
        rule: this.id,
        phase: 'pre' as const,
        lock: 'AccessExclusiveLock' as const,
        relation: alter.table,
        ...(fills ? { rewrite: true } : {}),
        message: ctx.isNew(alter.table)
          ? `ADD COLUMN ${col?.colname ?? ''} on ${alter.table}, created earlier in this release: no app code uses it yet.`
          : `ADD COLUMN ${col?.colname ?? ''}: catalog-only change; the old code never names the new column and its INSERTs get ${hasDefault ? 'the default' : 'NULL'}.`,
      };
    });
  },
  examples: {
    fires: [
      'ALTER TABLE users ADD COLUMN email text',
      "ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active'",
      'ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now()',
      'ALTER TABLE "Users" ADD COLUMN IF NOT EXISTS a int, ADD COLUMN b int',
      'ALTER TABLE ONLY billing.invoices ADD COLUMN note text',
      'CREATE TABLE t (id int); ALTER TABLE t ADD COLUMN n int NOT NULL',
      'CREATE TABLE t (id int); ALTER TABLE t ADD COLUMN token uuid DEFAULT gen_random_uuid()',
      { sql: 'ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (id * 2) VIRTUAL', serverVersion: 180000 },
    ],
    silent: [
      'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()',
      'ALTER TABLE users ADD COLUMN n int NOT NULL',
      'ALTER TABLE users ADD COLUMN id bigserial',
      { sql: "ALTER TABLE users ADD COLUMN status text DEFAULT 'active'", serverVersion: 100000 },
      'ALTER TABLE users DROP COLUMN email',
    ],
  },
};
