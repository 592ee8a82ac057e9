import { as, qualifiedName } from '../sql/ast.js';
import { LOCK_MODES } from './rule.js';
import type { Finding, Rule } from './rule.js';

/**
 * An explicit LOCK TABLE holds its mode until the migration commits (measured on PostgreSQL 15:
 * `LOCK t` is ACCESS EXCLUSIVE, `IN SHARE MODE` is SHARE), so every statement after it in the
 * migration extends how long app queries that conflict with it wait. Each statement already
 * takes the lock it needs, bounded by lock_timeout and retried; an extra lock only widens the
 * window. A table created earlier in the migration is invisible to the app: `pre`.
 */
export const lockTable: Rule = {
  id: 'lock-table',
  summary: 'LOCK TABLE: an explicit lock held until the migration commits',
  kinds: ['LockStmt'],
  check(s, ctx) {
    const stmt = as(s.node, 'LockStmt');
    if (!stmt) return [];
    // LockStmt.mode is PostgreSQL's LOCKMODE number: 1 = AccessShareLock … 8 = AccessExclusiveLock.
    const lock = LOCK_MODES[(stmt.mode ?? 8) - 1] ?? 'AccessExclusiveLock';
    return (stmt.relations ?? []).map((r): Finding => {
      const table = qualifiedName(as(r, 'RangeVar'));
      if (ctx.isNew(table)) {
        return {
          rule: this.id,
          phase: 'pre',
          lock,
          relation: table,
          message: `LOCK TABLE ${table} (${lock}), created earlier in this release: no app query uses it yet.`,
        };
      }
      return {
        rule: this.id,
        phase: 'unsafe',
        lock,
        relation: table,
        message: `LOCK TABLE ${table} takes ${lock} and holds it until the migration commits; every app query that conflicts with it waits for all the statements after it.`,
        fix: `Remove the LOCK TABLE: each statement takes the lock it needs, for as short a time as possible, under lock_timeout with retries. If the statements truly need one consistent lock (for example a swap of two tables), keep them together, make them catalog-only, and accept it explicitly:\n  -- deployctl:allow lock-table <why the statements after it are instant>`,
      };
    });
  },
  examples: {
    fires: [
      'LOCK TABLE users',
      'LOCK TABLE "Shop".orders, users IN SHARE ROW EXCLUSIVE MODE',
      'LOCK users IN ACCESS SHARE MODE',
    ],
    silent: [
      'SELECT pg_advisory_lock(1)',
      'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN LOCK TABLE t; END $$',
    ],
  },
};
