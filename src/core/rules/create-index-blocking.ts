import { as, qualifiedName } from '../sql/ast.js';
import { sizeNote } from './support/objects.js';
import { insertAfterKeyword } from './support/sql-text.js';
import type { Rule } from './rule.js';
import { exampleCatalog } from './support/example-catalog.js';

/**
 * CREATE INDEX without CONCURRENTLY takes SHARE on the table for the whole build (measured on
 * PostgreSQL 15): reads continue, but every INSERT, UPDATE and DELETE waits until the table has
 * been read and sorted — time that grows with the table (sizeDependent: on an empty table it is
 * instant). On a table created earlier in the same migration no app query can be waiting: `pre`.
 */
export const createIndexBlocking: Rule = {
  id: 'create-index-blocking',
  summary: 'CREATE INDEX without CONCURRENTLY: blocks writes for the whole build',
  kinds: ['IndexStmt'],
  check(s, ctx) {
    const index = as(s.node, 'IndexStmt');
    if (!index || index.concurrent) return [];
    const table = qualifiedName(index.relation);
    if (ctx.isNew(table)) {
      return [
        {
          rule: this.id,
          phase: 'pre',
          lock: 'ShareLock',
          relation: table,
          scan: true,
          message: `CREATE INDEX on ${table}, created earlier in this release: empty and unused, so the build is instant.`,
        },
      ];
    }
    return [
      {
        rule: this.id,
        phase: 'unsafe',
        lock: 'ShareLock',
        relation: table,
        scan: true,
        sizeDependent: true,
        message: `CREATE INDEX on ${table}${sizeNote(ctx, table)} without CONCURRENTLY: SHARE lock for the whole build, so every app INSERT, UPDATE and DELETE on ${table} waits until the table has been read and sorted.`,
        fix:
          `Build it concurrently, alone in its own migration file (CONCURRENTLY cannot run in a transaction):\n  ${insertAfterKeyword(s.sql, 'INDEX', 'CONCURRENTLY')};\n` +
          `If the build fails it leaves an INVALID index, which deployctl drops before retrying.`,
      },
    ];
  },
  examples: {
    fires: [
      'CREATE INDEX users_email_idx ON users (email)',
      'CREATE UNIQUE INDEX IF NOT EXISTS "Orders_ref" ON "Shop".orders (ref) WHERE ref IS NOT NULL',
      'CREATE TABLE t (id int); CREATE INDEX t_id ON t (id)',
      {
        sql: 'CREATE INDEX i ON big (a)',
        catalog: exampleCatalog('big', { bytes: 65e6 }),
      },
    ],
    silent: [
      'CREATE INDEX CONCURRENTLY users_email_idx ON users (email)',
      'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ CREATE INDEX i ON t (a) $$',
    ],
  },
};
