/**
 * Observes a statement that may run in a transaction block: it runs in its own transaction on
 * the scratch database, and before COMMIT the backend's own relation locks are read from
 * pg_locks (a backend's locks are all granted, and they stay held until the transaction ends,
 * so none is missed) together with the relations' file nodes. The transaction then commits so
 * that later statements see its effects, as they would in the real migration.
 */
import type { Db } from '../../ports.js';
import type { LockMode } from '../../core/rules/rule.js';
import { diffRelations, namesOf, readRelations, type RelationChanges, type RelationMap } from './relations.js';

export interface RelationLock {
  relation: string;
  /** Relation kind (`pg_class.relkind`), so the comparison can tell indexes from tables. */
  kind: string;
  mode: LockMode;
}

export interface Observation extends RelationChanges {
  /** Every lock mode taken on a relation that existed before the statement. */
  locks: RelationLock[];
  method: 'transaction' | 'watched';
  /** Names of the relations that existed before the statement. */
  existed: Set<string>;
}

const OWN_LOCKS_SQL = `
  SELECT l.relation::int AS oid, l.mode FROM pg_catalog.pg_locks l
   WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation'
     AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())`;

export async function observeInTransaction(db: Db, sql: string, params?: unknown[]): Promise<Observation> {
  const before = await readRelations(db);
  await db.query('BEGIN');
  try {
    await db.query(sql, params);
    const { rows } = await db.query<{ oid: number; mode: LockMode }>(OWN_LOCKS_SQL);
    const after = await readRelations(db);
    await db.query('COMMIT');
    return {
      locks: locksOn(before, rows),
      ...diffRelations(before, after),
      method: 'transaction',
      existed: namesOf(before),
    };
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Keeps the locks on relations that existed before the statement; one entry per relation and mode. */
export function locksOn(before: RelationMap, rows: { oid: number; mode: LockMode }[]): RelationLock[] {
  const seen = new Set<string>();
  const out: RelationLock[] = [];
  for (const r of rows) {
    const rel = before.get(r.oid);
    const key = `${r.oid}:${r.mode}`;
    if (!rel || seen.has(key)) continue;
    seen.add(key);
    out.push({ relation: rel.name, kind: rel.kind, mode: r.mode });
  }
  return out.sort((a, b) => a.relation.localeCompare(b.relation) || a.mode.localeCompare(b.mode));
}
