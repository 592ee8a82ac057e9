/**
 * Run a probe query and judge its first value. The query runs in one simple-protocol round trip
 * behind `SET LOCAL statement_timeout`, so the limit binds only this probe and never leaks into a
 * pooled connection's session.
 */
import { systemClock } from '../../clock.js';
import { type Clock } from '../../ports.js';
import type { HealthCheck, HealthResult } from '../../ports.js';
import { startResult } from './result.js';
import { DEFAULT_SQL_TIMEOUT_MS } from '../../config/health.js';

interface QueryOutput {
  rows: unknown[];
}

/** What a `pg` Pool or Client offers; a multi-statement string answers with one output each. */
export interface Queryable {
  query(sql: string): Promise<QueryOutput | QueryOutput[]>;
}

/** Extra wait beyond statement_timeout before giving up on a connection that does not answer. */
const CLIENT_MARGIN_MS = 1000;

export class SqlHealthCheck implements HealthCheck {
  readonly name: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly sql: string,
    private readonly deps: { db: Queryable; clock?: Clock; timeoutMs?: number },
  ) {
    this.name = `sql ${sql}`;
    this.timeoutMs = deps.timeoutMs ?? DEFAULT_SQL_TIMEOUT_MS;
  }

  async run(signal?: AbortSignal): Promise<HealthResult> {
    const clock = this.deps.clock ?? systemClock;
    const result = startResult(this.name, clock);

    const giveUp = new AbortController();
    const onAbort = (): void => giveUp.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const sql = `SET LOCAL statement_timeout = ${Math.max(1, Math.round(this.timeoutMs))}; ${this.sql}`;
    const limit = clock.sleep(this.timeoutMs + CLIENT_MARGIN_MS, giveUp.signal).then(
      () => 'timeout' as const,
      () => 'aborted' as const,
    );
    try {
      const outcome = await Promise.race([this.deps.db.query(sql), limit]);
      if (outcome === 'timeout')
        return result(false, `timed out after ${this.timeoutMs} ms (no answer from the server)`);
      if (outcome === 'aborted') return result(false, 'interrupted');
      const outputs = Array.isArray(outcome) ? outcome : [outcome];
      const rows = outputs[outputs.length - 1]?.rows ?? [];
      if (rows.length === 0) return result(false, 'returned no rows');
      const value = firstValue(rows[0]);
      return isTruthy(value)
        ? result(true, `returned ${String(value)}`)
        : result(false, `returned ${String(value)}, expected true or a non-zero count`);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === '57014') return result(false, `timed out after ${this.timeoutMs} ms (statement_timeout)`);
      const message = e instanceof Error ? e.message : String(e);
      return result(false, code ? `${message} (SQLSTATE ${code})` : message);
    } finally {
      giveUp.abort();
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

function firstValue(row: unknown): unknown {
  if (Array.isArray(row)) return row[0];
  if (row !== null && typeof row === 'object') return Object.values(row)[0];
  return row;
}

/** true, or a count above zero: `count(*)` arrives as a string (bigint) from pg. */
function isTruthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value) !== 0;
  return false;
}
