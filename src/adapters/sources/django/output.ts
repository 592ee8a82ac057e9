/**
 * Reading what Django prints. Pure: text in, data out. The plan is the JSON document of the plan
 * helper (plan_helper.py), checked field by field before anything uses it; a failed run is read
 * by Django's and psycopg's fixed exception class names, never by free prose.
 */

/** One operation of a pending migration, as the plan helper lists it. */
export interface PlannedOperation {
  /** The operation's class (`AddField`, `RunPython`, `AddIndexConcurrently`). */
  type: string;
  /** The line of the .py file that declares it; null when the file could not be read. */
  line: number | null;
  /** Django's own description (`Add field sku to product`). */
  description: string;
  /** The SQL it runs, in order; null for an operation that is Python (RunPython) or whose SQL could not be collected. */
  sql: string[] | null;
  /** Why its SQL could not be collected (the exception Django raised), when that is the case. */
  error?: string;
}

export interface PlannedMigration {
  /** Django's app label (`shop`). */
  app: string;
  /** The migration's name (`0002_product_sku`). */
  name: string;
  /** Absolute path of its .py file (null when Django loaded it from elsewhere). */
  file: string | null;
  /** The django_migrations table records it. */
  applied: boolean;
  /** `<app>.<name>` of its direct dependencies, as Django's graph resolved them. */
  dependencies: string[];
  /** Whether Django runs it in one transaction (`atomic = False` turns that off). */
  atomic: boolean;
  /** For a squashed migration, `<app>.<name>` of those it replaces. */
  replaces: string[];
  /** Present for a migration Django has not applied. */
  operations?: PlannedOperation[];
}

export interface LeafConflict {
  app: string;
  /** Names of the app's leaf migrations: more than one means two branches each added one. */
  leaves: string[];
}

export interface DjangoPlanDocument {
  format: 1;
  /** Django's version (`3.2.25`). */
  django: string;
  /** The database backend's vendor (`postgresql`). */
  vendor: string;
  conflicts: LeafConflict[];
  /** Every migration, in the order Django applies them. */
  migrations: PlannedMigration[];
}

/** What is wrong with the document, at which path (`migrations[3].operations[0].sql`). */
export class PlanDocumentError extends Error {
  constructor(
    readonly at: string,
    why: string,
  ) {
    super(`${at}: ${why}`);
    this.name = 'PlanDocumentError';
  }
}

type Json = unknown;

function object(v: Json, at: string): Record<string, Json> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PlanDocumentError(at, 'expected an object');
  return v as Record<string, Json>;
}
function array(v: Json, at: string): Json[] {
  if (!Array.isArray(v)) throw new PlanDocumentError(at, 'expected an array');
  return v;
}
function string(v: Json, at: string): string {
  if (typeof v !== 'string') throw new PlanDocumentError(at, 'expected a string');
  return v;
}
function boolean(v: Json, at: string): boolean {
  if (typeof v !== 'boolean') throw new PlanDocumentError(at, 'expected true or false');
  return v;
}
function strings(v: Json, at: string): string[] {
  return array(v, at).map((s, i) => string(s, `${at}[${i}]`));
}
function nullable<T>(v: Json, at: string, read: (v: Json, at: string) => T): T | null {
  return v === null ? null : read(v, at);
}
function line(v: Json, at: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new PlanDocumentError(at, 'expected a line number');
  return v;
}

function operation(v: Json, at: string): PlannedOperation {
  const o = object(v, at);
  const out: PlannedOperation = {
    type: string(o.type, `${at}.type`),
    line: nullable(o.line, `${at}.line`, line),
    description: string(o.description, `${at}.description`),
    sql: nullable(o.sql, `${at}.sql`, strings),
  };
  if (o.error !== undefined) out.error = string(o.error, `${at}.error`);
  return out;
}

function migration(v: Json, at: string): PlannedMigration {
  const o = object(v, at);
  const out: PlannedMigration = {
    app: string(o.app, `${at}.app`),
    name: string(o.name, `${at}.name`),
    file: nullable(o.file, `${at}.file`, string),
    applied: boolean(o.applied, `${at}.applied`),
    dependencies: strings(o.dependencies, `${at}.dependencies`),
    atomic: boolean(o.atomic, `${at}.atomic`),
    replaces: strings(o.replaces, `${at}.replaces`),
  };
  if (o.operations !== undefined)
    out.operations = array(o.operations, `${at}.operations`).map((op, i) => operation(op, `${at}.operations[${i}]`));
  if (!out.applied && !out.operations)
    throw new PlanDocumentError(`${at}.operations`, 'missing for a pending migration');
  return out;
}

/**
 * The plan helper's document: the last line of its output (whatever the project's settings
 * printed before it is ignored), validated. Throws PlanDocumentError naming the first bad field.
 */
export function parsePlanDocument(stdout: string): DjangoPlanDocument {
  const last = stdout.trimEnd().split('\n').pop() ?? '';
  let raw: Json;
  try {
    raw = JSON.parse(last);
  } catch {
    throw new PlanDocumentError('output', `the last line is not JSON: ${JSON.stringify(last.slice(0, 200))}`);
  }
  const o = object(raw, 'document');
  if (o.format !== 1) throw new PlanDocumentError('format', `expected 1, got ${JSON.stringify(o.format)}`);
  const vendor = string(o.vendor, 'vendor');
  if (vendor !== 'postgresql')
    throw new PlanDocumentError('vendor', `the project's default database is ${vendor}, not PostgreSQL`);
  const migrations = array(o.migrations, 'migrations').map((m, i) => migration(m, `migrations[${i}]`));
  const seen = new Set<string>();
  migrations.forEach((m, i) => {
    const key = `${m.app}.${m.name}`;
    if (seen.has(key)) throw new PlanDocumentError(`migrations[${i}]`, `${key} is listed twice`);
    seen.add(key);
  });
  return {
    format: 1,
    django: string(o.django, 'django'),
    vendor,
    conflicts: array(o.conflicts, 'conflicts').map((c, i) => {
      const at = `conflicts[${i}]`;
      const co = object(c, at);
      return { app: string(co.app, `${at}.app`), leaves: strings(co.leaves, `${at}.leaves`) };
    }),
    migrations,
  };
}

/** The line that says what went wrong: the last exception line of a traceback, else the last line. */
export function failureSummary(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  const exception = [...lines].reverse().find((l) => /^[A-Za-z_][\w.]*: /.test(l));
  return exception ?? lines[lines.length - 1] ?? 'no output';
}
