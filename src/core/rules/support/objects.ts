/** Shared readers for rules about CREATE / DROP / maintenance statements on named objects. */
import type { DropStmt, Node } from 'libpg-query';
import { describeSize } from '../../schema/facts.js';
import { as, nameList } from '../../sql/ast.js';
import type { ParsedStatement } from '../../sql/parse.js';
import type { RuleContext } from '../rule.js';

/**
 * The dotted name of an object as DROP, COMMENT and GRANT spell it: a name list (`s.t`), a
 * bare string (schema, extension), a type name, or a function signature's name.
 */
export function objectName(node: Node | undefined): string {
  const list = as(node, 'List');
  if (list) return nameList(list.items).join('.');
  const str = as(node, 'String');
  if (str) return str.sval ?? '';
  const type = as(node, 'TypeName');
  if (type) return nameList(type.names).join('.');
  const func = as(node, 'ObjectWithArgs');
  if (func) return nameList(func.objname).join('.');
  return '';
}

export interface DropTarget {
  stmt: DropStmt;
  names: string[];
}

/** A DROP statement of one of `removeTypes` (`OBJECT_TABLE`, `OBJECT_INDEX`…) and what it names. */
export function dropOf(s: ParsedStatement, removeTypes: readonly string[]): DropTarget | undefined {
  const stmt = as(s.node, 'DropStmt');
  if (!stmt || !removeTypes.includes(stmt.removeType ?? '')) return undefined;
  return { stmt, names: (stmt.objects ?? []).map(objectName).filter((n) => n !== '') };
}

/** " (~1,000,000 rows, 65 MB)" when the catalog knows the table, else "". */
export function sizeNote(ctx: RuleContext, relation: string): string {
  const table = ctx.table(relation);
  return table ? ` (${describeSize(table)})` : '';
}

/** Whether a statement only changes the migration's own session (SET, RESET, SHOW). */
export function isSessionOnly(s: ParsedStatement): boolean {
  return s.kind === 'VariableSetStmt' || s.kind === 'VariableShowStmt';
}

/**
 * Whether a parenthesised option (`VACUUM (FULL)`, `REINDEX (CONCURRENTLY)`) is on: present with
 * no value or with a value PostgreSQL reads as true (it accepts `false`, `off`, `0` as false).
 */
export function optionEnabled(options: Node[] | undefined, name: string): boolean {
  for (const o of options ?? []) {
    const def = as(o, 'DefElem');
    if (def?.defname !== name) continue;
    if (!def.arg) return true;
    const flag = as(def.arg, 'Boolean');
    if (flag) return flag.boolval === true;
    const int = as(def.arg, 'Integer');
    if (int) return (int.ival ?? 0) !== 0;
    const text = (as(def.arg, 'String')?.sval ?? '').toLowerCase();
    return !['false', 'off', '0', 'no'].includes(text);
  }
  return false;
}
