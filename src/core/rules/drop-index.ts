import { dropOf } from './support/objects.js';
import { dropFindings } from './support/drop.js';
import type { Rule } from './rule.js';

/**
 * DROP INDEX CONCURRENTLY takes SHARE UPDATE EXCLUSIVE on the table and the index (sampled from a
 * second session on PostgreSQL 15): app queries carry on. Plain DROP INDEX takes ACCESS
 * EXCLUSIVE on the table (measured): brief once granted, but while it waits behind a long query
 * every app query on the table queues behind it — lock_timeout bounds that, CONCURRENTLY avoids
 * it. Either way the old code may depend on the index: its queries' speed, or a UNIQUE index's
 * guarantee. So it runs after the rollout.
 */
export const dropIndex: Rule = {
  id: 'drop-index',
  summary: 'DROP INDEX: the old code may rely on it; after the rollout',
  kinds: ['DropStmt'],
  check(s, ctx) {
    const findings = dropFindings(
      {
        rule: this.id,
        types: ['OBJECT_INDEX'],
        noun: 'INDEX',
        lock: (concurrent) => (concurrent ? 'ShareUpdateExclusiveLock' : 'AccessExclusiveLock'),
        oldCodeUse: 'depend on it for the speed of its queries or, for a UNIQUE index, for rejecting duplicates',
      },
      s,
      ctx,
    );
    if (dropOf(s, ['OBJECT_INDEX'])?.stmt.concurrent) return findings;
    return findings.map((f) =>
      f.phase === 'post'
        ? {
            ...f,
            message: `${f.message} Without CONCURRENTLY it takes ACCESS EXCLUSIVE on the table; prefer DROP INDEX CONCURRENTLY, alone in its migration.`,
          }
        : f,
    );
  },
  examples: {
    fires: [
      'DROP INDEX users_email_idx',
      'DROP INDEX CONCURRENTLY IF EXISTS "Shop"."Orders_ref"',
      'CREATE INDEX i ON t (a); DROP INDEX i',
    ],
    silent: [
      'CREATE INDEX CONCURRENTLY i ON t (a)',
      'REINDEX INDEX i',
      'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DROP INDEX i $$',
    ],
  },
};
