/**
 * Identifiers written back into SQL. Two needs, two functions: SQL that deployctl runs quotes
 * every identifier (a configured schema may be named `user` or `Release`); SQL shown to people in
 * messages and fixes quotes only where PostgreSQL would need it, so a fix reads like hand-written
 * SQL and can still be copied and run as is.
 */

/** Always quoted: for SQL deployctl executes. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quoted the way `quote_ident` does when the name is not plain lower-case: for messages and fixes. */
export function readableIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : quoteIdent(name);
}

/** `schema.table` or `table` (as `qualifiedName` builds it) written as SQL for a message or fix. */
export function qualifiedSql(name: string): string {
  const dot = name.indexOf('.');
  return dot === -1
    ? readableIdent(name)
    : `${readableIdent(name.slice(0, dot))}.${readableIdent(name.slice(dot + 1))}`;
}
