/**
 * What differs between two schema shapes, in words a person can act on: which tables differ and
 * how (column added / removed / type changed…), and which other objects were added, removed or
 * changed. Used by drift detection and by squash's own round-trip check.
 */
import type { ColumnShape, SchemaShape, TableShape } from './shape.js';
import { OBJECT_KINDS } from './shape.js';

export interface SchemaDifference {
  /** `table public.users`, `view public.active_users`, `schema billing`… */
  object: string;
  /** One line per change, e.g. `column email added (text)`, `column id type changed: integer → bigint`. */
  changes: string[];
}

const KIND_LABEL: Record<(typeof OBJECT_KINDS)[number], string> = {
  views: 'view',
  sequences: 'sequence',
  types: 'type',
  functions: 'function',
  extensions: 'extension',
};

/** Differences going from `before` to `after`; empty when the shapes are the same. */
export function diffShapes(before: SchemaShape, after: SchemaShape): SchemaDifference[] {
  const out: SchemaDifference[] = [];
  const beforeSchemas = new Set(before.schemas);
  const afterSchemas = new Set(after.schemas);
  for (const s of after.schemas) if (!beforeSchemas.has(s)) out.push({ object: `schema ${s}`, changes: ['added'] });
  for (const s of before.schemas) if (!afterSchemas.has(s)) out.push({ object: `schema ${s}`, changes: ['removed'] });

  for (const name of union(before.tables, after.tables)) {
    const a = before.tables[name];
    const b = after.tables[name];
    if (!a) out.push({ object: `table ${name}`, changes: [`added (${Object.keys(b!.columns).sort().join(', ')})`] });
    else if (!b) out.push({ object: `table ${name}`, changes: ['removed'] });
    else {
      const changes = diffTable(a, b);
      if (changes.length) out.push({ object: `table ${name}`, changes });
    }
  }
  for (const kind of OBJECT_KINDS) {
    for (const name of union(before[kind], after[kind])) {
      const a = before[kind][name];
      const b = after[kind][name];
      if (a === b) continue;
      const change = a === undefined ? 'added' : b === undefined ? 'removed' : `changed:\n    was: ${a}\n    now: ${b}`;
      out.push({ object: `${KIND_LABEL[kind]} ${name}`, changes: [change] });
    }
  }
  return out;
}

function diffTable(a: TableShape, b: TableShape): string[] {
  const changes: string[] = [];
  for (const col of union(a.columns, b.columns)) {
    const x = a.columns[col];
    const y = b.columns[col];
    if (!x) changes.push(`column ${col} added (${describeColumn(y!)})`);
    else if (!y) changes.push(`column ${col} removed (was ${describeColumn(x)})`);
    else changes.push(...diffColumn(col, x, y));
  }
  for (const [label, list] of [
    ['constraint', 'constraints'],
    ['index', 'indexes'],
    ['trigger', 'triggers'],
  ] as const) {
    const x = new Set(a[list]);
    const y = new Set(b[list]);
    for (const d of b[list]) if (!x.has(d)) changes.push(`${label} added: ${d}`);
    for (const d of a[list]) if (!y.has(d)) changes.push(`${label} removed: ${d}`);
  }
  return changes;
}

function diffColumn(name: string, x: ColumnShape, y: ColumnShape): string[] {
  const out: string[] = [];
  if (x.type !== y.type) out.push(`column ${name} type changed: ${x.type} → ${y.type}`);
  if (x.notNull !== y.notNull) out.push(`column ${name} ${y.notNull ? 'became NOT NULL' : 'became nullable'}`);
  if (x.default !== y.default)
    out.push(`column ${name} default changed: ${x.default ?? 'none'} → ${y.default ?? 'none'}`);
  if (x.identity !== y.identity)
    out.push(`column ${name} identity changed: ${x.identity ?? 'none'} → ${y.identity ?? 'none'}`);
  if (x.generated !== y.generated)
    out.push(`column ${name} generated expression changed: ${x.generated ?? 'none'} → ${y.generated ?? 'none'}`);
  if (x.collation !== y.collation)
    out.push(`column ${name} collation changed: ${x.collation ?? 'default'} → ${y.collation ?? 'default'}`);
  return out;
}

function describeColumn(c: ColumnShape): string {
  return [c.type, c.notNull ? 'NOT NULL' : '', c.default !== null ? `DEFAULT ${c.default}` : '']
    .filter(Boolean)
    .join(' ');
}

function union(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}

/** The differences as indented text lines, for error messages. */
export function renderDifferences(diffs: SchemaDifference[]): string {
  return diffs.map((d) => `  ${d.object}:\n${d.changes.map((c) => `    - ${c}`).join('\n')}`).join('\n');
}
