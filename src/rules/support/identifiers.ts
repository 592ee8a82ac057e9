/**
 * Writes identifiers back into SQL for the example statements in messages and fixes, so a user
 * can copy a fix for `"Users"` or `billing.invoices` and run it as is.
 */

/** Quotes an identifier the way `quote_ident` does when it is not plain lower-case. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** `schema.table` or `table` (as `qualifiedName` builds it) written as SQL. */
export function qualifiedSql(name: string): string {
  const dot = name.indexOf('.');
  return dot === -1 ? quoteIdent(name) : `${quoteIdent(name.slice(0, dot))}.${quoteIdent(name.slice(dot + 1))}`;
}
