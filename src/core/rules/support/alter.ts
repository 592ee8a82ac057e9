/** Shared readers for rules about ALTER TABLE and its sub-commands. */
import type { AlterTableCmd, AlterTableStmt, ColumnDef, Constraint } from 'libpg-query';
import { as, nameList, qualifiedName } from '../../sql/ast.js';
import type { ParsedStatement } from '../../sql/parse.js';

export interface AlterTarget {
  stmt: AlterTableStmt;
  table: string;
  cmds: AlterTableCmd[];
}

/** The ALTER TABLE statement (tables only, not indexes or views) and its sub-commands. */
export function alterTable(s: ParsedStatement): AlterTarget | undefined {
  const stmt = as(s.node, 'AlterTableStmt');
  if (!stmt || stmt.objtype !== 'OBJECT_TABLE') return undefined;
  const cmds = (stmt.cmds ?? []).map((c) => as(c, 'AlterTableCmd')).filter((c): c is AlterTableCmd => c !== undefined);
  return { stmt, table: qualifiedName(stmt.relation), cmds };
}

export function columnDef(cmd: AlterTableCmd): ColumnDef | undefined {
  return as(cmd.def, 'ColumnDef');
}

export function constraintsOf(col: ColumnDef | undefined): Constraint[] {
  return (col?.constraints ?? []).map((c) => as(c, 'Constraint')).filter((c): c is Constraint => c !== undefined);
}

export function constraintDef(cmd: AlterTableCmd): Constraint | undefined {
  return as(cmd.def, 'Constraint');
}

/** The column's type name without schema, lower-case (`int4`, `varchar`, `bigserial`). */
export function typeNameOf(col: ColumnDef | undefined): string {
  const names = nameList(col?.typeName?.names);
  return (names[names.length - 1] ?? '').toLowerCase();
}
