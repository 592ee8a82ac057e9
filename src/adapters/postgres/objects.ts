/** Which of a list of schemas, relations, columns and types exist in the catalog (one query). */
import type { CreatedObject } from '../../core/schema/created-objects.js';
import type { Db } from '../../ports.js';

/** The objects of `objects` that exist, in the same order. */
export async function existingObjects(db: Db, objects: CreatedObject[]): Promise<CreatedObject[]> {
  if (objects.length === 0) return [];
  const parts = objects.map((o) => {
    if (o.kind === 'schema') return [o.name, '', ''];
    const [schema = '', ...rest] = o.name.split('.');
    if (o.kind === 'column') return [schema, rest.slice(0, -1).join('.'), rest.at(-1) ?? ''];
    return [schema, rest.join('.'), ''];
  });
  const r = await db.query(
    `SELECT o.i::int AS i
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS o(kind, sch, obj, col, i)
      WHERE CASE o.kind
        WHEN 'schema' THEN EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = o.sch)
        WHEN 'relation' THEN EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                      WHERE n.nspname = o.sch AND c.relname = o.obj)
        WHEN 'column' THEN EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                                     JOIN pg_namespace n ON n.oid = c.relnamespace
                                    WHERE n.nspname = o.sch AND c.relname = o.obj AND a.attname = o.col
                                      AND a.attnum > 0 AND NOT a.attisdropped)
        WHEN 'type' THEN EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                                  WHERE n.nspname = o.sch AND t.typname = o.obj)
      END`,
    [objects.map((o) => o.kind), parts.map((p) => p[0]), parts.map((p) => p[1]), parts.map((p) => p[2])],
  );
  const present = new Set(r.rows.map((row) => (row.i as number) - 1));
  return objects.filter((_, i) => present.has(i));
}
