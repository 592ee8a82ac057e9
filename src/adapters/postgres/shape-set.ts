/**
 * A schema's shape as a set of lines (relations, columns, constraints, enum labels), used to
 * check that replaying the ledger's migrations reproduced the target's schema.
 */
import type { Db } from '../../ports.js';

const USER_NAMESPACE = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> ALL ($1::text[])`;

const SHAPE_SQL = `
  SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text AS line
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'i', 'I', 'f') AND ${USER_NAMESPACE}
  UNION ALL
  SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped AND ${USER_NAMESPACE}
  UNION ALL
  SELECT 'constraint ' || n.nspname || '.' || c.relname || '.' || k.conname || ' ' || pg_get_constraintdef(k.oid)
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE k.contype <> 'n' AND ${USER_NAMESPACE}
  UNION ALL
  SELECT 'enum ' || n.nspname || '.' || t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
   WHERE ${USER_NAMESPACE}
   GROUP BY n.nspname, t.typname`;

/** `excludedSchemas`: deployctl's own ledger schema, which only the target has. */
export async function schemaShape(db: Db, excludedSchemas: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ line: string }>(SHAPE_SQL, [excludedSchemas]);
  return new Set(rows.map((r) => r.line));
}

/** Lines of `target` missing from `replayed` and the other way round, a few of each. */
export function shapeDifferences(target: Set<string>, replayed: Set<string>, limit = 5): string[] {
  const missing = [...target].filter((l) => !replayed.has(l)).sort();
  const extra = [...replayed].filter((l) => !target.has(l)).sort();
  return [
    ...missing.slice(0, limit).map((l) => `the target has ${l}`),
    ...extra.slice(0, limit).map((l) => `the migrations create ${l}, absent from the target`),
  ];
}
