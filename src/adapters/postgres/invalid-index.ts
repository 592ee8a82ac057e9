/**
 * A CREATE INDEX CONCURRENTLY that fails or times out leaves its index behind, marked INVALID:
 * it is not used for reads but still maintained on every write, and a rerun with IF NOT EXISTS
 * would silently keep it. Before a concurrent build runs, an INVALID index of the same name is
 * dropped (concurrently, so it blocks nothing).
 */
import type { Db } from '../../ports.js';
import { as } from '../../core/sql/ast.js';
import type { ParsedStatement } from '../../core/sql/parse.js';
import { quoteIdent } from '../../core/sql/identifiers.js';

export async function dropInvalidIndexBefore(db: Db, s: ParsedStatement): Promise<string | undefined> {
  const index = as(s.node, 'IndexStmt');
  if (!index?.concurrent || !index.idxname) return undefined;
  const schema = index.relation?.schemaname;
  const name = schema ? `${quoteIdent(schema)}.${quoteIdent(index.idxname)}` : quoteIdent(index.idxname);
  const r = await db.query('SELECT NOT i.indisvalid AS invalid FROM pg_index i WHERE i.indexrelid = to_regclass($1)', [
    name,
  ]);
  if (!r.rows[0]?.invalid) return undefined;
  await db.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
  return name;
}
