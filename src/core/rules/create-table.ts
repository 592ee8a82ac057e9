import { as, qualifiedName } from '../sql/ast.js';
import type { Finding, Rule } from './rule.js';

/**
 * CREATE TABLE makes a relation no running code knows about, so the old code keeps working.
 * It locks only the new relation, except that each FOREIGN KEY takes SHARE ROW EXCLUSIVE on the
 * referenced table (it adds triggers there): that blocks writes to the parent for an instant,
 * with no scan because the new table is empty. Measured with pg_locks on PostgreSQL 15.
 */
export const createTable: Rule = {
  id: 'create-table',
  summary: 'CREATE TABLE [AS]: a new relation the old code ignores',
  kinds: ['CreateStmt', 'CreateTableAsStmt'],
  check(s) {
    const create = as(s.node, 'CreateStmt');
    const createAs = as(s.node, 'CreateTableAsStmt');
    if (createAs && createAs.objtype === 'OBJECT_TABLE') {
      return [
        {
          rule: this.id,
          phase: 'pre',
          relation: qualifiedName(createAs.into?.rel),
          scan: true,
          message: 'CREATE TABLE AS: a new table; the query it copies from is read under ACCESS SHARE only.',
        },
      ];
    }
    if (!create) return [];
    const table = qualifiedName(create.relation);
    const parents = new Set<string>();
    for (const el of create.tableElts ?? []) {
      const col = as(el, 'ColumnDef');
      const constraints = col ? (col.constraints ?? []) : [el];
      for (const c of constraints) {
        const fk = as(c, 'Constraint');
        if (fk?.contype === 'CONSTR_FOREIGN' && fk.pktable) parents.add(qualifiedName(fk.pktable));
      }
    }
    const findings: Finding[] = [
      {
        rule: this.id,
        phase: 'pre',
        relation: table,
        message: `CREATE TABLE ${table}: a new table the old code ignores.`,
      },
    ];
    for (const parent of parents) {
      if (parent === table) continue;
      findings.push({
        rule: this.id,
        phase: 'pre',
        lock: 'ShareRowExclusiveLock',
        relation: parent,
        message: `The foreign key takes SHARE ROW EXCLUSIVE on ${parent} for an instant (no scan: the new table is empty).`,
      });
    }
    return findings;
  },
  examples: {
    fires: [
      'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users(id))',
      'CREATE TABLE IF NOT EXISTS "Audit"."Log" (id int)',
      'CREATE TABLE t2 AS SELECT 1 AS x',
    ],
    silent: ['CREATE INDEX CONCURRENTLY i ON t (a)', 'CREATE VIEW v AS SELECT 1'],
  },
};
