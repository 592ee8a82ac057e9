import { dropFindings, onTable, ownerTable } from './support/drop.js';
import type { Rule } from './rule.js';

/**
 * DROP TRIGGER takes ACCESS EXCLUSIVE on its table for an instant (measured on PostgreSQL 15). The
 * old code's writes may depend on it — the typical trigger keeps an old and a new column in sync
 * during a rollout — so it is removed only after the rollout.
 */
export const dropTrigger: Rule = {
  id: 'drop-trigger',
  summary: 'DROP TRIGGER: removes what the old code may use; after the rollout',
  kinds: ['DropStmt'],
  check(s, ctx) {
    return dropFindings(
      {
        rule: this.id,
        types: ['OBJECT_TRIGGER'],
        noun: 'TRIGGER',
        lock: () => 'AccessExclusiveLock',
        relationOf: ownerTable,
        describe: onTable,
        oldCodeUse: 'rely on what it does on every write (a synced column, an audit row)',
        orReplace: 'CREATE OR REPLACE TRIGGER (PostgreSQL 14 and later)',
      },
      s,
      ctx,
    );
  },
  examples: {
    fires: ['DROP TRIGGER sync_email ON users', 'DROP TRIGGER IF EXISTS t ON "Shop".orders'],
    silent: ['CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW EXECUTE FUNCTION f()', 'DROP FUNCTION f()'],
  },
};
