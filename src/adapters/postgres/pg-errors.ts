/** Translating PostgreSQL errors at the seam: decisions use SQLSTATE codes, never message text. */

/** 55P03 lock_not_available: lock_timeout expired (or NOWAIT failed). Safe to retry. */
export const LOCK_NOT_AVAILABLE = '55P03';

export interface PgError {
  code?: string;
  message: string;
  position?: string;
  detail?: string;
  hint?: string;
}

export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function isLockTimeout(e: unknown): boolean {
  return sqlState(e) === LOCK_NOT_AVAILABLE;
}

/**
 * Class 08 (connection exception) and 57P01-57P03 (server shutting down / cannot connect now)
 * mean the connection is gone; so does a client that emitted 'end' or 'error' (tracked by the caller).
 */
export function isConnectionLoss(e: unknown): boolean {
  const state = sqlState(e);
  return state !== undefined && (state.startsWith('08') || ['57P01', '57P02', '57P03'].includes(state));
}

/** 1-based line in the file of PostgreSQL's error position inside a statement that starts at `line`. */
export function errorLine(e: unknown, statementSql: string, line: number): number {
  const position = Number((e as PgError).position);
  if (!Number.isInteger(position) || position < 1) return line;
  let newlines = 0;
  for (const ch of statementSql.slice(0, position - 1)) if (ch === '\n') newlines++;
  return line + newlines;
}
