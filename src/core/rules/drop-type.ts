import { dropFindings } from './support/drop.js';
import type { Rule } from './rule.js';

/**
 * DROP TYPE / DROP DOMAIN locks only the type (measured on PostgreSQL 15); PostgreSQL refuses it
 * while a column still uses the type unless CASCADE, which drops those columns. Old code that
 * names the type fails from then on: after the rollout.
 */
export const dropType: Rule = {
  id: 'drop-type',
  summary: 'DROP TYPE: removes what the old code may use; after the rollout',
  kinds: ['DropStmt'],
  check(s, ctx) {
    return dropFindings(
      {
        rule: this.id,
        types: ['OBJECT_TYPE', 'OBJECT_DOMAIN'],
        noun: 'TYPE',
        oldCodeUse: 'cast to it or read a column of it',
      },
      s,
      ctx,
    );
  },
  examples: {
    fires: ['DROP TYPE order_status', 'DROP DOMAIN IF EXISTS "Shop".email CASCADE'],
    silent: ["CREATE TYPE s AS ENUM ('a')", 'DROP TABLE t'],
  },
};
