/**
 * Compares a column's current type (as the catalog's `format_type` prints it) with the type an
 * ALTER COLUMN … TYPE asks for, to tell a binary-compatible change (catalog-only) from one that
 * rewrites the table. Both sides go through PostgreSQL's own parser, which maps spellings such
 * as `character varying(20)` and `varchar(20)` to the same name.
 */
import type { TypeName } from 'libpg-query';
import { as, nameList } from '../../sql/ast.js';
import { parseSql } from '../../sql/parse.js';
import type { CatalogFacts, IndexFacts, TableFacts } from '../../schema/facts.js';

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

/** Types whose length / precision modifier PostgreSQL widens without touching a row (their typmod support functions). */
const WIDENABLE = new Set(['varchar', 'varbit', 'timestamp', 'timestamptz', 'time', 'timetz', 'interval']);

/**
 * Whether PostgreSQL changes the column's type without rewriting the table, judged from the
 * catalog where one was read:
 * - the same type, or a typmod that only widens (varchar(n) → varchar(m ≥ n) or unconstrained,
 *   numeric(p,s) → numeric(q ≥ p, s), timestamp/time/interval precision up or unconstrained):
 *   the typmod support functions tell PostgreSQL no value changes;
 * - a binary-coercible cast (`pg_cast.castmethod = 'b'`: varchar → text, cidr → inet, text →
 *   citext…) to a type without a modifier: PostgreSQL relabels the column;
 * - timestamp ↔ timestamptz when the session TimeZone is UTC, on PostgreSQL 12+.
 * Without a catalog, only the measured list of `binaryCompatible` counts.
 */
export function changeWithoutRewrite(
  from: ColumnType,
  to: ColumnType,
  catalog: CatalogFacts | undefined,
): { free: boolean; how: string } {
  if (sameType(from, to)) return { free: true, how: 'the same type' };
  if (from.array !== to.array) return { free: false, how: 'array and element types differ' };
  if (from.name === to.name && (WIDENABLE.has(from.name) || from.name === 'numeric') && widens(from, to))
    return { free: true, how: 'the modifier only widens' };
  if (!catalog?.binaryCasts) {
    return binaryCompatible(from, to)
      ? { free: true, how: 'binary-compatible' }
      : {
          free: false,
          how: `${typeText(from)} → ${typeText(to)} is not known to be binary-compatible without a database`,
        };
  }
  if (catalog.binaryCasts.includes(`${from.name}>${to.name}`) && to.mods.length === 0)
    return { free: true, how: `binary-coercible (pg_cast: ${from.name} → ${to.name})` };
  const stamps = new Set(['timestamp', 'timestamptz']);
  if (stamps.has(from.name) && stamps.has(to.name) && (to.mods.length === 0 || sameMods(from, to))) {
    const utc = ['utc', 'etc/utc', 'utc0', 'zulu', 'etc/zulu', 'gmt', 'etc/gmt'].includes(
      (catalog.timeZone ?? '').toLowerCase(),
    );
    if (catalog.serverVersion >= 120000 && utc)
      return { free: true, how: `the session TimeZone is ${catalog.timeZone}, so PostgreSQL 12+ keeps every value` };
    return {
      free: false,
      how:
        catalog.serverVersion < 120000
          ? 'PostgreSQL before 12 rewrites it'
          : `the session TimeZone is ${catalog.timeZone ?? 'unknown'}, not UTC, so every value is converted`,
    };
  }
  return { free: false, how: `${typeText(from)} → ${typeText(to)} is not binary-coercible (pg_cast)` };
}

function sameMods(a: ColumnType, b: ColumnType): boolean {
  return a.mods.length === b.mods.length && a.mods.every((m, i) => m === b.mods[i]);
}

function widens(from: ColumnType, to: ColumnType): boolean {
  if (to.mods.length === 0) return true;
  if (from.mods.length === 0) return false;
  if (from.name === 'numeric') {
    const [p = 0, s = 0] = from.mods;
    const [q = 0, t = 0] = to.mods;
    return t === s && q >= p;
  }
  // interval(fields, precision) forms carry two modifiers: only the plain precision is read here.
  if (from.mods.length !== 1 || to.mods.length !== 1) return false;
  return to.mods[0]! >= from.mods[0]!;
}

/**
 * Indexes on `column` that PostgreSQL rebuilds even when the table is not rewritten: those whose
 * operator class for the column is not the one the new type gets (its own default operator
 * class for the index's access method, else the current one when the new type is
 * binary-coercible to its input type). Measured on PostgreSQL 15 with relfilenode: varchar → text
 * keeps text_ops (no rebuild); timestamp → timestamptz moves to timestamptz_ops (rebuild).
 */
export function rebuiltIndexes(
  table: TableFacts | undefined,
  column: string,
  to: ColumnType,
  catalog: CatalogFacts | undefined,
): IndexFacts[] {
  return (table?.indexes ?? []).filter((index) =>
    index.columns.some((c, k) => {
      if (c !== column) return false;
      const current = index.opclasses[k];
      const input = index.opclassTypes[k];
      const own = to.array ? undefined : catalog?.defaultOpclasses?.[`${index.am}:${to.name}`];
      const next =
        own ?? (input === to.name || catalog?.binaryCasts?.includes(`${to.name}>${input}`) ? current : undefined);
      return next !== current;
    }),
  );
}
