import { qualifiedSql, readableIdent } from '../sql/identifiers.js';
import { alterTable } from './support/alter.js';
import type { Finding, Rule } from './rule.js';
import { exampleCatalog } from './support/example-catalog.js';

/**
 * DROP COLUMN runs after the rollout (drop-column). If the column is NOT NULL without a default
 * (the catalog's `attnotnull` and `atthasdef`), the new code — which no longer knows the column —
 * inserts rows without it from the moment it rolls out, and every such INSERT fails with a
 * not-null violation until the drop runs. The column must first accept NULL: `ALTER COLUMN …
 * DROP NOT NULL` as a `pre` step in an earlier migration (catalog-only, an instant), then the drop
 * after the rollout. Needs the catalog; a column added in the same migration has no old code.
 */
export const dropRequiredColumn: Rule = {
  id: 'drop-required-column',
  summary: 'DROP COLUMN of a NOT NULL column without a default: the new code cannot insert until it runs',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter || ctx.isNew(alter.table)) return [];
    const facts = ctx.table(alter.table);
    const findings: Finding[] = [];
    for (const cmd of alter.cmds) {
      if (cmd.subtype !== 'AT_DropColumn' || !cmd.name) continue;
      const column = facts?.columns[cmd.name];
      if (!column?.notNull || column.hasDefault !== false) continue;
      findings.push({
        rule: this.id,
        phase: 'unsafe',
        relation: alter.table,
        message: `${alter.table}.${cmd.name} is NOT NULL without a default: from the rollout until this drop runs, the new code's INSERTs, which no longer name ${cmd.name}, fail with a not-null violation.`,
        fix: `First let the column accept NULL, in an earlier migration that runs before the rollout:\n  ALTER TABLE ${qualifiedSql(alter.table)} ALTER COLUMN ${readableIdent(cmd.name)} DROP NOT NULL;   -- pre, catalog-only\nthen drop the column after the rollout, as here.`,
      });
    }
    return findings;
  },
  examples: {
    fires: [
      {
        sql: 'ALTER TABLE users DROP COLUMN legacy',
        catalog: exampleCatalog('users', {
          rowEstimate: 1000,
          bytes: 1 << 20,
          columns: { legacy: { type: 'text', notNull: true, hasDefault: false } },
        }),
      },
    ],
    silent: [
      'ALTER TABLE users DROP COLUMN legacy',
      'CREATE TABLE t (a int NOT NULL, b int); ALTER TABLE t DROP COLUMN a',
      {
        sql: 'ALTER TABLE users DROP COLUMN legacy',
        catalog: exampleCatalog('users', {
          rowEstimate: 1000,
          bytes: 1 << 20,
          columns: { legacy: { type: 'text', notNull: true, hasDefault: true } },
        }),
      },
    ],
  },
};
