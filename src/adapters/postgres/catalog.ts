/**
 * Reads the catalog facts the classifier uses: server version, each user table's size and row
 * estimate, its columns, and which columns already carry a validated CHECK (col IS NOT NULL)
 * (recognised by parsing the constraint's definition with PostgreSQL's parser).
 */
import { as, nameList } from '../../core/sql/ast.js';
import { parseSql } from '../../core/sql/parse.js';
import type { Db } from '../../ports.js';
import type { CatalogFacts, TableFacts } from '../../core/schema/facts.js';

export async function readCatalog(db: Db): Promise<CatalogFacts> {
  const version = await db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  const tables = await db.query<{ schema: string; name: string; rows: number; bytes: string }>(`
    SELECT n.nspname AS schema, c.relname AS name, c.reltuples::float8 AS rows, pg_relation_size(c.oid)::text AS bytes
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'm')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`);
  const columns = await db.query<{ schema: string; table: string; column: string; type: string; not_null: boolean }>(`
    SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'm') AND a.attnum > 0 AND NOT a.attisdropped
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`);
  const checks = await db.query<{ schema: string; table: string; def: string }>(`
    SELECT n.nspname AS schema, c.relname AS table, pg_get_constraintdef(k.oid) AS def
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE k.contype = 'c' AND k.convalidated
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')`);

  const relations = await db.query<{ name: string }>(`
    SELECT n.nspname || '.' || c.relname AS name
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'm', 'v', 'S', 'f', 'i', 'I')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`);
  const routines = await db.query<{ name: string }>(`
    SELECT DISTINCT n.nspname || '.' || p.proname AS name
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`);

  const facts: CatalogFacts = {
    serverVersion: Number(version.rows[0]!.v),
    tables: {},
    relations: relations.rows.map((r) => r.name),
    routines: routines.rows.map((r) => r.name),
  };
  for (const t of tables.rows) {
    facts.tables[`${t.schema}.${t.name}`] = {
      schema: t.schema,
      name: t.name,
      rowEstimate: Number(t.rows),
      bytes: Number(t.bytes),
      notNullChecks: [],
      columns: {},
    };
  }
  for (const c of columns.rows) {
    const t = facts.tables[`${c.schema}.${c.table}`];
    if (t) t.columns[c.column] = { type: c.type, notNull: c.not_null };
  }
  for (const k of checks.rows) {
    const t: TableFacts | undefined = facts.tables[`${k.schema}.${k.table}`];
    const column = notNullCheckColumn(k.def);
    if (t && column) t.notNullChecks.push(column);
  }
  return facts;
}

/** `CHECK ((email IS NOT NULL))` → `email`; any other check → undefined. */
export function notNullCheckColumn(constraintDef: string): string | undefined {
  const inner = constraintDef.replace(/^CHECK\s*/i, '').replace(/\s*NOT VALID$/i, '');
  let parsed;
  try {
    parsed = parseSql(`SELECT ${inner}`, 'catalog');
  } catch {
    return undefined;
  }
  const target = as(parsed.statements[0]?.node, 'SelectStmt')?.targetList?.[0];
  const test = as(as(target, 'ResTarget')?.val, 'NullTest');
  if (!test || test.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const names = nameList(as(test.arg, 'ColumnRef')?.fields);
  return names.length === 1 ? names[0] : undefined;
}
