import { constraintsOf, alterTable, columnDef, typeNameOf } from './support/alter.js';
import { defaultVolatility } from './support/volatility.js';
import type { Finding, Rule } from './rule.js';

const SERIAL_TYPES = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

/**
 * ADD COLUMN that is nullable, or has a non-volatile default on PostgreSQL 11+, only edits the
 * catalog: ACCESS EXCLUSIVE for an instant, no rewrite (relfilenode unchanged), no scan. Old code
 * keeps working: its SELECTs name their columns or ignore extra ones, and its INSERTs omit the
 * column, which gets NULL or the default. The dangerous variants are separate rules
 * (add-column-volatile-default, add-column-not-null, add-column-generated).
 */
export const addColumn: Rule = {
  id: 'add-column',
  summary: 'ADD COLUMN nullable or with a constant default: catalog-only',
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    const findings: Finding[] = [];
    for (const cmd of alter.cmds) {
      if (cmd.subtype !== 'AT_AddColumn') continue;
      const col = columnDef(cmd);
      const constraints = constraintsOf(col);
      const def = constraints.find((c) => c.contype === 'CONSTR_DEFAULT');
      const notNull = col?.is_not_null || constraints.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY');
      const generated = constraints.some((c) => c.contype === 'CONSTR_GENERATED' || c.contype === 'CONSTR_IDENTITY');
      const serial = SERIAL_TYPES.has(typeNameOf(col));
      const volatile = def ? defaultVolatility(def.raw_expr).volatile : false;
      const rewritesBefore11 = def !== undefined && ctx.serverVersion < 110000;
      const isNew = ctx.isNew(alter.table);
      if (!isNew && ((notNull && !def) || generated || serial || volatile || rewritesBefore11)) continue;
      findings.push({
        rule: this.id,
        phase: 'pre',
        lock: 'AccessExclusiveLock',
        relation: alter.table,
        message: `ADD COLUMN ${col?.colname ?? ''}: catalog-only change; the old code never names the new column and its INSERTs get ${def ? 'the default' : 'NULL'}.`,
      });
    }
    return findings;
  },
  examples: {
    fires: [
      'ALTER TABLE users ADD COLUMN email text',
      "ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active'",
      'ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now()',
      'ALTER TABLE "Users" ADD COLUMN IF NOT EXISTS a int, ADD COLUMN b int',
      'CREATE TABLE t (id int); ALTER TABLE t ADD COLUMN n int NOT NULL',
    ],
    silent: ['ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()', 'ALTER TABLE users DROP COLUMN email'],
  },
};

