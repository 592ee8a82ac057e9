import { as, qualifiedName } from '../sql/ast.js';
import type { Rule } from './rule.js';

/**
 * INSERT (seed rows, lookup values) takes ROW EXCLUSIVE on the table (measured on PostgreSQL
 * 15), which conflicts with no app query: reads and writes carry on. The old code keeps working
 * as long as it tolerates rows it did not write — the normal case for seed data. An
 * INSERT … SELECT reads its sources under ACCESS SHARE only.
 */
export const insertRows: Rule = {
  id: 'insert-rows',
  summary: 'INSERT: ROW EXCLUSIVE, app reads and writes continue',
  kinds: ['InsertStmt'],
  check(s) {
    const insert = as(s.node, 'InsertStmt');
    if (!insert) return [];
    const table = qualifiedName(insert.relation);
    return [
      {
        rule: this.id,
        phase: 'pre',
        lock: 'RowExclusiveLock',
        relation: table,
        message: `INSERT into ${table}: ROW EXCLUSIVE only, so app reads and writes continue.`,
      },
    ];
  },
  examples: {
    fires: [
      "INSERT INTO roles (name) VALUES ('admin'), ('viewer')",
      'INSERT INTO "Shop".settings SELECT * FROM defaults ON CONFLICT DO NOTHING',
    ],
    silent: [
      'UPDATE roles SET name = lower(name) WHERE id < 100',
      'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ INSERT INTO t VALUES (1) $$',
    ],
  },
};
