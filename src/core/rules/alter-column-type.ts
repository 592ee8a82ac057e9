import type { AlterTableCmd, ColumnDef } from 'libpg-query';
import { as } from '../sql/ast.js';
import { alterTable, columnDef } from './support/alter.js';
import { commandsFor } from './support/alter-commands.js';
import {
  catalogType,
  changeWithoutRewrite,
  rebuiltIndexes,
  columnType,
  sameType,
  typeText,
  type ColumnType,
} from './support/column-types.js';
import { readableIdent, qualifiedSql } from '../sql/identifiers.js';
import { sizeNote } from './support/objects.js';
import type { Finding, Rule, RuleContext } from './rule.js';
import type { ParsedStatement } from '../sql/parse.js';
import { formatBytes } from '../schema/facts.js';
import { normalizeRelation } from '../sql/created.js';
import { exampleCatalog } from './support/example-catalog.js';

/**
 * ALTER COLUMN … TYPE holds ACCESS EXCLUSIVE for the whole statement. Whether that is an instant
 * depends on the old type, and PostgreSQL decides it from the catalog, so the rule asks the
 * catalog too (`changeWithoutRewrite`, `rebuiltIndexes`). Measured on PostgreSQL 15 and 18
 * (relfilenode of the table and each index before/after, test/rules/type-change.test.ts):
 * - no rewrite: the same type; a typmod that only widens (varchar(20) → varchar(30) / text,
 *   numeric(10,2) → numeric(12,2), timestamp(3) → timestamp(6), time(2) → time); a binary-coercible
 *   cast in `pg_cast` (castmethod 'b': varchar → text, cidr → inet, bit → varbit) to a type
 *   without a modifier; timestamp → timestamptz when the session TimeZone is UTC (PostgreSQL 12+);
 * - an index is still rebuilt when the column's operator class changes with the type (timestamp_ops
 *   → timestamptz_ops, bit_ops → varbit_ops), under the same ACCESS EXCLUSIVE: the message names
 *   each index and its size;
 * - rewrite of the table and every index: int → bigint, varchar(20) → char(30), text → varchar(10),
 *   timestamp → timestamptz under any other TimeZone;
 * - a USING clause that is just the column (or the column cast to the new type) changes nothing;
 *   any other expression (`USING lower(a)`) rewrites; COLLATE rebuilds the column's indexes;
 * - every CHECK constraint naming the column is re-checked with a scan, even without a rewrite.
 * The column's type is the one an earlier statement of the same migration set, when one did
 * (`TYPE text` then `TYPE varchar(12)`: the second rewrites). Without a database the old type is
 * unknown and a rewrite is assumed; a static plan trusts only the measured list in
 * `binaryCompatible`. The hazard is the lock held for the rewrite or scan, so it is size-dependent.
 */
export const alterColumnType: Rule = {
  id: 'alter-column-type',
  summary: 'ALTER COLUMN TYPE: table rewrite unless the change is binary-compatible',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return commandsFor(alter, this.id, ctx).map((cmd) => judge(this.id, s, alter.table, cmd, ctx));
  },
  examples: {
    fires: [
      'ALTER TABLE users ALTER COLUMN id TYPE bigint',
      'ALTER TABLE ONLY "Shop".orders ALTER COLUMN total TYPE numeric(12,2), ALTER COLUMN note TYPE text',
      'ALTER TABLE IF EXISTS users ALTER COLUMN name SET DATA TYPE varchar(50) USING lower(name)',
      {
        sql: 'ALTER TABLE users ALTER COLUMN name TYPE varchar(100)',
        catalog: catalogWith('users', 'name', 'character varying(50)'),
      },
      'CREATE TABLE t (id int); ALTER TABLE t ALTER COLUMN id TYPE bigint',
    ],
    silent: ["ALTER TABLE users ALTER COLUMN name SET DEFAULT 'x'", 'ALTER TABLE users ADD COLUMN name varchar(50)'],
  },
};

