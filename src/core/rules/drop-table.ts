import { dropFindings } from './support/drop.js';
import type { Rule } from './rule.js';

/**
 * DROP TABLE takes ACCESS EXCLUSIVE on the table (measured on PostgreSQL 15) and removes it: every
 * query of the old code that names it fails from then on. It is the contract step of removing a
 * table, so it runs after the new code, which no longer uses the table, is rolled out and verified.
 */
export const dropTable: Rule = {
  id: 'drop-table',
  summary: 'DROP TABLE: removes what the old code may use; after the rollout',
  kinds: ['DropStmt'],
  check(s, ctx) {
    return dropFindings(
      {
        rule: this.id,
        types: ['OBJECT_TABLE'],
        noun: 'TABLE',
        lock: () => 'AccessExclusiveLock',
        oldCodeUse: 'read or write it (every query of every running instance)',
      },
      s,
      ctx,
    );
  },
  examples: {
    fires: [
      'DROP TABLE legacy_events',
      'DROP TABLE IF EXISTS "Shop".old_cart, old_items CASCADE',
      '/* gone */ DROP TABLE a; DROP TABLE b',
    ],
    silent: [
      'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE t; END $$',
      "SELECT 'DROP TABLE t'",
      'DROP VIEW v',
      'ALTER TABLE t DROP COLUMN c',
    ],
  },
};
