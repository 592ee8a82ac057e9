/**
 * Evidence that a column holds no NULLs, which lets SET NOT NULL (and PRIMARY KEY … USING INDEX,
 * which sets NOT NULL) skip its full scan on PostgreSQL 12+: the column is already NOT NULL, or
 * a validated `CHECK (col IS NOT NULL)` exists — in the catalog, or added (or found NOT VALID in
 * the catalog) and validated by an earlier statement (or earlier sub-command) of the same
 * migration, or by an earlier `pre` migration of the release.
 */
import type { AlterTableCmd, Constraint } from 'libpg-query';
import { as } from '../../sql/ast.js';
import { normalizeRelation } from '../../sql/created.js';
import type { ParsedStatement } from '../../sql/parse.js';
import type { RuleContext } from '../rule.js';
import type { CatalogFacts } from '../../schema/facts.js';
import { alterTable, constraintDef } from './alter.js';

/** Whether the constraint is exactly `CHECK (column IS NOT NULL)`. */
export function isNotNullCheck(c: Constraint | undefined, column: string): boolean {
  if (c?.contype !== 'CONSTR_CHECK') return false;
  const test = as(c.raw_expr, 'NullTest');
  const fields = as(test?.arg, 'ColumnRef')?.fields?.map((f) => as(f, 'String')?.sval);
  return test?.nulltesttype === 'IS_NOT_NULL' && fields?.length === 1 && fields[0] === column;
}

export type NotNullEvidence = 'column-not-null' | 'catalog-check' | 'migration-check' | 'release-check';

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
  if (validatedInMigration(ctx, s, cmd, table, column)) return 'migration-check';
  return ctx.notNullProvenEarlier?.(table, column) ? 'release-check' : undefined;
}

/** The column of a `CHECK (column IS NOT NULL)` constraint, or undefined for any other constraint. */
export function notNullCheckOf(c: Constraint | undefined): string | undefined {
  if (c?.contype !== 'CONSTR_CHECK') return undefined;
  const test = as(c.raw_expr, 'NullTest');
  const fields = as(test?.arg, 'ColumnRef')?.fields?.map((f) => as(f, 'String')?.sval);
  return test?.nulltesttype === 'IS_NOT_NULL' && fields?.length === 1 ? fields[0] : undefined;
}

/**
 * The validated `CHECK (column IS NOT NULL)` constraints a migration leaves behind: added
 * without NOT VALID, or added NOT VALID and then validated, and not dropped afterwards.
 * Tables as `normalizeRelation` spells them.
 */
export function validatedNotNullChecks(
  statements: readonly ParsedStatement[],
  catalog?: CatalogFacts,
): { table: string; column: string; line: number; statement: ParsedStatement }[] {
  const pending = new Map<string, { table: string; column: string }>();
  // Checks the database already has NOT VALID: a VALIDATE in the release proves them.
  for (const [table, facts] of Object.entries(catalog?.tables ?? {}))
    for (const [name, column] of Object.entries(facts.notValidNotNullChecks ?? {}))
      pending.set(`${table}\u0000${name}`, { table, column });
  const valid = new Map<string, { table: string; column: string; line: number; statement: ParsedStatement }>();
  for (const st of statements) {
    const alter = alterTable(st);
    if (!alter) continue;
    const table = normalizeRelation(alter.table);
    for (const cmd of alter.cmds) {
      const key = `${table}\u0000${cmd.name ?? ''}`;
      if (cmd.subtype === 'AT_AddConstraint') {
        const c = constraintDef(cmd);
        const column = notNullCheckOf(c);
        if (!column) continue;
        const at = `${table}\u0000${c?.conname ?? `${column}-unnamed-${st.index}`}`;
        if (c?.skip_validation) pending.set(at, { table, column });
        else valid.set(at, { table, column, line: st.line, statement: st });
      } else if (cmd.subtype === 'AT_ValidateConstraint') {
        const added = pending.get(key);
        if (added) valid.set(key, { ...added, line: st.line, statement: st });
      } else if (cmd.subtype === 'AT_DropConstraint') {
        pending.delete(key);
        valid.delete(key);
      }
    }
  }
  return [...valid.values()];
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
  const notValid = new Set<string>(
    Object.entries(ctx.table(table)?.notValidNotNullChecks ?? {})
      .filter(([, c]) => c === column)
      .map(([name]) => name),
  );
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
