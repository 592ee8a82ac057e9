/**
 * What the classifier may know about the target database. Read once per command by
 * `readCatalog` (catalog/read.ts); the classifier itself never touches a connection.
 */
export interface TableFacts {
  schema: string;
  name: string;
  /** Planner estimate (`pg_class.reltuples`); -1 when the table was never analysed. */
  rowEstimate: number;
  /** Heap size on disk in bytes (`pg_relation_size`). */
  bytes: number;
  /** Columns that already carry a validated `CHECK (col IS NOT NULL)`. */
  notNullChecks: string[];
  /** `CHECK (col IS NOT NULL)` constraints added NOT VALID and not yet validated: name → column. */
  notValidNotNullChecks?: Record<string, string>;
  /** Columns and their declared types as `format_type` prints them. */
  columns: Record<string, { type: string; notNull: boolean; hasDefault?: boolean }>;
  /** Constraints by name and `pg_constraint.contype` (c check, f foreign key, u unique, p primary key, x exclusion);
   * `f-action` for a foreign key whose ON DELETE cascades or sets values, which the old code may rely on. */
  constraints?: Record<string, string>;
  /** Columns named by a validated CHECK constraint (re-checked when their type changes). */
  checkColumns?: string[];
  /** Indexes on the table: rebuilt under the table's lock when a column they use changes type. */
  indexes?: IndexFacts[];
}

export interface IndexFacts {
  name: string;
  /** Size on disk in bytes. */
  bytes: number;
  /** Access method (`btree`, `gin`…). */
  am: string;
  /** Key columns (an expression key is ''), with each key's operator class and its input type. */
  columns: string[];
  opclasses: string[];
  opclassTypes: string[];
}

export interface CatalogFacts {
  serverVersion: number;
  /** The session TimeZone a migration runs with (PostgreSQL 12+ skips the timestamp → timestamptz rewrite under UTC). */
  timeZone?: string;
  /** Binary-coercible casts (`pg_cast.castmethod = 'b'`) as `source>target`, types named as the parser names them. */
  binaryCasts?: string[];
  /** Default operator class per access method and exact input type: `btree:text` → `text_ops`. */
  defaultOpclasses?: Record<string, string>;
  /** Keyed by `schema.table`. */
  tables: Record<string, TableFacts>;
  /**
   * Every relation of any kind (table, view, sequence, index, foreign table) as `schema.name`,
   * so a statement naming one that exists nowhere — not in the database, not created by the
   * release — is reported instead of assumed large. Absent when not read.
   */
  relations?: string[];
  /** Functions and procedures as `schema.name`, so `CREATE OR REPLACE` of one nobody has is known new. */
  routines?: string[];
  /**
   * Volatility of every function (`pg_proc.provolatile`: `i` immutable, `s` stable, `v` volatile)
   * by `schema.name`, the most volatile of its overloads; `pg_catalog` functions included. A
   * non-volatile ADD COLUMN default is stored once in the catalog, a volatile one rewrites the table.
   */
  functionVolatility?: Record<string, 'i' | 's' | 'v'>;
  /** Functions returning `trigger` or `event_trigger`, by `schema.name`: triggers call them by oid. */
  triggerFunctions?: string[];
}

/** A heap at most this size (one 8 kB page) is rewritten or scanned in an instant. */
export const EMPTY_TABLE_MAX_BYTES = 8192;

/**
 * An UPDATE / DELETE that the planner estimates to touch at most this many rows, or a table with
 * at most this many rows, is one short batch: its row locks are held briefly.
 */
export const BATCH_MAX_ROWS = 20_000;

/**
 * Used when no database is reachable and no version is given (`plan --pg-version`, `pgVersion:`
 * in deployctl.yaml): the oldest PostgreSQL the static rules assume.
 */
export const ASSUMED_SERVER_VERSION = 120000;

/** server_version_num of a major version (`12` → 120000). */
export function serverVersionOfMajor(major: number): number {
  return major * 10000;
}

/** The major version of a server_version_num (`150004` → 15). */
export function majorOfServerVersion(serverVersion: number): number {
  return Math.floor(serverVersion / 10000);
}

export function lookupTable(catalog: CatalogFacts | undefined, relation: string): TableFacts | undefined {
  if (!catalog) return undefined;
  const key = relation.includes('.') ? relation : `public.${relation}`;
  return catalog.tables[key];
}

/** "1,000,000 rows, 65 MB" for messages of size-dependent rules. */
export function describeSize(t: TableFacts): string {
  const rows =
    t.rowEstimate < 0 ? 'rows not yet estimated' : `~${Math.round(t.rowEstimate).toLocaleString('en-US')} rows`;
  return `${rows}, ${formatBytes(t.bytes)}`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
