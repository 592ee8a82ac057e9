import { as, nameList } from '../sql/ast.js';
import type { Rule } from './rule.js';

/**
 * ALTER TYPE … RENAME VALUE is catalog-only (EXCLUSIVE on the type object, no table lock,
 * measured on PostgreSQL 15), but the old label stops existing at once: the old code's INSERTs,
 * UPDATEs and WHERE clauses that spell it fail with "invalid input value for enum", while the
 * new code cannot use the new label before it runs. Safe in no order. Rows need no rewrite: they
 * store the label's oid, so existing values read back with the new label at once. A type
 * created earlier in the release is `pre`: no app code uses it yet.
 */
export const alterEnumRenameValue: Rule = {
  id: 'alter-enum-rename-value',
  summary: "ALTER TYPE … RENAME VALUE: the old code's label stops existing",
  kinds: ['AlterEnumStmt'],
  check(s, ctx) {
    const alter = as(s.node, 'AlterEnumStmt');
    if (!alter?.oldVal) return [];
    const type = nameList(alter.typeName).join('.');
    if (ctx.isNew(type))
      return [
        {
          rule: this.id,
          phase: 'pre',
          message: `ALTER TYPE ${type} RENAME VALUE '${alter.oldVal}' TO '${alter.newVal ?? ''}': ${type} was created earlier in this release, so no app code uses its labels yet.`,
        },
      ];
    return [
      {
        rule: this.id,
        phase: 'unsafe',
        message: `ALTER TYPE ${type} RENAME VALUE '${alter.oldVal}' TO '${alter.newVal ?? ''}': the old code still writes and compares '${alter.oldVal}', which fails with "invalid input value for enum" the moment this commits.`,
        fix:
          `Expand and contract instead:\n  1. ALTER TYPE ${type} ADD VALUE '${alter.newVal ?? ''}';  (pre)\n` +
          `  2. roll out code that writes '${alter.newVal ?? ''}' and reads both labels;\n` +
          `  3. UPDATE … SET <column> = '${alter.newVal ?? ''}' WHERE <column> = '${alter.oldVal}' AND id >= 1 AND id < 10001;  (batches, pre)\n` +
          `  4. leave '${alter.oldVal}' unused (PostgreSQL cannot drop an enum label) or migrate the column to a new type later.`,
      },
    ];
  },
  examples: {
    fires: [
      "ALTER TYPE order_status RENAME VALUE 'paid' TO 'settled'",
      "ALTER TYPE \"Shop\".status RENAME VALUE 'a' TO 'b'",
      "CREATE TYPE mood AS ENUM ('ok', 'sad'); ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'",
    ],
    silent: ["ALTER TYPE order_status ADD VALUE 'settled'"],
  },
};
