/**
 * Reads a SchemaShape from the catalog. Everything is read in a few catalog queries and printed
 * by PostgreSQL's own deparsers (format_type, pg_get_expr, pg_get_constraintdef, pg_get_indexdef,
 * pg_get_viewdef, pg_get_functiondef), so the text is the server's canonical form, not ours.
 * Left out: system schemas, deployctl's ledger schema, and objects that belong to an extension
 * (they come and go with the extension, which is itself recorded).
 */
import type { Db } from '../../ports.js';
import { withQualifiedNames } from './qualified.js';
import type { ColumnShape, SchemaShape, TableShape } from '../../core/schema/shape.js';

/** `pg_catalog`, `pg_toast`, `pg_temp_N`… all start with `pg_`; the rest are listed. */
const USER_SCHEMA = `left(n.nspname, 3) <> 'pg_' AND n.nspname <> 'information_schema' AND n.nspname <> ALL($1::text[])`;

/** True when the object (classid catalog, objid column) is not a member of an extension. */
const notInExtension = (catalog: string, oid: string): string =>
  `NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = '${catalog}'::regclass AND x.objid = ${oid} AND x.deptype = 'e')`;

export interface ReadShapeOptions {
  /** Schemas to leave out besides the system ones: deployctl's ledger schema. */
  excludeSchemas: string[];
}

export async function readSchemaShape(db: Db, options: ReadShapeOptions): Promise<SchemaShape> {
  return withQualifiedNames(db, () => readShape(db, options));
}

async function readShape(db: Db, options: ReadShapeOptions): Promise<SchemaShape> {
  const p = [options.excludeSchemas];
  const shape: SchemaShape = {
    schemas: [],
    tables: {},
    views: {},
    sequences: {},
    types: {},
    functions: {},
    extensions: {},
  };

  const schemas = await db.query(
    `SELECT n.nspname FROM pg_namespace n WHERE ${USER_SCHEMA} AND ${notInExtension('pg_namespace', 'n.oid')} ORDER BY 1`,
    p,
  );
  shape.schemas = schemas.rows.map((r) => r.nspname as string);

  const tables = await db.query(
    `SELECT c.oid, format('%s.%s', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMA} AND ${notInExtension('pg_class', 'c.oid')}`,
    p,
  );
  const byOid = new Map<number, TableShape>();
  for (const t of tables.rows) {
    const table: TableShape = { columns: {}, constraints: [], indexes: [], triggers: [] };
    shape.tables[t.name as string] = table;
    byOid.set(Number(t.oid), table);
  }
  const oids = [...byOid.keys()];
  await readColumns(db, oids, byOid);
  await readTableParts(db, oids, byOid);

  const views = await db.query(
    `SELECT format('%s.%s', n.nspname, c.relname) AS name, c.relkind, pg_get_viewdef(c.oid, true) AS def, c.reloptions::text AS options,
            (SELECT string_agg(d, '; ' ORDER BY d) FROM (SELECT replace(pg_get_indexdef(i.indexrelid), ' INDEX ' || quote_ident(ic.relname) || ' ON ', ' INDEX ON ') AS d
               FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid) defs) AS indexes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('v', 'm') AND ${USER_SCHEMA} AND ${notInExtension('pg_class', 'c.oid')}`,
    p,
  );
  for (const v of views.rows) {
    const kind = v.relkind === 'm' ? 'materialized view' : 'view';
    shape.views[v.name] = [
      `${kind}${v.options ? ` with ${v.options}` : ''}: ${String(v.def).trim()}`,
      v.indexes ? `indexes: ${v.indexes}` : '',
    ]
      .filter(Boolean)
      .join('\n');
  }

  const sequences = await db.query(
    `SELECT format('%s.%s', n.nspname, c.relname) AS name,
            format('as %s start %s increment %s min %s max %s cache %s%s', format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END) AS def,
            (SELECT format('%s.%s.%s', tn.nspname, t.relname, a.attname) FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
               JOIN pg_namespace tn ON tn.oid = t.relnamespace JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a') AS owned_by
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid
      WHERE c.relkind = 'S' AND ${USER_SCHEMA} AND ${notInExtension('pg_class', 'c.oid')}
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i')`,
    p,
  );
  for (const s of sequences.rows) shape.sequences[s.name] = `${s.def}${s.owned_by ? ` owned by ${s.owned_by}` : ''}`;

  const types = await db.query(
    `SELECT format('%s.%s', n.nspname, t.typname) AS name, t.typtype,
            (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels,
            format_type(t.typbasetype, t.typtypmod) AS base, t.typnotnull, t.typdefault,
            (SELECT string_agg(pg_get_constraintdef(k.oid, true), ' ' ORDER BY pg_get_constraintdef(k.oid, true)) FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c') AS checks,
            (SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum)
               FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) AS attributes,
            (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid) AS subtype
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE ${USER_SCHEMA} AND ${notInExtension('pg_type', 't.oid')}
        AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))`,
    p,
  );
  for (const t of types.rows) {
    shape.types[t.name] =
      t.typtype === 'e'
        ? `enum (${t.labels ?? ''})`
        : t.typtype === 'd'
          ? `domain ${t.base}${t.typnotnull ? ' not null' : ''}${t.typdefault ? ` default ${t.typdefault}` : ''}${t.checks ? ` ${t.checks}` : ''}`
          : t.typtype === 'r'
            ? `range of ${t.subtype}`
            : `composite (${t.attributes ?? ''})`;
  }

  const functions = await db.query(
    `SELECT format('%s.%s(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS name,
            CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) ELSE format('%s kind %s', p.proname, p.prokind) END AS def
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE ${USER_SCHEMA} AND ${notInExtension('pg_proc', 'p.oid')}`,
    p,
  );
  for (const f of functions.rows) shape.functions[f.name] = String(f.def).trim();

  const extensions = await db.query(
    `SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'`,
  );
  for (const e of extensions.rows) shape.extensions[e.extname] = e.nspname;
  return shape;
}

