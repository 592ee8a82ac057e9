/**
 * Reads a database's schema back as SQL, in an order that replays on an empty database:
 * schemas, extensions, types, functions (bodies not checked until tables exist), sequences,
 * tables (partitions after their parents), sequence ownership, constraints (foreign keys last),
 * indexes, views, triggers, row-level security, policies, comments. The SQL text comes from
 * PostgreSQL's own deparsers; identifiers are quoted by format('%I'). Objects are ordered by oid
 * within a kind, which on a database built by migrations is mostly creation order, so a view
 * comes after the views it reads. Ownership and privileges are left out: the SQL runs as whoever
 * runs it. Used by squash (to write a baseline) and by trace (to copy a target's schema).
 */
import type { Db } from '../../ports.js';
import { withQualifiedNames } from './qualified.js';

const USER_SCHEMA = `left(n.nspname, 3) <> 'pg_' AND n.nspname <> 'information_schema' AND n.nspname <> ALL($1::text[])`;
const notInExtension = (catalog: string, oid: string): string =>
  `NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = '${catalog}'::regclass AND x.objid = ${oid} AND x.deptype = 'e')`;
/** The relations the dump recreates, as a subquery of oids (relkinds: r table, p partitioned table, v view, m materialized view, S sequence). */
const RELATIONS = (kinds: string): string =>
  `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN (${kinds}) AND ${USER_SCHEMA} AND ${notInExtension('pg_class', 'c.oid')}`;
const TABLES = `'r', 'p'`;

/**
 * Objects the dump leaves out (`dumped` false), or writes but a schema shape does not describe, so
 * comparing shapes cannot check them (`dumped` true: partitioning, row-level security, policies).
 */
const UNSUPPORTED = `
  SELECT format('partitioned table %s', c.oid::regclass) AS what, true AS dumped FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'p' AND ${USER_SCHEMA}
  UNION ALL SELECT format('table %s inherits from %s', i.inhrelid::regclass, i.inhparent::regclass), c.relispartition FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind NOT IN ('i', 'I') AND ${USER_SCHEMA}
  UNION ALL SELECT format('foreign table %s', c.oid::regclass), false FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'f' AND ${USER_SCHEMA}
  UNION ALL SELECT format('row-level security on %s', c.oid::regclass), true FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relrowsecurity AND ${USER_SCHEMA}
  UNION ALL SELECT format('policy %s on %s', p.polname, p.polrelid::regclass), true FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_SCHEMA}
  UNION ALL SELECT format('rule %s on %s', r.rulename, r.ev_class::regclass), false FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace WHERE r.rulename <> '_RETURN' AND ${USER_SCHEMA}
  UNION ALL SELECT format('aggregate or window function %s.%s', n.nspname, p.proname), false FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.prokind IN ('a', 'w') AND ${USER_SCHEMA} AND ${notInExtension('pg_proc', 'p.oid')}
  UNION ALL SELECT format('operator %s.%s', n.nspname, o.oprname), false FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE ${USER_SCHEMA} AND ${notInExtension('pg_operator', 'o.oid')}
  UNION ALL SELECT format('base type %s.%s', n.nspname, t.typname), false FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'b' AND t.typelem = 0 AND ${USER_SCHEMA} AND ${notInExtension('pg_type', 't.oid')}`;

