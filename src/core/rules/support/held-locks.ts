/**
 * In a transactional migration every lock is kept until COMMIT. A statement that scans under a
 * weak lock (VALIDATE CONSTRAINT under SHARE UPDATE EXCLUSIVE) therefore really scans under the
 * strongest lock that an earlier statement of the same migration, or another sub-command of the
 * same ALTER TABLE, already took on that table.
 */
import { normalizeRelation } from '../../sql/created.js';
import type { ParsedStatement } from '../../sql/parse.js';
import { mustRunOutsideTransaction } from '../../sql/transaction.js';
import { strongerLock, type LockMode, type RuleContext } from '../rule.js';
import { alterTable } from './alter.js';
import { subcommandLock } from './alter-commands.js';
import type { AlterTableCmd } from 'libpg-query';

export interface HeldLock {
  lock: LockMode;
  /** 1-based line of the statement that took it. */
  line: number;
}

/**
 * The strongest lock on `table` already held when `cmd` of statement `s` runs, not counting
 * `cmd` itself. Statements before `s` count only when the migration runs in one transaction:
 * one that contains a statement PostgreSQL refuses in a transaction block runs statement by
 * statement, releasing locks in between.
 */
export function heldLock(
  ctx: RuleContext,
  s: ParsedStatement,
  cmd: AlterTableCmd,
  table: string,
): HeldLock | undefined {
  const target = normalizeRelation(table);
  let held: HeldLock | undefined;
  const consider = (lock: LockMode, line: number) => {
    if (strongerLock(held?.lock, lock) !== held?.lock) held = { lock, line };
  };
  const transactional = !ctx.statements.some((st) => mustRunOutsideTransaction(st, ctx.serverVersion));
  const earlier = transactional ? ctx.statements.filter((st) => st.index < s.index) : [];
  for (const st of [...earlier, s]) {
    const alter = alterTable(st);
    if (!alter || normalizeRelation(alter.table) !== target) continue;
    for (const other of alter.cmds) if (other !== cmd) consider(subcommandLock(other), st.line);
  }
  return held;
}
