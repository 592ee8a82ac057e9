import { as, nameList } from '../sql/ast.js';
import type { Rule } from './rule.js';

/**
 * ALTER TYPE … ADD VALUE appends an enum label: EXCLUSIVE lock on the type object only, no table
 * lock and no rewrite (measured on PostgreSQL 15). The old code never writes the new label.
 * Before PostgreSQL 12 it cannot run inside a transaction block (the migration then runs without
 * one); on 12+ the new label cannot be used until the transaction that added it commits.
 */
export const alterEnumAddValue: Rule = {
  id: 'alter-enum-add-value',
  summary: 'ALTER TYPE … ADD VALUE: a new enum label, no table lock',
  kinds: ['AlterEnumStmt'],
  check(s, ctx) {
    const alter = as(s.node, 'AlterEnumStmt');
    if (!alter?.newVal || alter.oldVal) return [];
    const type = nameList(alter.typeName).join('.');
    const outside =
      ctx.serverVersion < 120000
        ? ' Before PostgreSQL 12 it cannot run in a transaction, so this migration runs without one.'
        : '';
    return [
      {
        rule: this.id,
        phase: 'pre',
        message: `ALTER TYPE ${type} ADD VALUE '${alter.newVal}': catalog-only, no table lock; the old code never writes the new label. It cannot be used before this migration commits.${outside}`,
      },
    ];
  },
  examples: {
    fires: [
      "ALTER TYPE order_status ADD VALUE 'shipped'",
      "ALTER TYPE \"Shop\".status ADD VALUE IF NOT EXISTS 'gone' AFTER 'paid'",
      { sql: "ALTER TYPE s ADD VALUE 'x'", serverVersion: 110000 },
    ],
    silent: ["ALTER TYPE order_status RENAME VALUE 'paid' TO 'settled'", "CREATE TYPE s AS ENUM ('a')"],
  },
};