/** One query per step; each returns a column `sql`, already in order. */
const STEPS: { what: string; sql: string }[] = [
  {
    what: 'schemas',
    sql: `SELECT format('CREATE SCHEMA IF NOT EXISTS %I', n.nspname) AS sql FROM pg_namespace n WHERE ${USER_SCHEMA} AND n.nspname <> 'public' AND ${notInExtension('pg_namespace', 'n.oid')} ORDER BY n.oid`,
  },
  {
    what: 'extensions',
    sql: `SELECT format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA %I', e.extname, n.nspname) AS sql FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' AND n.nspname <> ALL($1::text[]) ORDER BY e.oid`,
  },
  {
    what: 'types',
    sql: `SELECT CASE t.typtype
        WHEN 'e' THEN format('CREATE TYPE %I.%I AS ENUM (%s)', n.nspname, t.typname, (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))
        WHEN 'd' THEN format('CREATE DOMAIN %I.%I AS %s%s%s%s', n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod),
          CASE WHEN t.typdefault IS NOT NULL THEN ' DEFAULT ' || t.typdefault ELSE '' END, CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END,
          coalesce((SELECT string_agg(format(' CONSTRAINT %I %s', k.conname, pg_get_constraintdef(k.oid)), '' ORDER BY k.oid) FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c'), ''))
        WHEN 'r' THEN format('CREATE TYPE %I.%I AS RANGE (SUBTYPE = %s)', n.nspname, t.typname, (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid))
        ELSE format('CREATE TYPE %I.%I AS (%s)', n.nspname, t.typname, (SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped))
      END AS sql
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE ${USER_SCHEMA} AND ${notInExtension('pg_type', 't.oid')}
       AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
     ORDER BY t.oid`,
  },
  // Bodies refer to tables that do not exist yet; PostgreSQL checks them when they run instead.
  {
    what: 'function bodies',
    sql: `SELECT 'SET LOCAL check_function_bodies = false' AS sql WHERE EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${USER_SCHEMA} AND ${notInExtension('pg_proc', 'p.oid')})`,
  },
  {
    what: 'functions',
    sql: `SELECT rtrim(pg_get_functiondef(p.oid)) AS sql FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.prokind IN ('f', 'p') AND ${USER_SCHEMA} AND ${notInExtension('pg_proc', 'p.oid')} ORDER BY p.oid`,
  },
  {
    what: 'sequences',
    sql: `SELECT format('CREATE SEQUENCE %I.%I AS %s START WITH %s INCREMENT BY %s MINVALUE %s MAXVALUE %s CACHE %s%s', n.nspname, c.relname, format_type(s.seqtypid, NULL),
            s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END) AS sql
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid
      WHERE c.oid IN (${RELATIONS(`'S'`)}) AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i')
      ORDER BY c.oid`,
  },
  {
    what: 'tables',
    // A partition names its parent and bounds; its columns come from the parent.
    sql: `SELECT CASE WHEN c.relispartition
            THEN format('CREATE %sTABLE %I.%I PARTITION OF %s %s%s%s', CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED ' ELSE '' END, n.nspname, c.relname,
              (SELECT i.inhparent::regclass::text FROM pg_inherits i WHERE i.inhrelid = c.oid), pg_get_expr(c.relpartbound, c.oid),
              CASE WHEN c.relkind = 'p' THEN ' PARTITION BY ' || pg_get_partkeydef(c.oid) ELSE '' END,
              CASE WHEN c.reloptions IS NOT NULL THEN format(' WITH (%s)', array_to_string(c.reloptions, ', ')) ELSE '' END)
            ELSE format(E'CREATE %sTABLE %I.%I (\\n  %s\\n)%s%s', CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED ' ELSE '' END, n.nspname, c.relname,
            coalesce((SELECT string_agg(format('%I %s%s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                CASE WHEN a.attcollation <> t.typcollation THEN (SELECT format(' COLLATE %I.%I', cn.nspname, co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) ELSE '' END,
                CASE WHEN a.attgenerated = 's' THEN format(' GENERATED ALWAYS AS (%s) STORED', pg_get_expr(d.adbin, d.adrelid))
                     WHEN a.attgenerated = 'v' THEN format(' GENERATED ALWAYS AS (%s) VIRTUAL', pg_get_expr(d.adbin, d.adrelid))
                     WHEN a.attidentity = 'a' THEN ' GENERATED ALWAYS AS IDENTITY'
                     WHEN a.attidentity = 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY'
                     WHEN d.adbin IS NOT NULL THEN ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) ELSE '' END,
                CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END), E',\\n  ' ORDER BY a.attnum)
               FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), ''),
            CASE WHEN c.relkind = 'p' THEN ' PARTITION BY ' || pg_get_partkeydef(c.oid) ELSE '' END,
            CASE WHEN c.reloptions IS NOT NULL THEN format(' WITH (%s)', array_to_string(c.reloptions, ', ')) ELSE '' END) END AS sql
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid IN (${RELATIONS(TABLES)}) ORDER BY c.relispartition, c.oid`,
  },
  {
    what: 'sequence ownership',
    sql: `SELECT format('ALTER SEQUENCE %I.%I OWNED BY %I.%I.%I', n.nspname, c.relname, tn.nspname, t.relname, a.attname) AS sql
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a'
       JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
      WHERE c.oid IN (${RELATIONS(`'S'`)}) ORDER BY c.oid`,
  },
  {
    what: 'constraints',
    sql: `SELECT format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid)) AS sql
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid IN (${RELATIONS(TABLES)}) AND k.contype IN ('p', 'u', 'c', 'x') AND k.conislocal AND k.conparentid = 0 ORDER BY c.oid, k.contype = 'c', k.oid`,
  },
  {
    what: 'foreign keys',
    sql: `SELECT format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid)) AS sql
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid IN (${RELATIONS(TABLES)}) AND k.contype = 'f' AND k.conislocal AND k.conparentid = 0 ORDER BY c.oid, k.oid`,
  },
  {
    what: 'indexes',
    // On a partitioned table the deparser writes ON ONLY, which would leave the partitions without it.
    sql: `SELECT CASE WHEN c.relkind = 'p' THEN regexp_replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ') ELSE pg_get_indexdef(i.indexrelid) END AS sql
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
      WHERE i.indrelid IN (${RELATIONS(TABLES)})
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
        AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
      ORDER BY i.indexrelid`,
  },
  {
    what: 'views',
    sql: `SELECT format('CREATE %s %I.%I%s AS%s%s', CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, n.nspname, c.relname,
            CASE WHEN c.reloptions IS NOT NULL THEN format(' WITH (%s)', array_to_string(c.reloptions, ', ')) ELSE '' END,
            E'\\n', rtrim(rtrim(pg_get_viewdef(c.oid)), ';')) AS sql
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid IN (${RELATIONS(`'v', 'm'`)}) ORDER BY c.oid`,
  },
  {
    what: 'view indexes',
    sql: `SELECT pg_get_indexdef(i.indexrelid) AS sql FROM pg_index i WHERE i.indrelid IN (${RELATIONS(`'m'`)}) ORDER BY i.indexrelid`,
  },
  {
    what: 'triggers',
    // A partition's copy of its parent's row trigger comes with the parent's.
    sql: `SELECT pg_get_triggerdef(g.oid) AS sql FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
      WHERE g.tgrelid IN (${RELATIONS(`${TABLES}, 'v', 'm'`)}) AND NOT g.tgisinternal
        AND NOT (c.relispartition AND EXISTS (SELECT 1 FROM pg_trigger p JOIN pg_inherits h ON h.inhparent = p.tgrelid WHERE h.inhrelid = c.oid AND p.tgname = g.tgname))
      ORDER BY g.oid`,
  },
  {
    what: 'row-level security',
    sql: `SELECT format('ALTER TABLE %I.%I %s', n.nspname, c.relname,
            concat_ws(', ', CASE WHEN c.relrowsecurity THEN 'ENABLE ROW LEVEL SECURITY' END, CASE WHEN c.relforcerowsecurity THEN 'FORCE ROW LEVEL SECURITY' END)) AS sql
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid IN (${RELATIONS(TABLES)}) AND (c.relrowsecurity OR c.relforcerowsecurity) ORDER BY c.oid`,
  },
  {
    what: 'policies',
    sql: `SELECT format('CREATE POLICY %I ON %I.%I AS %s FOR %s TO %s%s%s', p.polname, n.nspname, c.relname,
            CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
            CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
            CASE WHEN p.polroles = '{0}' THEN 'PUBLIC' ELSE (SELECT string_agg(quote_ident(r.rolname), ', ' ORDER BY r.rolname) FROM pg_roles r WHERE r.oid = ANY (p.polroles)) END,
            CASE WHEN p.polqual IS NOT NULL THEN format(' USING (%s)', pg_get_expr(p.polqual, p.polrelid)) ELSE '' END,
            CASE WHEN p.polwithcheck IS NOT NULL THEN format(' WITH CHECK (%s)', pg_get_expr(p.polwithcheck, p.polrelid)) ELSE '' END) AS sql
       FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid IN (${RELATIONS(TABLES)}) ORDER BY p.oid`,
  },
  {
    what: 'comments',
    sql: `SELECT format('COMMENT ON %s IS %L', target, description) AS sql FROM (
        SELECT 1 AS k, c.oid AS o, d.objsubid AS sub, d.description,
               CASE WHEN d.objsubid > 0 THEN format('COLUMN %I.%I.%I', n.nspname, c.relname, (SELECT attname FROM pg_attribute WHERE attrelid = c.oid AND attnum = d.objsubid))
                    ELSE format('%s %I.%I', CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'TABLE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'INDEX' END, n.nspname, c.relname) END AS target
          FROM pg_description d JOIN pg_class c ON c.oid = d.objoid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE d.classoid = 'pg_class'::regclass AND (c.oid IN (${RELATIONS(`${TABLES}, 'v', 'm', 'S'`)}) OR (c.relkind IN ('i', 'I') AND (SELECT indrelid FROM pg_index WHERE indexrelid = c.oid) IN (${RELATIONS(`${TABLES}, 'm'`)})))
        UNION ALL
        SELECT 2, t.oid, 0, d.description, format('%s %I.%I', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, n.nspname, t.typname)
          FROM pg_description d JOIN pg_type t ON t.oid = d.objoid JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE d.classoid = 'pg_type'::regclass AND ${USER_SCHEMA} AND ${notInExtension('pg_type', 't.oid')}
        UNION ALL
        SELECT 3, p.oid, 0, d.description, format('%s %I.%I(%s)', CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
          FROM pg_description d JOIN pg_proc p ON p.oid = d.objoid JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE d.classoid = 'pg_proc'::regclass AND ${USER_SCHEMA} AND ${notInExtension('pg_proc', 'p.oid')}
        UNION ALL
        SELECT 4, k.oid, 0, d.description, format('CONSTRAINT %I ON %I.%I', k.conname, n.nspname, c.relname)
          FROM pg_description d JOIN pg_constraint k ON k.oid = d.objoid JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE d.classoid = 'pg_constraint'::regclass AND c.oid IN (${RELATIONS(TABLES)})
        UNION ALL
        SELECT 5, s.oid, 0, d.description, format('SCHEMA %I', s.nspname)
          FROM pg_description d JOIN pg_namespace s ON s.oid = d.objoid
         WHERE d.classoid = 'pg_namespace'::regclass AND s.nspname <> 'public' AND left(s.nspname, 3) <> 'pg_' AND s.nspname <> 'information_schema' AND s.nspname <> ALL($1::text[])
      ) comments ORDER BY k, o, sub`,
  },
];

export interface DumpOptions {
  /** Schemas to leave out besides the system ones: deployctl's ledger schema. */
  excludeSchemas: string[];
}

/** The schema of `db` as SQL statements (without trailing semicolons), in replay order. */
export async function dumpSchema(db: Db, options: DumpOptions): Promise<string[]> {
  const params = [options.excludeSchemas];
  // Every name schema-qualified: the SQL runs the same under any search_path.
  return withQualifiedNames(db, async () => {
    const out: string[] = [];
    for (const step of STEPS) {
      const r = await db.query(step.sql, params);
      for (const row of r.rows) out.push(String(row.sql));
    }
    return out;
  });
}

export interface UnsupportedObject {
  /** `rule r on public.t`, `partitioned table public.events`… */
  what: string;
  /** Written by dumpSchema, but not part of a schema shape, so no comparison can check it. */
  dumped: boolean;
}

/** Objects of `db` that dumpSchema leaves out or that a shape comparison cannot check. */
export async function unsupportedObjects(db: Db, options: DumpOptions): Promise<UnsupportedObject[]> {
  const { rows } = await db.query<UnsupportedObject>(UNSUPPORTED, [options.excludeSchemas]);
  return rows;
}
