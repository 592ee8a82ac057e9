import { alterTable, columnDef, constraintsOf } from './support/alter.js';
import { commandsFor } from './support/alter-commands.js';
import { readableIdent, qualifiedSql } from '../sql/identifiers.js';
import { sizeNote } from './support/objects.js';
import { defaultVolatility } from './support/volatility.js';
import type { Rule } from './rule.js';

/**
 * ADD COLUMN … DEFAULT <volatile expression> must compute a value per row, so PostgreSQL
 * rewrites the whole table and its indexes under ACCESS EXCLUSIVE (measured on PostgreSQL 15
 * with gen_random_uuid() and clock_timestamp(): new relfilenode for the table and every index,
 * ShareLock for the index rebuilds). A STABLE or IMMUTABLE function (now(), a user function
 * declared STABLE) is evaluated once and stored as the column's missing value: no rewrite
 * (measured: relfilenode unchanged). Volatility is read from `pg_proc.provolatile` when a
 * database was read, from the migration's own CREATE FUNCTION, and otherwise from a short list
 * of built-ins (support/volatility.ts); an unknown function is assumed volatile. (A VOLATILE
 * LANGUAGE sql function whose body is a constant is inlined by the planner and then does not
 * rewrite; deployctl goes by the declaration and reports the rewrite.) Before
 * PostgreSQL 11 every default did this, constant or not. The old code is not broken — its INSERTs get the default — so the only hazard is the lock
 * held for the rewrite: size-dependent, and instant on an empty table.
 */
export const addColumnVolatileDefault: Rule = {
  id: 'add-column-volatile-default',
  summary: 'ADD COLUMN with a volatile default (any default before PostgreSQL 11): table rewrite',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return commandsFor(alter, this.id, ctx).map((cmd) => {
      const col = columnDef(cmd);
      const name = col?.colname ?? '';
      const def = constraintsOf(col).find((c) => c.contype === 'CONSTR_DEFAULT');
      const { because, how } = defaultVolatility(def?.raw_expr, ctx);
      const table = qualifiedSql(alter.table);
      const column = readableIdent(name);
      const why = because
        ? `its default calls ${because}, which is volatile (${how ?? 'per row'}), so every existing row needs its own value`
        : `PostgreSQL ${Math.floor(ctx.serverVersion / 10000)} stores no column default in the catalog (that came in PostgreSQL 11), so every existing row is written`;
      return {
        rule: this.id,
        phase: 'unsafe' as const,
        lock: 'AccessExclusiveLock' as const,
        relation: alter.table,
        rewrite: true,
        scan: true,
        sizeDependent: true,
        message: `ADD COLUMN ${name} on ${alter.table}${sizeNote(ctx, alter.table)} rewrites the table and all its indexes under ACCESS EXCLUSIVE: ${why}. Every app query on the table waits until the rewrite ends.`,
        fix: [
          'Add the column without a default, give new rows the default, then fill old rows in batches:',
          `  1. ALTER TABLE ${table} ADD COLUMN ${column} <type>;   -- catalog-only`,
          `  2. ALTER TABLE ${table} ALTER COLUMN ${column} SET DEFAULT <expression>;   -- new rows only, no rewrite`,
          `  3. In batches, each its own transaction: UPDATE ${table} SET ${column} = <expression> WHERE id IN (SELECT id FROM ${table} WHERE ${column} IS NULL LIMIT 10000);`,
          `  4. If it must be NOT NULL: ALTER TABLE ${table} ADD CONSTRAINT ${readableIdent(`${name}_not_null`)} CHECK (${column} IS NOT NULL) NOT VALID;`,
          `     then, in a later migration: ALTER TABLE ${table} VALIDATE CONSTRAINT ${readableIdent(`${name}_not_null`)};   -- scans without blocking writes`,
        ].join('\n'),
      };
    });
  },
  examples: {
    fires: [
      'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()',
      'ALTER TABLE ONLY "Audit"."Log" ADD COLUMN at timestamptz NOT NULL DEFAULT clock_timestamp()',
      'ALTER TABLE IF EXISTS users ADD COLUMN a int, ADD COLUMN r float8 DEFAULT random()',
      { sql: "ALTER TABLE users ADD COLUMN status text DEFAULT 'active'", serverVersion: 100000 },
      'ALTER TABLE users ADD COLUMN n int DEFAULT (SELECT max(id) FROM users)',
      'ALTER TABLE users ADD COLUMN code text DEFAULT app.next_code()',
      {
        sql: 'ALTER TABLE users ADD COLUMN code text DEFAULT next_code()',
        catalog: { serverVersion: 150000, tables: {}, functionVolatility: { 'public.next_code': 'v' } },
      },
      "CREATE FUNCTION code() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN 'x'; END $$; ALTER TABLE users ADD COLUMN c text DEFAULT code()",
    ],
    silent: [
      "ALTER TABLE users ADD COLUMN status text DEFAULT 'active'",
      'ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now()',
      'ALTER TABLE users ADD COLUMN n int DEFAULT NULL',
      'CREATE TABLE users (id int); ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()',
      {
        sql: 'ALTER TABLE users ADD COLUMN code text DEFAULT app.current_code()',
        catalog: { serverVersion: 150000, tables: {}, functionVolatility: { 'app.current_code': 's' } },
      },
      "CREATE FUNCTION code() RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'x' $$; ALTER TABLE users ADD COLUMN c text DEFAULT code()",
    ],
  },
};
