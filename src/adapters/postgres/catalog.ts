/**
 * Reads the catalog facts the classifier uses: server version and session TimeZone, the
 * binary-coercible casts (`pg_cast`) and default operator classes, each user table's size and
 * row estimate, its columns, its indexes (size, operator classes), the columns its validated CHECK
 * constraints name, and which columns already carry a validated CHECK (col IS NOT NULL)
 * (recognised by parsing the constraint's definition with PostgreSQL's parser) and which
 * carry one added NOT VALID; every function's
 * volatility (`pg_proc.provolatile`) and which functions are trigger functions.
 */
import { as, nameList } from '../../core/sql/ast.js';
import { parseSql } from '../../core/sql/parse.js';
import { catalogType } from '../../core/rules/support/column-types.js';
import type { Db } from '../../ports.js';
import type { CatalogFacts, TableFacts } from '../../core/schema/facts.js';

export async function readCatalog(db: Db): Promise<CatalogFacts> {
  const version = await db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  const tables = await db.query<{ schema: string; name: string; rows: number; bytes: string }>(`
    SELECT n.nspname AS schema, c.relname AS name, c.reltuples::float8 AS rows, pg_relation_size(c.oid)::text AS bytes
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'm')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`);
  const columns = await db.query<{
    schema: string;
    table: string;
    column: string;
    type: string;
    not_null: boolean;
    has_default: boolean;
  }>(`
    SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
           a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '' AS has_default
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'm') AND a.attnum > 0 AND NOT a.attisdropped
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`);
  const checks = await db.query<{ schema: string; table: string; name: string; valid: boolean; def: string }>(`
    SELECT n.nspname AS schema, c.relname AS table, k.conname AS name, k.convalidated AS valid, pg_get_constraintdef(k.oid) AS def
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE k.contype = 'c'
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

  const functions = await db.query<{ name: string; volatility: 'i' | 's' | 'v'; trigger: boolean }>(`
    SELECT n.nspname || '.' || p.proname AS name,
           max(p.provolatile::text) AS volatility, -- 'v' > 's' > 'i': the most volatile overload
           bool_or(p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype)) AS trigger
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname NOT IN ('information_schema') AND n.nspname NOT LIKE 'pg_toast%'
     GROUP BY 1`);
  const zone = await db.query<{ tz: string }>("SELECT current_setting('TimeZone') AS tz");
  const casts = await db.query<{ source: string; target: string }>(`
    SELECT format_type(castsource, NULL) AS source, format_type(casttarget, NULL) AS target
      FROM pg_cast WHERE castmethod = 'b' AND castsource <> casttarget`);
  const opclasses = await db.query<{ am: string; type: string; name: string }>(`
    SELECT am.amname AS am, format_type(o.opcintype, NULL) AS type, o.opcname AS name
      FROM pg_opclass o JOIN pg_am am ON am.oid = o.opcmethod WHERE o.opcdefault`);
  const indexes = await db.query<{
    schema: string;
    table: string;
    name: string;
    bytes: string;
    am: string;
    columns: string[];
    opclasses: string[];
    opclass_types: string[];
  }>(`
    SELECT n.nspname AS schema, t.relname AS table, ic.relname AS name, pg_relation_size(ic.oid)::text AS bytes,
           am.amname AS am,
           array(SELECT coalesce(a.attname::text, '') FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                   LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
           array(SELECT o.opcname::text FROM unnest(i.indclass::oid[]) WITH ORDINALITY k(oid, ord)
                   JOIN pg_opclass o ON o.oid = k.oid ORDER BY k.ord) AS opclasses,
           array(SELECT format_type(o.opcintype, NULL) FROM unnest(i.indclass::oid[]) WITH ORDINALITY k(oid, ord)
                   JOIN pg_opclass o ON o.oid = k.oid ORDER BY k.ord) AS opclass_types
      FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am am ON am.oid = ic.relam
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`);
  const constraints = await db.query<{ schema: string; table: string; name: string; type: string }>(`
    SELECT n.nspname AS schema, c.relname AS table, k.conname AS name,
           CASE WHEN k.contype = 'f' AND k.confdeltype IN ('c', 'n', 'd') THEN 'f-action' ELSE k.contype::text END AS type
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')`);
  const checkColumns = await db.query<{ schema: string; table: string; column: string }>(`
    SELECT DISTINCT n.nspname AS schema, c.relname AS table, a.attname AS column
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
     WHERE k.contype = 'c' AND k.convalidated
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')`);

  const typeName = (formatted: string): string | undefined => catalogType(formatted)?.name;
  const facts: CatalogFacts = {
    serverVersion: Number(version.rows[0]!.v),
    timeZone: zone.rows[0]!.tz,
    binaryCasts: casts.rows.flatMap((c) => {
      const [from, to] = [typeName(c.source), typeName(c.target)];
      return from && to ? [`${from}>${to}`] : [];
    }),
    defaultOpclasses: Object.fromEntries(
      opclasses.rows.flatMap((o) => {
        const type = typeName(o.type);
        return type ? [[`${o.am}:${type}`, o.name]] : [];
      }),
    ),
    tables: {},
    relations: relations.rows.map((r) => r.name),
    routines: routines.rows.map((r) => r.name),
    functionVolatility: Object.fromEntries(functions.rows.map((f) => [f.name, f.volatility])),
    triggerFunctions: functions.rows.filter((f) => f.trigger).map((f) => f.name),
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
    if (t) t.columns[c.column] = { type: c.type, notNull: c.not_null, hasDefault: c.has_default };
  }
  for (const k of constraints.rows) {
    const t = facts.tables[`${k.schema}.${k.table}`];
    if (t) (t.constraints ??= {})[k.name] = k.type;
  }
  for (const c of checkColumns.rows) {
    const t = facts.tables[`${c.schema}.${c.table}`];
    if (t) (t.checkColumns ??= []).push(c.column);
  }
  for (const i of indexes.rows) {
    const t = facts.tables[`${i.schema}.${i.table}`];
    if (!t) continue;
    (t.indexes ??= []).push({
      name: i.name,
      bytes: Number(i.bytes),
      am: i.am,
      columns: i.columns,
      opclasses: i.opclasses,
      opclassTypes: i.opclass_types.map((x) => typeName(x) ?? x),
    });
  }
  for (const k of checks.rows) {
    const t: TableFacts | undefined = facts.tables[`${k.schema}.${k.table}`];
    const column = notNullCheckColumn(k.def);
    if (!t || !column) continue;
    if (k.valid) t.notNullChecks.push(column);
    else (t.notValidNotNullChecks ??= {})[k.name] = column;
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
