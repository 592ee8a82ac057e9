import { dropFindings } from './support/drop.js';
import type { Rule } from './rule.js';

/**
 * DROP SCHEMA removes a namespace (with CASCADE, everything in it, each under ACCESS EXCLUSIVE;
 * measured on PostgreSQL 15). Old code that names objects in it fails from then on: after the
 * rollout.
 */
export const dropSchema: Rule = {
  id: 'drop-schema',
  summary: 'DROP SCHEMA: removes what the old code may use; after the rollout',
  kinds: ['DropStmt'],
  check(s, ctx) {
    return dropFindings(
      { rule: this.id, types: ['OBJECT_SCHEMA'], noun: 'SCHEMA', oldCodeUse: 'name objects in it' },
      s,
      ctx,
    );
  },
  examples: {
    fires: ['DROP SCHEMA legacy', 'DROP SCHEMA IF EXISTS "Audit" CASCADE'],
    silent: ['CREATE SCHEMA s', 'DROP TABLE s.t'],
  },
};
