/** Edits of a statement's own text for fixes, done on PostgreSQL's tokens (never on raw characters). */
import { scanSync } from 'libpg-query';

/**
 * The statement with `insert` placed after the first `keyword` token (`CREATE INDEX i …` →
 * `CREATE INDEX CONCURRENTLY i …`). Comments, strings and quoted identifiers never match, since
 * the scanner gives them their own token kinds. Returns the text unchanged when the keyword is absent.
 */
export function insertAfterKeyword(sql: string, keyword: string, insert: string): string {
  const word = keyword.toUpperCase();
  const bytes = Buffer.from(sql, 'utf8');
  const token = scanSync(sql).tokens.find((t) => t.keywordName !== 'NO_KEYWORD' && t.text.toUpperCase() === word);
  if (!token) return sql;
  return `${bytes.subarray(0, token.end).toString('utf8')} ${insert}${bytes.subarray(token.end).toString('utf8')}`;
}
