/**
 * What trace compares before and after a statement: every relation in the user's schemas with
 * its file node. A changed `relfilenode` means PostgreSQL wrote the relation into a new file,
 * i.e. rewrote it; a relation that appears or disappears was created or dropped.
 */
import type { Db } from '../../ports.js';

export interface RelationState {
  oid: number;
  /** `schema.name`, unquoted, as the plan spells qualified names. */
  name: string;
  /** The same name quoted for use in SQL. */
  quoted: string;
  /** `pg_class.relkind`: r table, p partitioned, i/I index, S sequence, v view, m matview, f foreign. */
  kind: string;
  /** 0 for relations without storage (views, partitioned tables). */
  fileNode: number;
}

export type RelationMap = Map<number, RelationState>;

/** System schemas never count: their locks are the observation queries' own. */
export const USER_RELATIONS_SQL = `
  SELECT c.oid::int AS oid, n.nspname || '.' || c.relname AS name,
         pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS quoted, c.relkind::text AS kind, c.relfilenode::int AS file_node
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'i', 'I', 'S', 'v', 'm', 'f')
     AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

export async function readRelations(db: Db): Promise<RelationMap> {
  const { rows } = await db.query<{ oid: number; name: string; quoted: string; kind: string; file_node: number }>(
    USER_RELATIONS_SQL,
  );
  return new Map(
    rows.map((r) => [r.oid, { oid: r.oid, name: r.name, quoted: r.quoted, kind: r.kind, fileNode: r.file_node }]),
  );
}

export interface RelationChanges {
  /** Pre-existing relations whose file node changed. */
  rewritten: string[];
  created: string[];
  removed: string[];
}

export function diffRelations(before: RelationMap, after: RelationMap): RelationChanges {
  const rewritten: string[] = [];
  const removed: string[] = [];
  const afterByName = new Map([...after.values()].map((a) => [a.name, a]));
  const replaced = new Set<number>();
  for (const [oid, b] of before) {
    const a = after.get(oid);
    // REINDEX CONCURRENTLY builds a new index under a new oid and gives it the old one's name.
    const successor = a ? undefined : afterByName.get(b.name);
    if (successor && !before.has(successor.oid) && successor.kind === b.kind) {
      rewritten.push(b.name);
      replaced.add(successor.oid);
    } else if (!a) removed.push(b.name);
    else if (b.fileNode !== 0 && a.fileNode !== b.fileNode) rewritten.push(b.name);
  }
  const created = [...after.values()].filter((a) => !before.has(a.oid) && !replaced.has(a.oid)).map((a) => a.name);
  return { rewritten: rewritten.sort(), created: created.sort(), removed: removed.sort() };
}

export function namesOf(relations: RelationMap): Set<string> {
  return new Set([...relations.values()].map((r) => r.name));
}
