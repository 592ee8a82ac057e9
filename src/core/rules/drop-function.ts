import { dropFindings } from './support/drop.js';
import type { Rule } from './rule.js';

/**
 * DROP FUNCTION / PROCEDURE / ROUTINE / AGGREGATE locks only the routine (ACCESS EXCLUSIVE on the
 * object, no table lock; measured on PostgreSQL 15), but every call the old code makes fails from
 * then on: after the rollout.
 */
export const dropFunction: Rule = {
  id: 'drop-function',
  summary: 'DROP FUNCTION: removes what the old code may use; after the rollout',
  kinds: ['DropStmt'],
  check(s, ctx) {
    return dropFindings(
      {
        rule: this.id,
        types: ['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE', 'OBJECT_AGGREGATE'],
        noun: 'FUNCTION',
        oldCodeUse: 'call it, directly or from a trigger, default or view',
        orReplace: 'CREATE OR REPLACE FUNCTION (when the argument and result types stay the same)',
      },
      s,
      ctx,
    );
  },
  examples: {
    fires: ['DROP FUNCTION add_one(int)', 'DROP PROCEDURE IF EXISTS "Batch".run', 'DROP ROUTINE r'],
    silent: ['CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', 'DROP TYPE t'],
  },
};
