import { as, qualifiedName } from '../sql/ast.js';
import type { Rule } from './rule.js';

/**
 * ALTER SEQUENCE (RESTART, INCREMENT, CACHE, OWNED BY, AS bigint…) takes SHARE ROW EXCLUSIVE on
 * the sequence (measured on PostgreSQL 15), which makes the app's nextval() calls wait for an
 * instant; no table is locked or scanned. Every option except OWNED BY writes the sequence's
 * single page into a new file (relfilenode changed) — a rewrite, but of one 8 kB page. Old code keeps calling nextval() as before — as long
 * as a RESTART does not move the sequence below ids already in use.
 */
export const alterSequence: Rule = {
  id: 'alter-sequence',
  summary: 'ALTER SEQUENCE: SHARE ROW EXCLUSIVE on the sequence for an instant',
  kinds: ['AlterSeqStmt'],
  check(s) {
    const stmt = as(s.node, 'AlterSeqStmt');
    if (!stmt) return [];
    const seq = qualifiedName(stmt.sequence);
    const rewrite = (stmt.options ?? []).some((o) => as(o, 'DefElem')?.defname !== 'owned_by');
    return [
      {
        rule: this.id,
        phase: 'pre',
        lock: 'ShareRowExclusiveLock',
        relation: seq,
        rewrite,
        message: `ALTER SEQUENCE ${seq}: app nextval() calls wait for an instant; no table is locked. A RESTART must stay above the ids already in use.`,
      },
    ];
  },
  examples: {
    fires: [
      'ALTER SEQUENCE invoice_no RESTART WITH 5000',
      'ALTER SEQUENCE IF EXISTS "Billing".seq OWNED BY invoices.id',
      'ALTER SEQUENCE s AS bigint',
    ],
    silent: ['CREATE SEQUENCE s', "SELECT setval('s', 10)"],
  },
};
