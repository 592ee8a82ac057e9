import { as, qualifiedName } from '../sql/ast.js';
import { optionEnabled } from './support/objects.js';
import type { Rule } from './rule.js';

/**
 * REINDEX CONCURRENTLY (PostgreSQL 12+) builds a new copy of each index beside the old one and
 * swaps them, holding SHARE UPDATE EXCLUSIVE on the table and indexes (sampled from a second
 * session on PostgreSQL 15; the index's relfilenode changed): app reads and writes carry on. It
 * cannot run inside a transaction; a failure leaves an INVALID `_ccnew` index to drop.
 */
export const reindexConcurrently: Rule = {
  id: 'reindex-concurrently',
  summary: 'REINDEX CONCURRENTLY: rebuilds without blocking app queries',
  kinds: ['ReindexStmt'],
  check(s, ctx) {
    const stmt = as(s.node, 'ReindexStmt');
    if (!stmt || !optionEnabled(stmt.params, 'concurrently')) return [];
    const target = qualifiedName(stmt.relation) || stmt.name || '';
    const relation = stmt.relation ? { relation: target } : {};
    if (ctx.serverVersion < 120000) {
      return [
        {
          rule: this.id,
          phase: 'unsafe',
          ...relation,
          message: `REINDEX CONCURRENTLY ${target}: the target runs PostgreSQL ${ctx.serverVersion}, which has no REINDEX CONCURRENTLY (added in 12).`,
          fix: 'Build a replacement with CREATE INDEX CONCURRENTLY <name>_new ON <table> (…) in one migration, then DROP INDEX CONCURRENTLY <name> and ALTER INDEX <name>_new RENAME TO <name> in the next ones.',
        },
      ];
    }
    return [
      {
        rule: this.id,
        phase: 'pre',
        lock: 'ShareUpdateExclusiveLock',
        ...relation,
        rewrite: true,
        scan: true,
        message: `REINDEX CONCURRENTLY ${target}: SHARE UPDATE EXCLUSIVE only, so app reads and writes continue during the rebuild; runs outside a transaction.`,
      },
    ];
  },
  examples: {
    fires: [
      'REINDEX INDEX CONCURRENTLY users_email_idx',
      'REINDEX (CONCURRENTLY) TABLE "Shop".orders',
      { sql: 'REINDEX TABLE CONCURRENTLY t', serverVersion: 110000 },
    ],
    silent: ['REINDEX INDEX users_email_idx', 'REINDEX (CONCURRENTLY false) TABLE t'],
  },
};
