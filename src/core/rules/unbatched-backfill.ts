import { as, qualifiedName } from '../sql/ast.js';
import { writeExtent } from './support/batch.js';
import { sizeNote } from './support/objects.js';
import type { Rule } from './rule.js';

/**
 * An UPDATE or DELETE that is not one bounded batch touches every row it matches in one
 * transaction — without WHERE, or with a WHERE that is no key range, key list or LIMIT-ed
 * subquery (`WHERE col IS NULL`, a join, `NOT IN (subquery)` match the whole table as easily).
 * The table lock is only ROW EXCLUSIVE (measured on PostgreSQL 15), but every matched row stays
 * row-locked until commit, so app writes to those rows wait for the whole statement; it writes a
 * dead version of every row (bloat, WAL, replication lag) and a failure rolls all of it back. With
 * a database the planner's estimate (`EXPLAIN`, never executed) decides, and a small table is
 * one batch (support/batch.ts). The cost grows with the table, so on an empty table it is
 * harmless (sizeDependent). On a table created earlier in this release no app query can see it:
 * `pre`.
 */
export const unbatchedBackfill: Rule = {
  id: 'unbatched-backfill',
  summary: 'UPDATE / DELETE not bounded to a batch on an existing table: every matched row locked at once',
  kinds: ['DeleteStmt', 'UpdateStmt'],
  check(s, ctx) {
    const update = as(s.node, 'UpdateStmt');
    const del = as(s.node, 'DeleteStmt');
    const stmt = update ?? del;
    if (!stmt) return [];
    const table = qualifiedName(stmt.relation);
    const verb = update ? 'UPDATE' : 'DELETE';
    if (ctx.isNew(table)) {
      if (stmt.whereClause && writeExtent(s, stmt.whereClause, table, ctx).bounded) return [];
      return [
        {
          rule: this.id,
          phase: 'pre',
          lock: 'RowExclusiveLock',
          relation: table,
          scan: true,
          message: `${verb} on ${table}, created earlier in this release: no app query can see it yet.`,
        },
      ];
    }
    const extent = writeExtent(s, stmt.whereClause, table, ctx);
    if (extent.bounded) return [];
    return [
      {
        rule: this.id,
        phase: 'unsafe',
        lock: 'RowExclusiveLock',
        relation: table,
        scan: true,
        sizeDependent: true,
        message: `${verb} on ${table}${sizeNote(ctx, table)} is not one batch (${extent.reason}): it changes every row it matches in one transaction, holding a row lock on each until commit (app writes to those rows wait) and leaving a dead copy of every changed row behind.`,
        fix: update
          ? `Let deployctl drive it in batches: a migration of its own holding only this statement, with the batch's key range as $1 (exclusive) and $2 (inclusive) and a condition that makes a batch safe to repeat, e.g.\n` +
            `  -- deployctl:backfill id 10000\n  UPDATE ${table} SET … WHERE id > $1 AND id <= $2 AND <your condition>;\n` +
            `Each batch commits on its own with its progress (a stopped backfill resumes after the last one), sized and paused by the throttle: section of deployctl.yaml so the app's latency stays within budget (examples/shop/migrations/0005_backfill_currency.sql does this); ` +
            `keep the new code tolerant of rows not yet backfilled until the last batch has run.`
          : `Delete in batches by primary-key range (or \`WHERE id IN (SELECT id … LIMIT 10000)\`), each committed on its own, after the rollout if the old code reads these rows, e.g.\n` +
            `  DELETE FROM ${table} WHERE id >= 1 AND id < 10001 AND <your condition>;\n  DELETE FROM ${table} WHERE id >= 10001 AND id < 20001 AND <your condition>;\n` +
            `If the whole table is obsolete, drop it after the rollout instead.`,
      },
    ];
  },
  examples: {
    fires: [
      'UPDATE users SET email_lower = lower(email)',
      'DELETE FROM "Shop".sessions',
      'UPDATE t SET a = s.a FROM s',
      'CREATE TABLE t (a int); UPDATE t SET a = 1',
      'UPDATE accounts SET region = 1 WHERE region IS NULL',
      'DELETE FROM "Shop".sessions WHERE expires_at < now()',
      'UPDATE users SET email_lower = lower(email) WHERE id NOT IN (SELECT user_id FROM sessions)',
    ],
    silent: [
      'UPDATE users SET email_lower = lower(email) WHERE id >= 0 AND id < 1000',
      'UPDATE users SET email_lower = lower(email) WHERE id BETWEEN 1 AND 1000 AND email_lower IS NULL',
      'DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < now() LIMIT 1000)',
      'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DELETE FROM t $$',
    ],
  },
};
