import { as, qualifiedName } from '../sql/ast.js';
import type { Rule } from './rule.js';

/**
 * CREATE INDEX CONCURRENTLY holds SHARE UPDATE EXCLUSIVE on the table (sampled from a second
 * session on PostgreSQL 15): app reads and writes carry on while it scans the table twice and
 * waits for older transactions. The old code ignores a new index (a UNIQUE one only fails the
 * build if duplicates already exist). It cannot run inside a transaction, and a failed build
 * leaves an INVALID index behind, which deployctl drops before retrying.
 */
export const createIndexConcurrently: Rule = {
  id: 'create-index-concurrently',
  summary: 'CREATE INDEX CONCURRENTLY: builds without blocking writes',
  kinds: ['IndexStmt'],
  check(s) {
    const index = as(s.node, 'IndexStmt');
    if (!index?.concurrent) return [];
    const table = qualifiedName(index.relation);
    return [
      {
        rule: this.id,
        phase: 'pre',
        lock: 'ShareUpdateExclusiveLock',
        relation: table,
        scan: true,
        message: `CREATE INDEX CONCURRENTLY on ${table}: SHARE UPDATE EXCLUSIVE only, so app reads and writes continue during the build; runs outside a transaction.`,
      },
    ];
  },
  examples: {
    fires: [
      'CREATE INDEX CONCURRENTLY users_email_idx ON users (email)',
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "Idx" ON "Shop".orders (ref)',
    ],
    silent: ['CREATE INDEX users_email_idx ON users (email)', 'DROP INDEX CONCURRENTLY users_email_idx'],
  },
};
