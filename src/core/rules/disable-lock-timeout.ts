import type { Node } from 'libpg-query';
import { as, nameList } from '../sql/ast.js';
import { walk } from './support/volatility.js';
import type { ParsedStatement } from '../sql/parse.js';
import type { Finding, Rule } from './rule.js';

/** Multipliers to milliseconds for the units PostgreSQL accepts on a time setting. */
const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * deployctl sets `lock_timeout` for every migration (`lockTimeoutMs`, default 2000 ms, or the
 * file's `-- deployctl:lock-timeout <ms>`): a statement that cannot get its lock gives up and is
 * retried instead of waiting. While it waits, PostgreSQL's lock queue is FIFO, so every app query
 * that conflicts with the requested mode (for ACCESS EXCLUSIVE: every read and write of the table)
 * queues behind it. A statement in the file that turns the timeout off puts the migration back to
 * waiting without limit, and the app stalls for as long as some long transaction holds the table.
 *
 * What turns it off (lock_timeout 0 means "no timeout"):
 * - `SET [SESSION | LOCAL] lock_timeout = 0` (or `'0'`, `'0s'`, `'0ms'`, anything that rounds to
 *   0 ms, as PostgreSQL rounds to its unit of milliseconds);
 * - `SET lock_timeout TO DEFAULT` and `RESET lock_timeout`: back to the server's or role's value,
 *   which is 0 unless someone configured otherwise, not deployctl's;
 * - `RESET ALL` and `DISCARD ALL` (which includes RESET ALL): every setting, this one too;
 * - `SELECT set_config('lock_timeout', '0', …)`: the same as SET, through a function.
 *
 * The hazard is in the statements that run after it: one that is followed only by session
 * statements (a trailing `RESET lock_timeout` that tidies up), or by a `SET lock_timeout` to a
 * positive value before anything else, leaves nothing to wait without a timeout, and the next
 * migration starts with deployctl's own setting again. A positive value
 * (`SET lock_timeout = '5s'`) keeps the guard and stays allowed, although the directive is the
 * better place for it. Settings of other variables are not this rule's concern.
 */
export const disableLockTimeout: Rule = {
  id: 'disable-lock-timeout',
  summary: 'SET lock_timeout = 0 / TO DEFAULT, RESET lock_timeout / ALL: turns off the guard against lock queues',
  kinds: ['VariableSetStmt', 'DiscardStmt', 'SelectStmt'],
  check(s, ctx) {
    const what = disables(s.node);
    if (!what || !guardsLater(s, ctx.statements)) return [];
    return [
      {
        rule: this.id,
        phase: 'unsafe',
        message: `${what} turns off the lock_timeout deployctl sets for each migration: a statement after it that waits for a lock held by a long transaction waits without limit, and every app query on that table queues behind it.`,
        fix: `Remove it; deployctl already sets lock_timeout for every migration (lockTimeoutMs in deployctl.yaml, default 2000 ms) and retries a statement that times out. To use another value for this migration, put a directive on its own line, e.g.:\n  -- deployctl:lock-timeout 5000`,
      } satisfies Finding,
    ];
  },
  examples: {
    fires: [
      'SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN c int',
      "SET LOCAL lock_timeout = '0';\nALTER TABLE users ADD COLUMN c int",
      "SET SESSION lock_timeout TO '0s';\nSET statement_timeout = 0;\nCREATE INDEX i ON users (id)",
      'SET lock_timeout TO DEFAULT;\nALTER TABLE users ADD COLUMN c int',
      'RESET lock_timeout;\nALTER TABLE users ADD COLUMN c int',
      'RESET ALL;\nALTER TABLE users ADD COLUMN c int',
      "SELECT set_config('lock_timeout', '0', false);\nALTER TABLE users ADD COLUMN c int",
    ],
    silent: [
      "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN c int",
      'SET lock_timeout = 2000;\nALTER TABLE users ADD COLUMN c int',
      'SET statement_timeout = 0;\nALTER TABLE users ADD COLUMN c int',
      'RESET statement_timeout;\nALTER TABLE users ADD COLUMN c int',
      "SELECT set_config('lock_timeout', '3s', true);\nALTER TABLE users ADD COLUMN c int",
      "SELECT current_setting('lock_timeout');\nALTER TABLE users ADD COLUMN c int",
      'ALTER TABLE users ADD COLUMN c int;\nRESET lock_timeout',
      "RESET ALL;\nSET lock_timeout = '3s';\nALTER TABLE users ADD COLUMN c int",
    ],
  },
};

/** How the statement turns lock_timeout off, as the message names it; undefined when it does not. */
function disables(node: Node): string | undefined {
  const set = as(node, 'VariableSetStmt');
  if (set) {
    if (set.kind === 'VAR_RESET_ALL') return 'RESET ALL';
    if (set.name !== 'lock_timeout') return undefined;
    if (set.kind === 'VAR_RESET') return 'RESET lock_timeout';
    if (set.kind === 'VAR_SET_DEFAULT') return 'SET lock_timeout TO DEFAULT';
    if (set.kind === 'VAR_SET_VALUE' && set.args?.length === 1 && isZeroMs(constText(set.args[0])))
      return `SET ${set.is_local ? 'LOCAL ' : ''}lock_timeout = 0`;
    return undefined;
  }
  if (as(node, 'DiscardStmt')?.target === 'DISCARD_ALL') return 'DISCARD ALL (which includes RESET ALL)';
  let found: string | undefined;
  if (as(node, 'SelectStmt'))
    walk(node, (n) => {
      const call = as(n, 'FuncCall');
      if (!call || nameList(call.funcname).at(-1) !== 'set_config') return;
      const [name, value] = call.args ?? [];
      if (constText(name) === 'lock_timeout' && isZeroMs(constText(value)))
        found ??= "set_config('lock_timeout', '0', …)";
    });
  return found;
}

const SESSION_KINDS = new Set(['VariableSetStmt', 'VariableShowStmt', 'TransactionStmt', 'ConstraintsSetStmt']);

/**
 * Whether a statement after `s` would run without the timeout: the first one that is not a
 * session statement decides, unless a SET to a positive lock_timeout comes before it.
 */
function guardsLater(s: ParsedStatement, statements: readonly ParsedStatement[]): boolean {
  for (const next of statements.slice(s.index + 1)) {
    const set = as(next.node, 'VariableSetStmt');
    if (set?.name === 'lock_timeout' && set.kind === 'VAR_SET_VALUE' && !disables(next.node)) return false;
    if (disables(next.node)) continue;
    if (!SESSION_KINDS.has(next.kind)) return true;
  }
  return false;
}

/** The text of a constant (`0`, `0.0`, `'0s'`), or undefined when the value is not a literal. */
function constText(node: Node | undefined): string | undefined {
  const c = as(node, 'A_Const');
  if (!c) return undefined;
  if (c.ival) return String(c.ival.ival ?? 0);
  if (c.fval) return c.fval.fval;
  if (c.sval) return c.sval.sval;
  return undefined;
}

/** A time setting's value that PostgreSQL stores as 0 ms (a number, optionally a unit; none means ms). */
function isZeroMs(value: string | undefined): boolean {
  if (value === undefined) return false;
  const trimmed = value.trim();
  const number = Number.parseFloat(trimmed);
  if (!Number.isFinite(number)) return false;
  const unit = trimmed.replace(/^[+-]?[0-9.]+(e[+-]?[0-9]+)?/i, '').trim() || 'ms';
  const factor = UNIT_MS[unit];
  // An unknown unit is an error PostgreSQL reports when the statement runs; it disables nothing.
  return factor !== undefined && Math.round(number * factor) === 0;
}
