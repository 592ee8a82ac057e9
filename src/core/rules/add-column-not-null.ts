import { alterTable, columnDef, constraintsOf } from './support/alter.js';
import { commandsFor } from './support/alter-commands.js';
import { readableIdent, qualifiedSql } from '../sql/identifiers.js';
import type { Rule } from './rule.js';

/**
 * ADD COLUMN … NOT NULL (or PRIMARY KEY, which implies NOT NULL) without a DEFAULT breaks in both
 * orders: on a table with rows PostgreSQL rejects it ("column contains null values", measured on
 * PostgreSQL 15), and even on an empty table the old code's INSERTs, which never name the new
 * column, fail from then on. So it is unsafe whatever the table's size (no `sizeDependent`).
 * Identity, serial and stored generated columns fill every row themselves and are judged by
 * add-column-generated instead.
 */
export const addColumnNotNull: Rule = {
  id: 'add-column-not-null',
  summary: 'ADD COLUMN NOT NULL / PRIMARY KEY without a default: fails on rows, breaks old INSERTs',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return commandsFor(alter, this.id, ctx).map((cmd) => {
      const col = columnDef(cmd);
      const name = col?.colname ?? '';
      const pk = constraintsOf(col).some((c) => c.contype === 'CONSTR_PRIMARY');
      const table = qualifiedSql(alter.table);
      const column = readableIdent(name);
      const check = readableIdent(`${name}_not_null`);
      return {
        rule: this.id,
        phase: 'unsafe' as const,
        lock: 'AccessExclusiveLock' as const,
        relation: alter.table,
        message: `ADD COLUMN ${name} ${pk ? 'PRIMARY KEY' : 'NOT NULL'} without a DEFAULT on ${alter.table}: it fails if the table has rows, and once it exists every INSERT of the old code (which does not name ${name}) violates NOT NULL.`,
        fix: [
          'If one value suits every existing row, give it as a constant default (catalog-only since PostgreSQL 11):',
          `  ALTER TABLE ${table} ADD COLUMN ${column} <type> NOT NULL DEFAULT <constant>;`,
          'Otherwise add it nullable and tighten it once the new code writes it:',
          `  1. ALTER TABLE ${table} ADD COLUMN ${column} <type>;   -- before the rollout`,
          `  2. Deploy code that writes ${name}; backfill old rows in batches (UPDATE … WHERE ${column} IS NULL … LIMIT 10000, one transaction each).`,
          `  3. ALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (${column} IS NOT NULL) NOT VALID;`,
          `  4. Next migration: ALTER TABLE ${table} VALIDATE CONSTRAINT ${check};   -- scans without blocking writes`,
          `  5. Next release: ALTER TABLE ${table} ALTER COLUMN ${column} SET NOT NULL;   -- PostgreSQL 12+ uses the check, no scan`,
          `     then ALTER TABLE ${table} DROP CONSTRAINT ${check};`,
          ...(pk
            ? [
                `  For a primary key: CREATE UNIQUE INDEX CONCURRENTLY on ${column}, then ALTER TABLE ${table} ADD PRIMARY KEY USING INDEX <index>;`,
              ]
            : []),
        ].join('\n'),
      };
    });
  },
  examples: {
    fires: [
      'ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL',
      'ALTER TABLE "Users" ADD COLUMN code text PRIMARY KEY',
      'ALTER TABLE IF EXISTS app.users ADD COLUMN a int, ADD COLUMN b int NOT NULL DEFAULT NULL',
    ],
    silent: [
      'ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL DEFAULT 1',
      'ALTER TABLE users ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
      'ALTER TABLE users ADD COLUMN tenant_id bigint',
      'CREATE TABLE users (id int); ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL',
    ],
  },
};
