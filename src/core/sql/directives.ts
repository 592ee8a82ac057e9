/**
 * Directives are SQL comments of the form `-- deployctl:<name> …`. They are read from the
 * parser's own comment tokens, so text inside strings or dollar-quoted bodies never counts.
 */
import { DeployctlError } from '../../errors.js';
import type { SqlComment } from './parse.js';

export interface AllowDirective {
  rule: string;
  reason: string;
  line: number;
}

export interface Directives {
  phase?: { phase: 'pre' | 'post'; reason: string; line: number };
  noTransaction?: { reason: string; line: number };
  /** Overrides the configured statement_timeout for this migration, in milliseconds. */
  statementTimeoutMs?: number;
  /** Overrides the configured lock_timeout for this migration, in milliseconds (never 0: that disables it). */
  lockTimeoutMs?: number;
  allows: AllowDirective[];
  /**
   * `-- deployctl:backfill <key column> [rows]`: the migration's one UPDATE / DELETE takes the
   * batch's key range as `$1` (exclusive) and `$2` (inclusive); deployctl runs it batch by batch,
   * each committed with its progress, sized by the throttle (`rows` is the first batch's size).
   */
  backfill?: { key: string; rows: number; line: number };
}

const PREFIX = '-- deployctl:';
export const DOWN_MARKER = '-- deployctl:down';

const KNOWN = ['phase', 'allow', 'no-transaction', 'statement-timeout', 'lock-timeout', 'backfill', 'down'];

/** The first batch of a driven backfill when the directive names no size. */
export const BACKFILL_DEFAULT_ROWS = 10_000;

export function readDirectives(comments: SqlComment[], file: string): Directives {
  const out: Directives = { allows: [] };
  for (const c of comments) {
    if (!c.text.startsWith(PREFIX)) continue;
    const [name = '', ...rest] = c.text.slice(PREFIX.length).trim().split(/\s+/);
    const fail = (why: string): never => {
      throw new DeployctlError('DIRECTIVE_INVALID', `${file}:${c.line}: ${why}`, { file, line: c.line });
    };
    switch (name) {
      case 'phase': {
        const [phase, ...reason] = rest;
        if (phase !== 'pre' && phase !== 'post')
          fail(
            `'deployctl:phase' takes pre or post, got '${phase ?? ''}'. Example: -- deployctl:phase post the old code never reads this table`,
          );
        if (reason.length === 0)
          fail(
            `'deployctl:phase ${phase}' needs a reason. Example: -- deployctl:phase ${phase} the old code never reads this table`,
          );
        if (out.phase) fail(`a second 'deployctl:phase' (the first is on line ${out.phase.line})`);
        out.phase = { phase: phase as 'pre' | 'post', reason: reason.join(' '), line: c.line };
        break;
      }
      case 'allow': {
        const [rule, ...reason] = rest;
        if (!rule)
          fail(
            `'deployctl:allow' needs a rule id and a reason. Example: -- deployctl:allow create-index-blocking the table is empty in every environment`,
          );
        if (reason.length === 0)
          fail(
            `'deployctl:allow ${rule}' needs a reason. Example: -- deployctl:allow ${rule} the table is empty in every environment`,
          );
        out.allows.push({ rule: rule!, reason: reason.join(' '), line: c.line });
        break;
      }
      case 'no-transaction':
        out.noTransaction = { reason: rest.join(' '), line: c.line };
        break;
      case 'statement-timeout':
      case 'lock-timeout': {
        const ms = Number(rest[0]);
        if (rest.length !== 1 || !Number.isInteger(ms) || ms < 0)
          fail(`'deployctl:${name}' takes milliseconds. Example: -- deployctl:${name} 30000`);
        // lock_timeout 0 means no timeout: the migration would queue behind app locks without limit.
        if (name === 'lock-timeout' && ms === 0)
          fail(
            `'deployctl:lock-timeout 0' would disable the lock timeout; a migration may lower or raise it, never turn it off. Use a positive number of milliseconds, e.g. -- deployctl:lock-timeout 10000`,
          );
        if (name === 'statement-timeout') out.statementTimeoutMs = ms;
        else out.lockTimeoutMs = ms;
        break;
      }
      case 'backfill': {
        const [key, rows, ...extra] = rest;
        const size = rows === undefined ? BACKFILL_DEFAULT_ROWS : Number(rows);
        if (!key || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || extra.length > 0 || !Number.isInteger(size) || size < 1)
          fail(
            `'deployctl:backfill' takes the key column and optionally the first batch's rows. Example: -- deployctl:backfill id 10000`,
          );
        if (out.backfill) fail(`a second 'deployctl:backfill' (the first is on line ${out.backfill.line})`);
        out.backfill = { key: key!, rows: size, line: c.line };
        break;
      }
      case 'down':
        break;
      default:
        fail(`unknown directive 'deployctl:${name}'. Known: ${KNOWN.join(', ')}`);
    }
  }
  return out;
}
