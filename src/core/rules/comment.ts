import { as } from '../sql/ast.js';
import { objectName } from './support/objects.js';
import type { Rule } from './rule.js';

/** Object types whose COMMENT locks the relation named (for a column: its table). */
const RELATION_TYPES = new Set([
  'OBJECT_TABLE',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_INDEX',
  'OBJECT_SEQUENCE',
  'OBJECT_FOREIGN_TABLE',
]);

/**
 * COMMENT ON only writes pg_description. On a table, column, view or index it takes SHARE
 * UPDATE EXCLUSIVE on the relation (measured on PostgreSQL 15): reads and writes carry on; only
 * other DDL and VACUUM wait. On other objects it locks just that object.
 */
export const comment: Rule = {
  id: 'comment',
  summary: 'COMMENT ON …: documentation in the catalog, no blocking lock',
  kinds: ['CommentStmt'],
  check(s) {
    const stmt = as(s.node, 'CommentStmt');
    if (!stmt) return [];
    const name = objectName(stmt.object);
    const type = stmt.objtype ?? '';
    let relation: string | undefined;
    if (RELATION_TYPES.has(type)) relation = name;
    if (type === 'OBJECT_COLUMN') relation = name.split('.').slice(0, -1).join('.');
    return [
      {
        rule: this.id,
        phase: 'pre',
        ...(relation ? { lock: 'ShareUpdateExclusiveLock' as const, relation } : {}),
        message: `COMMENT ON ${type.replace('OBJECT_', '')} ${name}: catalog-only; ${relation ? 'SHARE UPDATE EXCLUSIVE does not block app reads or writes' : 'no table lock'}.`,
      },
    ];
  },
  examples: {
    fires: [
      "COMMENT ON TABLE users IS 'People who can log in'",
      'COMMENT ON COLUMN "Shop".orders.total IS NULL',
      "COMMENT ON FUNCTION f(int) IS 'x'",
    ],
    silent: ["CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$ -- COMMENT ON TABLE t IS 'x'"],
  },
};
