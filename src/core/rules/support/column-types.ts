/**
 * Compares a column's current type (as the catalog's `format_type` prints it) with the type an
 * ALTER COLUMN … TYPE asks for, to tell a binary-compatible change (catalog-only) from one that
 * rewrites the table. Both sides go through PostgreSQL's own parser, which maps spellings such
 * as `character varying(20)` and `varchar(20)` to the same name.
 */
import type { TypeName } from 'libpg-query';
import { as, nameList } from '../../sql/ast.js';
import { parseSql } from '../../sql/parse.js';

export interface ColumnType {
  /** Type name without the `pg_catalog` schema: `varchar`, `numeric`, `int4`, `public.mood`. */
  name: string;
  /** Type modifiers: `[20]` for varchar(20), `[10, 2]` for numeric(10,2). */
  mods: number[];
  array: boolean;
}

export function columnType(tn: TypeName | undefined): ColumnType {
  const names = nameList(tn?.names);
  const name = (names[0] === 'pg_catalog' ? names.slice(1) : names).join('.');
  // The parser's JSON omits zero values: `numeric(10,0)` arrives as `{ ival: {} }` for the 0.
  const mods = (tn?.typmods ?? []).map((m) => {
    const ival = as(m, 'A_Const')?.ival;
    return ival ? (ival.ival ?? 0) : Number.NaN;
  });
  return { name, mods, array: (tn?.arrayBounds ?? []).length > 0 };
}

/** The catalog's `format_type` text as a ColumnType, or undefined when it does not parse as a type. */
export function catalogType(formatted: string): ColumnType | undefined {
  try {
    const [stmt] = parseSql(`SELECT NULL::${formatted}`, 'catalog').statements;
    const target = as(as(stmt?.node, 'SelectStmt')?.targetList?.[0], 'ResTarget');
    const cast = as(target?.val, 'TypeCast');
    return cast ? columnType(cast.typeName) : undefined;
  } catch {
    return undefined;
  }
}

export function sameType(a: ColumnType, b: ColumnType): boolean {
  return (
    a.name === b.name &&
    a.array === b.array &&
    a.mods.length === b.mods.length &&
    a.mods.every((m, i) => m === b.mods[i])
  );
}

/**
 * Whether PostgreSQL changes the column without rewriting the table or rebuilding its indexes.
 * Only the cases measured on PostgreSQL 15 (relfilenode unchanged, no index rebuild): the same
 * type, varchar(n) → varchar(m ≥ n) / varchar / text, text → varchar, and numeric(p,s) →
 * numeric(q ≥ p, s) / numeric. Anything else is assumed to rewrite.
 */
export function binaryCompatible(from: ColumnType, to: ColumnType): boolean {
  if (sameType(from, to)) return true;
  if (from.array || to.array) return false;
  const [fromLength] = from.mods;
  if (from.name === 'varchar') {
    if (to.name === 'text') return true;
    if (to.name !== 'varchar') return false;
    const [toLength] = to.mods;
    return toLength === undefined || (fromLength !== undefined && toLength >= fromLength);
  }
  if (from.name === 'text') return to.name === 'varchar' && to.mods.length === 0;
  if (from.name === 'numeric' && to.name === 'numeric') {
    if (to.mods.length === 0) return true;
    if (from.mods.length === 0) return false;
    const [p = 0, s = 0] = from.mods;
    const [q = 0, t = 0] = to.mods;
    return t === s && q >= p;
  }
  return false;
}

/** `varchar(20)`, `numeric(10,2)[]`: a ColumnType written back for messages. */
export function typeText(t: ColumnType): string {
  return `${t.name}${t.mods.length > 0 ? `(${t.mods.join(',')})` : ''}${t.array ? '[]' : ''}`;
}