function judge(rule: string, s: ParsedStatement, table: string, cmd: AlterTableCmd, ctx: RuleContext): Finding {
  const col = columnDef(cmd);
  const name = cmd.name ?? '';
  const to = columnType(col?.typeName);
  const base = { rule, lock: 'AccessExclusiveLock' as const, relation: table };
  if (ctx.isNew(table)) {
    // The catalog does not know the column's type yet, so a rewrite is assumed, as below; the table is empty, so it is instant.
    return {
      ...base,
      phase: 'pre',
      rewrite: true,
      message: `ALTER COLUMN ${name} TYPE ${typeText(to)} on ${table}, created earlier in this migration: no app code uses it yet.`,
    };
  }
  const facts = ctx.table(table);
  const current = facts?.columns[name];
  const earlier = typeSetEarlier(s, table, name, ctx);
  const from = earlier ?? (current ? catalogType(current.type) : undefined);
  const usingRewrites = col?.raw_default !== undefined && !usingKeepsValue(col, name, to);
  const collate = col?.collClause !== undefined;
  const change = from ? changeWithoutRewrite(from, to, ctx.catalog) : undefined;
  const since = earlier ? ' (its type as set earlier in this migration)' : '';
  if (from && change?.free && !usingRewrites && !collate) {
    const checked = facts?.notNullChecks.includes(name) === true || facts?.checkColumns?.includes(name) === true;
    const rebuilt = rebuiltIndexes(facts, name, to, ctx.catalog);
    if (!checked && rebuilt.length === 0) {
      return {
        ...base,
        phase: 'pre',
        message: `ALTER COLUMN ${name} TYPE ${typeText(from)}${since} → ${typeText(to)} on ${table} needs no rewrite (${change.how}): catalog-only, ACCESS EXCLUSIVE for an instant${ctx.hasCatalog ? '' : ' (a CHECK constraint on the column, or an index whose operator class changes, would add a scan)'}.`,
      };
    }
    const work = [
      ...(rebuilt.length > 0
        ? [
            `rebuilds ${rebuilt.map((i) => `${i.name} (${formatBytes(i.bytes)})`).join(', ')}, whose operator class changes with the type`,
          ]
        : []),
      ...(checked ? [`re-checks the CHECK constraint(s) on ${name} with a full scan`] : []),
    ].join(' and ');
    return {
      ...base,
      phase: 'unsafe',
      scan: true,
      sizeDependent: true,
      message: `ALTER COLUMN ${name} TYPE ${typeText(from)} → ${typeText(to)} on ${table}${sizeNote(ctx, table)} needs no table rewrite (${change.how}), but it ${work} under ACCESS EXCLUSIVE, blocking every app query on ${table} meanwhile.`,
      fix: expandContract(table, name, to),
    };
  }
  const why = !from
    ? `${unknownType(ctx, table, name, current?.type)}, so deployctl assumes a rewrite`
    : usingRewrites
      ? 'the USING expression computes a new value for every row'
      : collate
        ? `the new collation rebuilds every index on ${name}`
        : (change?.how ?? 'the change is not binary-compatible');
  return {
    ...base,
    phase: 'unsafe',
    rewrite: !collate || usingRewrites || !from,
    scan: true,
    sizeDependent: true,
    message: `ALTER COLUMN ${name} TYPE ${typeText(to)} on ${table}${sizeNote(ctx, table)}: ${why}. The table and its indexes are rewritten under ACCESS EXCLUSIVE, so every app query on ${table} waits until it ends.`,
    fix: expandContract(table, name, to),
  };
}

/** The type an earlier ALTER COLUMN … TYPE of this migration gave the column (the last one), if any. */
function typeSetEarlier(s: ParsedStatement, table: string, name: string, ctx: RuleContext): ColumnType | undefined {
  let found: ColumnType | undefined;
  for (const other of ctx.statements) {
    if (other.index >= s.index) break;
    const alter = alterTable(other);
    if (!alter || normalizeRelation(alter.table) !== normalizeRelation(table)) continue;
    for (const cmd of alter.cmds)
      if (cmd.subtype === 'AT_AlterColumnType' && cmd.name === name) found = columnType(columnDef(cmd)?.typeName);
  }
  return found;
}

function unknownType(ctx: RuleContext, table: string, name: string, formatted: string | undefined): string {
  if (!ctx.hasCatalog)
    return `the current type of ${name} is unknown without a database connection (with one, deployctl checks whether the change is binary-compatible)`;
  if (!ctx.table(table)) return `the catalog has no table ${table}`;
  if (formatted === undefined) return `the catalog lists no column ${name} on ${table}`;
  return `deployctl cannot read the current type ${formatted}`;
}

/** USING that is the column itself, or the column cast to the new type, leaves every value as is. */
function usingKeepsValue(col: ColumnDef, name: string, to: ColumnType): boolean {
  const isColumn = (n: typeof col.raw_default) => {
    const ref = as(n, 'ColumnRef');
    const fields = ref?.fields?.map((f) => as(f, 'String')?.sval);
    return fields?.length === 1 && fields[0] === name;
  };
  const cast = as(col.raw_default, 'TypeCast');
  return (
    isColumn(col.raw_default) || (cast !== undefined && isColumn(cast.arg) && sameType(columnType(cast.typeName), to))
  );
}

function expandContract(table: string, name: string, to: ColumnType): string {
  const t = qualifiedSql(table);
  const old = readableIdent(name);
  const next = readableIdent(`${name}_new`);
  return [
    'Expand and contract with a new column instead of rewriting under the lock:',
    `  1. ALTER TABLE ${t} ADD COLUMN ${next} ${typeText(to)};   -- pre, catalog-only`,
    `  2. A trigger keeps it in step with the old column: CREATE FUNCTION … RETURNS trigger AS $$ BEGIN NEW.${next} := NEW.${old}; RETURN NEW; END $$ and CREATE TRIGGER … BEFORE INSERT OR UPDATE ON ${t} FOR EACH ROW …;`,
    `  3. Backfill in batches, one transaction each: UPDATE ${t} SET ${next} = ${old} WHERE id >= <n> AND id < <n + 10000>;`,
    `  4. Release code that reads and writes ${next}; then drop the trigger and, after the rollout, ALTER TABLE ${t} DROP COLUMN ${old};`,
    `  5. Optionally rename ${next} back in a later release (a rename is itself an expand/contract step).`,
  ].join('\n');
}

/** A catalog holding one table with one column, for the examples. */
function catalogWith(table: string, column: string, type: string) {
  return exampleCatalog(table, { columns: { [column]: { type, notNull: false } } });
}
