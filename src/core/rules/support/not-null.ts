/**
 * Evidence that a column holds no NULLs, which lets SET NOT NULL (and PRIMARY KEY … USING INDEX,
 * which sets NOT NULL) skip its full scan on PostgreSQL 12+: the column is already NOT NULL, or
 * a validated `CHECK (col IS NOT NULL)` exists — in the catalog, or added and validated by an
 * earlier statement (or earlier sub-command) of the same migration.
 */
import type { AlterTableCmd, Constraint } from 'libpg-query';
import { as } from '../../sql/ast.js';
import { normalizeRelation } from '../../sql/created.js';
import type { ParsedStatement } from '../../sql/parse.js';
import type { RuleContext } from '../rule.js';
import { alterTable, constraintDef } from './alter.js';

/** Whether the constraint is exactly `CHECK (column IS NOT NULL)`. */
export function isNotNullCheck(c: Constraint | undefined, column: string): boolean {
  if (c?.contype !== 'CONSTR_CHECK') return false;
  const test = as(c.raw_expr, 'NullTest');
  const fields = as(test?.arg, 'ColumnRef')?.fields?.map((f) => as(f, 'String')?.sval);
  return test?.nulltesttype === 'IS_NOT_NULL' && fields?.length === 1 && fields[0] === column;
}

export type NotNullEvidence = 'column-not-null' | 'catalog-check' | 'migration-check';

/**
 * Why `column` of `table` is known to hold no NULL when sub-command `cmd` of `s` runs, or
 * undefined. Catalog checks count only on PostgreSQL 12+, the first version that uses them.
 */
export function notNullEvidence(
  ctx: RuleContext,
  s: ParsedStatement,
  cmd: AlterTableCmd,
  table: string,
  column: string,
): NotNullEvidence | undefined {
  const facts = ctx.table(table);
  if (facts?.columns[column]?.notNull) return 'column-not-null';
  if (ctx.serverVersion < 120000) return undefined;
  if (facts?.notNullChecks.includes(column)) return 'catalog-check';
  return validatedInMigration(ctx, s, cmd, table, column) ? 'migration-check' : undefined;
}

/** A CHECK (column IS NOT NULL) added valid, or added NOT VALID and then validated, before `cmd`. */
function validatedInMigration(
  ctx: RuleContext,
  s: ParsedStatement,
  cmd: AlterTableCmd,
  table: string,
  column: string,
): boolean {
  const target = normalizeRelation(table);
  const notValid = new Set<string>();
  for (const st of ctx.statements.filter((x) => x.index <= s.index)) {
    const alter = alterTable(st);
    if (!alter || normalizeRelation(alter.table) !== target) continue;
    for (const other of alter.cmds) {
      if (other === cmd) return false;
      const c = constraintDef(other);
      if (other.subtype === 'AT_AddConstraint' && isNotNullCheck(c, column)) {
        if (!c?.skip_validation) return true;
        if (c.conname) notValid.add(c.conname);
      }
      if (other.subtype === 'AT_ValidateConstraint' && notValid.has(other.name ?? '')) return true;
    }
  }
  return false;
}
