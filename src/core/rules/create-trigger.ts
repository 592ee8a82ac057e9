import { as, qualifiedName } from '../sql/ast.js';
import type { Rule } from './rule.js';

/**
 * CREATE [OR REPLACE] TRIGGER takes SHARE ROW EXCLUSIVE on its table (measured on PostgreSQL
 * 15): writes wait for an instant, reads carry on, nothing is scanned. From then on every write
 * of the old code fires it, so the trigger function must accept the rows the old code writes —
 * which is what the usual expand step (a trigger keeping a new column in sync) is built to do.
 */
export const createTrigger: Rule = {
  id: 'create-trigger',
  summary: 'CREATE TRIGGER: SHARE ROW EXCLUSIVE on the table for an instant',
  kinds: ['CreateTrigStmt'],
  check(s) {
    const trig = as(s.node, 'CreateTrigStmt');
    if (!trig) return [];
    const table = qualifiedName(trig.relation);
    return [
      {
        rule: this.id,
        phase: 'pre',
        lock: 'ShareRowExclusiveLock',
        relation: table,
        message: `CREATE TRIGGER ${trig.trigname ?? ''} on ${table}: SHARE ROW EXCLUSIVE for an instant (writes wait, reads do not); the old code's writes fire it from now on, so it must accept them.`,
      },
    ];
  },
  examples: {
    fires: [
      'CREATE TRIGGER sync_email BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION sync_email()',
      'CREATE OR REPLACE TRIGGER t AFTER UPDATE ON "Shop"."Orders" EXECUTE FUNCTION audit()',
    ],
    silent: [
      'DROP TRIGGER sync_email ON users',
      'CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$',
    ],
  },
};
