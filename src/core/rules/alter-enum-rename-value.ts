import { as, nameList } from '../sql/ast.js';
import type { Rule } from './rule.js';

/**
 * ALTER TYPE … RENAME VALUE is catalog-only (EXCLUSIVE on the type object, no table lock,
 * measured on PostgreSQL 15), but the old label stops existing at once: the old code's INSERTs,
 * UPDATEs and WHERE clauses that spell it fail with "invalid input value for enum", while the
 * new code cannot use the new label before it runs. Safe in no order.
 */
export const alterEnumRenameValue: Rule = {
  id: 'alter-enum-rename-value',
  summary: "ALTER TYPE … RENAME VALUE: the old code's label stops existing",
  kinds: ['AlterEnumStmt'],
  check(s) {
    const alter = as(s.node, 'AlterEnumStmt');
    if (!alter?.oldVal) return [];
    const type = nameList(alter.typeName).join('.');
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
    ],
    silent: ["ALTER TYPE order_status ADD VALUE 'settled'"],
  },
};
