import { as, qualifiedName } from '../sql/ast.js';
import type { Finding, Rule } from './rule.js';

/**
 * TRUNCATE swaps every listed table (and its indexes) for an empty file under ACCESS EXCLUSIVE
 * (measured on PostgreSQL 15: relfilenode changed). It is instant, but it deletes every row the
 * old code — and the new code — still read, and CASCADE empties referencing tables too. No order
 * of the rollout makes losing live data safe. A table created earlier in the migration: `pre`.
 */
export const truncate: Rule = {
  id: 'truncate',
  summary: 'TRUNCATE: deletes every row the running code reads',
  kinds: ['TruncateStmt'],
  check(s, ctx) {
    const stmt = as(s.node, 'TruncateStmt');
    if (!stmt) return [];
    const cascade =
      stmt.behavior === 'DROP_CASCADE' ? ' CASCADE also empties every table with a foreign key to it.' : '';
    return (stmt.relations ?? []).map((r): Finding => {
      const table = qualifiedName(as(r, 'RangeVar'));
      if (ctx.isNew(table)) {
        return {
          rule: this.id,
          phase: 'pre',
          lock: 'AccessExclusiveLock',
          relation: table,
          rewrite: true,
          message: `TRUNCATE ${table}, created earlier in this release: no app query uses it yet.`,
        };
      }
      return {
        rule: this.id,
        phase: 'unsafe',
        lock: 'AccessExclusiveLock',
        relation: table,
        rewrite: true,
        message: `TRUNCATE ${table}: deletes every row while the running code still reads and writes them.${cascade}`,
        fix:
          `If ${table} is obsolete, stop using it in the new code and drop it in a later migration, after the rollout:\n  DROP TABLE ${table};\n` +
          `If only some rows must go, delete them in batches by primary-key range, e.g.\n  DELETE FROM ${table} WHERE id >= 1 AND id < 10001;`,
      };
    });
  },
  examples: {
    fires: [
      'TRUNCATE sessions',
      'TRUNCATE TABLE "Shop".cart, cart_items CASCADE',
      'CREATE TABLE t (id int); TRUNCATE t',
    ],
    silent: ['DELETE FROM sessions WHERE id < 10', 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ TRUNCATE t $$'],
  },
};