async function readColumns(db: Db, oids: number[], byOid: Map<number, TableShape>): Promise<void> {
  const r = await db.query(
    `SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, a.attidentity, a.attgenerated,
            pg_get_expr(d.adbin, d.adrelid) AS expr,
            CASE WHEN a.attcollation <> t.typcollation THEN (SELECT collname FROM pg_collation WHERE oid = a.attcollation) END AS collation
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped`,
    [oids],
  );
  for (const c of r.rows) {
    const generated = c.attgenerated !== '';
    const column: ColumnShape = {
      type: c.type,
      notNull: c.attnotnull,
      default: generated ? null : (c.expr ?? null),
      identity: c.attidentity === 'a' ? 'always' : c.attidentity === 'd' ? 'by default' : null,
      generated: generated ? c.expr : null,
      collation: c.collation ?? null,
    };
    byOid.get(Number(c.attrelid))!.columns[c.attname] = column;
  }
}

async function readTableParts(db: Db, oids: number[], byOid: Map<number, TableShape>): Promise<void> {
  // contype 'n' (NOT NULL as a constraint, PostgreSQL 18) is already in the column's notNull.
  const constraints = await db.query(
    `SELECT conrelid AS rel, pg_get_constraintdef(oid, true) AS def FROM pg_constraint WHERE conrelid = ANY($1::oid[]) AND contype IN ('p', 'u', 'c', 'f', 'x')`,
    [oids],
  );
  for (const c of constraints.rows) byOid.get(Number(c.rel))!.constraints.push(c.def);
  const indexes = await db.query(
    `SELECT i.indrelid AS rel, replace(pg_get_indexdef(i.indexrelid), ' INDEX ' || quote_ident(ic.relname) || ' ON ', ' INDEX ON ') AS def
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = ANY($1::oid[])`,
    [oids],
  );
  for (const i of indexes.rows) byOid.get(Number(i.rel))!.indexes.push(i.def);
  const triggers = await db.query(
    `SELECT tgrelid AS rel, pg_get_triggerdef(oid, true) AS def FROM pg_trigger WHERE tgrelid = ANY($1::oid[]) AND NOT tgisinternal`,
    [oids],
  );
  for (const t of triggers.rows) byOid.get(Number(t.rel))!.triggers.push(t.def);
  for (const table of byOid.values()) {
    table.constraints.sort();
    table.indexes.sort();
    table.triggers.sort();
  }
}
