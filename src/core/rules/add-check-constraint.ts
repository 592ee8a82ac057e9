import { alterTable } from './support/alter.js';
import { constraintsFor } from './support/alter-commands.js';
import { readableIdent, qualifiedSql } from '../sql/identifiers.js';
import { sizeNote } from './support/objects.js';
import { nullRejectedColumns, referencedColumns } from './support/null-check.js';
import { normalizeRelation } from '../sql/created.js';
import { as } from '../sql/ast.js';
import type { ParsedStatement } from '../sql/parse.js';
import type { Finding, Rule, RuleContext } from './rule.js';

/**
 * ADD CONSTRAINT … CHECK takes ACCESS EXCLUSIVE and, unless NOT VALID, scans every row while
 * holding it (measured on PostgreSQL 15: one sequential scan, no rewrite): every app query on
 * the table waits for the scan, so the hazard is size-dependent. NOT VALID makes it an instant
 * catalog edit; VALIDATE CONSTRAINT later scans under SHARE UPDATE EXCLUSIVE. A CHECK written
 * inside ADD COLUMN cannot be NOT VALID and is always checked under the ADD COLUMN's lock
 * (measured: one scan, even though the new column is all NULL).
 *
 * Either form checks new rows at once (NOT VALID only skips the existing ones; an UPDATE of an
 * old row is checked too), so the old code's writes must satisfy it from the moment it commits.
 * Which values the old code writes, deployctl cannot see, except for one case: the columns it
 * leaves out of its INSERTs (columns it does not know yet) or sets to NULL. A CHECK passes on
 * NULL, so `CHECK (qty > 0)` accepts those rows; only a NULL-aware check — `col IS NOT NULL`,
 * COALESCE, IS DISTINCT FROM, num_nonnulls… — rejects them (support/null-check.ts evaluates the
 * expression with the column NULL). When such a check names a column that may be NULL in the old
 * code's rows — nullable with no default in the catalog, or not known to have a default without
 * one (a column added by this release always qualifies unless given a default) — the old code's
 * INSERTs fail once it commits: the constraint belongs after the rollout, `post`, once the new
 * code always writes the column. Other checks keep the judgement above, with the reminder.
 */
