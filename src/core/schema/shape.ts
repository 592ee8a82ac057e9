/**
 * The shape of a schema as the fingerprint sees it: only what decides how rows look and which
 * rows are valid, written so that two databases built differently but ending up the same compare
 * equal. What is left out on purpose (and why) is listed in docs/hygiene.md:
 * column order (attnum), oids, the names of constraints and indexes (PostgreSQL generates
 * many of them), comments, owners and privileges, statistics and data.
 */

export interface ColumnShape {
  /** format_type() of the column: `character varying(20)`, `public.mood`, `integer[]`. */
  type: string;
  notNull: boolean;
  /** The default expression as PostgreSQL prints it (pg_get_expr), or null. */
  default: string | null;
  /** `always` / `by default` for identity columns, else null. */
  identity: 'always' | 'by default' | null;
  /** The expression of a stored generated column, else null. */
  generated: string | null;
  /** A collation different from the type's default, else null. */
  collation: string | null;
}

export interface TableShape {
  /** Column name → column. Objects are compared and hashed with sorted keys, so order is irrelevant. */
  columns: Record<string, ColumnShape>;
  /** pg_get_constraintdef() of each PRIMARY KEY / UNIQUE / CHECK / FOREIGN KEY / EXCLUDE, sorted, without names. */
  constraints: string[];
  /** pg_get_indexdef() of each index with its name removed, sorted. */
  indexes: string[];
  /** pg_get_triggerdef() of each user trigger (trigger names are never generated, so they stay), sorted. */
  triggers: string[];
}

export interface SchemaShape {
  /** Schemas that hold user objects (besides deployctl's ledger schema), sorted. */
  schemas: string[];
  /** `schema.table` → table. */
  tables: Record<string, TableShape>;
  /** `schema.name` → one canonical line per object kind (views, sequences, types, functions, extensions). */
  views: Record<string, string>;
  sequences: Record<string, string>;
  types: Record<string, string>;
  /** `schema.name(argument types)` → pg_get_functiondef(). */
  functions: Record<string, string>;
  /** extension name → the schema it lives in. */
  extensions: Record<string, string>;
}

/** The per-kind maps of SchemaShape that hold one canonical string per object. */
export const OBJECT_KINDS = ['views', 'sequences', 'types', 'functions', 'extensions'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];
