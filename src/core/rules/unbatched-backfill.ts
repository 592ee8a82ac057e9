import { as, qualifiedName } from '../sql/ast.js';
import { sizeNote } from './support/objects.js';
import type { Rule } from './rule.js';

/**
 * UPDATE or DELETE without WHERE touches every row in one transaction. The table lock is only
 * ROW EXCLUSIVE (measured on PostgreSQL 15), but every row stays row-locked until commit, so app
 * writes to any row wait for the whole statement; it writes a dead version of every row (bloat,
 * WAL, replication lag) and a failure rolls all of it back. The cost grows with the table, so
 * on an empty table it is harmless (sizeDependent). On a table created earlier in this
 * migration no app query can see it: `pre`.
 */
export const unbatchedBackfill: Rule = {
  id: 'unbatched-backfill',
  summary: 'UPDATE / DELETE without WHERE on an existing table: every row locked at once',
  kinds: ['DeleteStmt', 'UpdateStmt'],
  check(s, ctx) {
    const update = as(s.node, 'UpdateStmt');
    const del = as(s.node, 'DeleteStmt');
    const stmt = update ?? del;
    if (!stmt || stmt.whereClause) return [];
    const table = qualifiedName(stmt.relation);
    const verb = update ? 'UPDATE' : 'DELETE';
    if (ctx.isNew(table)) {
      return [
        {
          rule: this.id,
          phase: 'pre',
          lock: 'RowExclusiveLock',
          relation: table,
          scan: true,
          message: `${verb} on ${table}, created earlier in this migration: no app query can see it yet.`,
        },
      ];
    }
    return [
      {
        rule: this.id,
        phase: 'unsafe',
        lock: 'RowExclusiveLock',
        relation: table,
        scan: true,
        sizeDependent: true,
        message: `${verb} without WHERE on ${table}${sizeNote(ctx, table)}: changes every row in one transaction, holding a row lock on each until commit (app writes to those rows wait) and leaving a dead copy of every row behind.`,
        fix: update
          ? `Backfill in batches by primary-key range, each committed on its own (one batch per migration, or a script between migrations), e.g.\n` +
            `  UPDATE ${table} SET … WHERE id >= 1 AND id < 10001;\n  UPDATE ${table} SET … WHERE id >= 10001 AND id < 20001;\n` +
            `and keep the new code tolerant of rows not yet backfilled until the last batch has run.`
          : `Delete in batches by primary-key range, each committed on its own, after the rollout if the old code reads these rows, e.g.\n` +
            `  DELETE FROM ${table} WHERE id >= 1 AND id < 10001;\n  DELETE FROM ${table} WHERE id >= 10001 AND id < 20001;\n` +
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
    ],
    silent: [
      'UPDATE users SET email_lower = lower(email) WHERE id < 1000',
      'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DELETE FROM t $$',
    ],
  },
};
