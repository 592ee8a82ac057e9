import { as, qualifiedName } from '../sql/ast.js';
import { optionEnabled, sizeNote } from './support/objects.js';
import { insertAfterKeyword } from './support/sql-text.js';
import type { Rule } from './rule.js';

const KIND_WORD: Record<string, string> = {
  REINDEX_OBJECT_INDEX: 'INDEX',
  REINDEX_OBJECT_TABLE: 'TABLE',
  REINDEX_OBJECT_SCHEMA: 'SCHEMA',
  REINDEX_OBJECT_SYSTEM: 'SYSTEM',
  REINDEX_OBJECT_DATABASE: 'DATABASE',
};

/**
 * REINDEX without CONCURRENTLY rebuilds each index into a new file (relfilenode changed) holding
 * SHARE on the table and ACCESS EXCLUSIVE on the index (measured on PostgreSQL 15). Writes wait,
 * and so do reads: the planner locks every index of a table it plans a query for. The time
 * grows with the table (sizeDependent). REINDEX CONCURRENTLY (PostgreSQL 12+) does the same
 * work under SHARE UPDATE EXCLUSIVE: see reindex-concurrently.
 */
export const reindexBlocking: Rule = {
  id: 'reindex-blocking',
  summary: 'REINDEX without CONCURRENTLY: blocks reads and writes for the rebuild',
  kinds: ['ReindexStmt'],
  check(s, ctx) {
    const stmt = as(s.node, 'ReindexStmt');
    if (!stmt || optionEnabled(stmt.params, 'concurrently')) return [];
    const word = KIND_WORD[stmt.kind ?? ''] ?? 'INDEX';
    const target = qualifiedName(stmt.relation) || stmt.name || '';
    const onIndex = word === 'INDEX';
    if (target && (word === 'INDEX' || word === 'TABLE') && ctx.isNew(target)) {
      return [
        {
          rule: this.id,
          phase: 'pre',
          lock: onIndex ? 'AccessExclusiveLock' : 'ShareLock',
          relation: target,
          rewrite: true,
          scan: true,
          message: `REINDEX ${word} ${target}, created earlier in this release: no app query uses it yet.`,
        },
      ];
    }
    const relation = word === 'INDEX' || word === 'TABLE' ? target : undefined;
    const concurrently = insertAfterKeyword(s.sql, word, 'CONCURRENTLY');
    return [
      {
        rule: this.id,
        phase: 'unsafe',
        lock: onIndex ? 'AccessExclusiveLock' : 'ShareLock',
        rewrite: true,
        scan: true,
        sizeDependent: true,
        ...(relation ? { relation } : {}),
        message: `REINDEX ${word} ${target}${word === 'TABLE' ? sizeNote(ctx, target) : ''} without CONCURRENTLY: each table is locked against writes and each of its indexes against every query that plans with it (reads included) until the rebuild ends.`,
        fix:
          ctx.serverVersion >= 120000
            ? `Rebuild concurrently, alone in its own migration file:\n  ${concurrently};`
            : `PostgreSQL before 12 has no REINDEX CONCURRENTLY: build a replacement with CREATE INDEX CONCURRENTLY <name>_new ON <table> (…) in one migration, then DROP INDEX CONCURRENTLY <name> and ALTER INDEX <name>_new RENAME TO <name> in the next ones.`,
      },
    ];
  },
  examples: {
    fires: [
      'REINDEX INDEX users_email_idx',
      'REINDEX TABLE "Shop".orders',
      'REINDEX (VERBOSE) SCHEMA public',
      { sql: 'REINDEX INDEX i', serverVersion: 110000 },
    ],
    silent: ['REINDEX INDEX CONCURRENTLY users_email_idx', 'REINDEX (CONCURRENTLY) TABLE users'],
  },
};
