/**
 * PostgreSQL's deparsers (format_type, pg_get_expr, pg_get_viewdef…) leave out the schema of
 * every name visible on the session's search_path. With only pg_catalog on it, every user
 * object is printed schema-qualified, so what is read does not depend on the role's or the
 * session's search_path. The previous setting is restored afterwards; no transaction is opened,
 * so this is safe on a connection the caller uses for other work.
 */
import type { Db } from '../../ports.js';

export async function withQualifiedNames<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  const previous = (await db.query(`SELECT current_setting('search_path') AS path`)).rows[0].path as string;
  await db.query(`SELECT set_config('search_path', 'pg_catalog', false)`);
  try {
    return await fn();
  } finally {
    await db.query('SELECT set_config($1, $2, false)', ['search_path', previous]);
  }
}
