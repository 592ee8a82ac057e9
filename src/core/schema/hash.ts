/**
 * Hashes of a SchemaShape: sha256 (hex) over a canonical JSON text in which every object's keys
 * are sorted, so neither the order the catalog returned rows in nor the order columns were added
 * changes a hash.
 */
import { createHash } from 'node:crypto';
import type { SchemaShape, TableShape } from './shape.js';

export interface Fingerprint {
  /** Hash of the whole shape: every table (with indexes and triggers), view, sequence, type, function and extension. */
  schema: string;
  /**
   * `schema.table` → hash of what a row of that table looks like and which rows it accepts:
   * columns (name, type, NOT NULL, default, identity, generated, collation) and constraints.
   * Indexes and triggers are left out: adding one does not change what a cached row holds.
   */
  tables: Record<string, string>;
}

export function fingerprintOf(shape: SchemaShape): Fingerprint {
  const tables: Record<string, string> = {};
  for (const name of Object.keys(shape.tables).sort()) tables[name] = tableHash(shape.tables[name]!);
  return { schema: sha256(canonicalJson(shape)), tables };
}

export function tableHash(table: TableShape): string {
  return sha256(canonicalJson({ columns: table.columns, constraints: [...table.constraints].sort() }));
}

/** JSON with object keys in sorted order at every level (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