export const addCheckConstraint: Rule = {
  id: 'add-check-constraint',
  summary:
    'ADD CHECK: full scan under ACCESS EXCLUSIVE unless NOT VALID; post when it rejects NULLs the old code leaves',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return constraintsFor(alter, this.id).flatMap(({ constraint: c, column }): Finding[] => {
      const base = { rule: this.id, lock: 'AccessExclusiveLock' as const, relation: alter.table };
      const label = `CHECK constraint ${c.conname ?? ''}`.trimEnd();
      if (ctx.isNew(alter.table))
        return [
          {
            ...base,
            phase: 'pre',
            message: `${label} on ${alter.table}, created earlier in this release: nothing to scan that an app uses.`,
          },
        ];
      const rejected = nullRejectedColumns(c.raw_expr, omittable(ctx, s, alter.table, referencedColumns(c.raw_expr)));
      const breaks: Finding | undefined =
        rejected.length > 0
          ? {
              ...base,
              phase: 'post',
              message: `${label} on ${alter.table} rejects rows whose ${rejected.join(', ')} ${rejected.length > 1 ? 'are' : 'is'} NULL, and ${rejected.length > 1 ? 'these columns have' : 'the column has'} no default${ctx.hasCatalog ? ' in the catalog' : ' deployctl knows of'}: the old code's INSERTs that leave ${rejected.length > 1 ? 'them' : 'it'} out (and UPDATEs of rows where ${rejected.length > 1 ? 'they are' : 'it is'} NULL) fail from the moment this commits, NOT VALID or not. It belongs after the rollout, once every running version writes ${rejected.join(', ')}.`,
            }
          : undefined;
      if (c.skip_validation)
        return [
          breaks ?? {
            ...base,
            phase: 'pre',
            message: `${label} NOT VALID on ${alter.table}: catalog-only, ACCESS EXCLUSIVE for an instant; new rows are checked from now on (check that the old code writes no row it rejects). Validate it in a later migration.`,
          },
        ];
      const table = qualifiedSql(alter.table);
      const name = readableIdent(c.conname ?? `${column?.colname ?? alter.table.split('.').pop()}_check`);
      const scan: Finding = {
        ...base,
        phase: 'unsafe',
        scan: true,
        sizeDependent: true,
        message: `${label} on ${alter.table}${sizeNote(ctx, alter.table)}${column ? ` (in ADD COLUMN ${column.colname ?? ''})` : ''} checks every existing row under ACCESS EXCLUSIVE: every app query on ${alter.table} waits until the scan ends.`,
        fix: [
          ...(column
            ? [
                `Add the column without the CHECK: ALTER TABLE ${table} ADD COLUMN ${readableIdent(column.colname ?? '')} <type>; then:`,
              ]
            : ['Add the constraint without checking existing rows, then validate it separately:']),
          `  1. ALTER TABLE ${table} ADD CONSTRAINT ${name} CHECK (<condition>) NOT VALID;   -- instant; new rows are checked`,
          `  2. In a later migration: ALTER TABLE ${table} VALIDATE CONSTRAINT ${name};   -- scans under SHARE UPDATE EXCLUSIVE, app queries continue`,
        ].join('\n'),
      };
      return breaks && !column ? [scan, breaks] : [scan];
    });
  },
  examples: {
    fires: [
      'ALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty > 0)',
      'ALTER TABLE ONLY "Shop".orders ADD CHECK (qty > 0), ADD COLUMN note text',
      'ALTER TABLE IF EXISTS orders ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID',
      'ALTER TABLE orders ADD COLUMN discount int CHECK (discount >= 0)',
      'ALTER TABLE orders ADD CONSTRAINT currency_nn CHECK (currency IS NOT NULL) NOT VALID',
      'ALTER TABLE orders ADD CONSTRAINT one_owner CHECK (num_nonnulls(user_id, team_id) = 1) NOT VALID',
    ],
    silent: [
      'ALTER TABLE orders VALIDATE CONSTRAINT qty_positive',
      'ALTER TABLE orders ADD COLUMN currency text',
      'ALTER TABLE orders ADD CONSTRAINT u UNIQUE (code)',
    ],
  },
};

/**
 * The columns among `columns` that the old code's rows may leave NULL: not NOT NULL and without a
 * default in the catalog, or — for a column the catalog does not list (added by this release, or
 * no database read) — not given a default by an earlier statement of this migration.
 */
function omittable(ctx: RuleContext, s: ParsedStatement, table: string, columns: string[]): string[] {
  const facts = ctx.table(table);
  return columns.filter((name) => {
    const known = facts?.columns[name];
    if (known) return !known.notNull && known.hasDefault !== true;
    return !defaultedInMigration(ctx, s, table, name);
  });
}

/** An earlier ADD COLUMN … DEFAULT / NOT NULL or ALTER COLUMN … SET DEFAULT of this migration gave the column a value. */
function defaultedInMigration(ctx: RuleContext, s: ParsedStatement, table: string, name: string): boolean {
  const target = normalizeRelation(table);
  for (const st of ctx.statements) {
    if (st.index > s.index) break;
    const alter = alterTable(st);
    if (!alter || normalizeRelation(alter.table) !== target) continue;
    for (const cmd of alter.cmds) {
      const col = as(cmd.def, 'ColumnDef');
      if (cmd.subtype === 'AT_AddColumn' && col?.colname === name)
        return (col.constraints ?? []).some((k) => {
          const c = as(k, 'Constraint');
          return (
            (c?.contype === 'CONSTR_DEFAULT' && !as(c.raw_expr, 'A_Const')?.isnull) ||
            c?.contype === 'CONSTR_NOTNULL' ||
            c?.contype === 'CONSTR_IDENTITY' ||
            c?.contype === 'CONSTR_GENERATED'
          );
        });
      if (cmd.subtype === 'AT_ColumnDefault' && cmd.name === name && cmd.def) return true;
    }
  }
  return false;
}
