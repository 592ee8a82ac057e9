/**
 * A Django project's models, read by the model helper (model_helper.py, shipped beside this
 * module and copied into dist/ by the build) inside the project's own `manage.py shell`; and
 * `manage.py migrate` of every migration into a database of deployctl's choosing (a scratch one).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config, SourceConfig } from '../../../config/config.js';
import { DeployctlError } from '../../../errors.js';
import type { Exec } from './exec.js';
import { DjangoRunner } from './runner.js';

const MODEL_HELPER = fileURLToPath(new URL('./model_helper.py', import.meta.url));

export interface DjangoM2mField {
  field: string;
  /** The join table: the declared through model's, or the one Django made up (`catalog_book_tags`). */
  table: string;
  /** Label of the declared through model; null for the join table Django creates itself. */
  through: string | null;
  /** Label of the related model. */
  target: string;
  /** Columns of the join table pointing at this model and at the target (`book_id`, `tag_id`). */
  columns: [string, string];
  /** Names a through model's two ForeignKeys need for those columns (`book`, `tag`). */
  fieldNames: [string, string];
  file: string | null;
  line: number | null;
}

export interface DjangoGenericForeignKey {
  field: string;
  ctField: string;
  fkField: string;
  file: string | null;
  line: number | null;
}

export interface DjangoModel {
  /** `app_label.ObjectName` (`catalog.Book`). */
  label: string;
  app: string;
  /** Declared in a .py file inside the project's folder (not django.contrib, not site-packages). */
  own: boolean;
  file: string | null;
  /** The line of the model's `class` statement. */
  line: number | null;
  table: string;
  /** Meta.db_table names the table (else Django generated `<app_label>_<model>`). */
  explicitTable: boolean;
  /** The tables an instance is read from: its own, then its concrete parents' (multi-table inheritance). */
  tables: string[];
  m2m: DjangoM2mField[];
  gfks: DjangoGenericForeignKey[];
}

export interface SchemaHashModuleRead {
  path: string;
  exists: boolean;
  /** `app.Model` → the hash written there (null when the value is not a string) and the line of the key. */
  entries: Record<string, { hash: string | null; line: number }>;
  /** Line of the SCHEMA_HASH assignment. */
  line?: number;
  /** Why the entries could not be read (not valid Python, not a literal dict…). */
  error?: string;
}

export interface DjangoModelsDocument {
  projectDir: string;
  models: DjangoModel[];
  /** `app.name` of each migration the database has not applied, when asked for. */
  pending?: string[];
  module?: SchemaHashModuleRead;
}

export interface DjangoProjectRef {
  manage: string;
  python: string;
  settings?: string;
}

/** The interpreter, manage.py and settings of a `type: django` source, paths resolved as the source reader does. */
export function djangoProjectOf(source: SourceConfig, config: Pick<Config, 'baseDir'>): DjangoProjectRef {
  const python = source.python ?? 'python3';
  return {
    manage: source.manage!,
    python: python.includes('/') ? path.resolve(config.baseDir, python) : python,
    settings: source.settings,
  };
}

/**
 * The project's models. `pending` also lists the migrations `databaseUrl` has not applied;
 * `module` reads a schema-hash module (parsed by Python's ast, never imported).
 */
export async function readDjangoModels(
  project: DjangoProjectRef,
  databaseUrl: string,
  options: { pending?: boolean; module?: string; exec?: Exec } = {},
): Promise<DjangoModelsDocument> {
  const args = {
    project_dir: path.dirname(project.manage),
    ...(options.pending ? { pending: true } : {}),
    ...(options.module ? { module: options.module } : {}),
  };
  const bootstrap =
    `import json, runpy; runpy.run_path(${JSON.stringify(MODEL_HELPER)}, ` +
    `init_globals={'DEPLOYCTL_ARGS': json.loads(${JSON.stringify(JSON.stringify(args))})}, run_name='__deployctl_models__')`;
  const runner = new DjangoRunner({ ...project, databaseUrl }, options.exec);
  const stdout = await runner.succeed(['shell', '-c', bootstrap], 'shell (reading the models)');
  const last = stdout.trimEnd().split('\n').pop() ?? '';
  try {
    return parseModelsDocument(JSON.parse(last));
  } catch (e) {
    throw new DeployctlError(
      'SOURCE_INVALID',
      `'${runner.shown()} shell (reading the models)' printed no valid model document: ${(e as Error).message}`,
      { file: runner.shown() },
    );
  }
}

/** `manage.py migrate` of every migration into `databaseUrl` (a scratch database). */
export async function migrateAll(project: DjangoProjectRef, databaseUrl: string, exec?: Exec): Promise<void> {
  await new DjangoRunner({ ...project, databaseUrl }, exec).succeed(
    ['migrate', '--no-input'],
    'migrate (into a scratch database)',
  );
}

type Json = unknown;

function fail(at: string, why: string): never {
  throw new Error(`${at}: ${why}`);
}
function object(v: Json, at: string): Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, Json>)
    : fail(at, 'expected an object');
}
function array(v: Json, at: string): Json[] {
  return Array.isArray(v) ? v : fail(at, 'expected an array');
}
function string(v: Json, at: string): string {
  return typeof v === 'string' ? v : fail(at, 'expected a string');
}
function boolean(v: Json, at: string): boolean {
  return typeof v === 'boolean' ? v : fail(at, 'expected true or false');
}
function lineOrNull(v: Json, at: string): number | null {
  if (v === null) return null;
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : fail(at, 'expected a line number');
}
function fileOrNull(v: Json, at: string): string | null {
  return v === null ? null : string(v, at);
}
function pair(v: Json, at: string): [string, string] {
  const a = array(v, at);
  if (a.length !== 2) fail(at, 'expected two names');
  return [string(a[0], `${at}[0]`), string(a[1], `${at}[1]`)];
}

/** The helper's document, checked field by field; throws naming the first bad one. */
export function parseModelsDocument(raw: Json): DjangoModelsDocument {
  const o = object(raw, 'document');
  if (o.format !== 1) fail('format', `expected 1, got ${JSON.stringify(o.format)}`);
  const models = array(o.models, 'models').map((v, i): DjangoModel => {
    const at = `models[${i}]`;
    const m = object(v, at);
    return {
      label: string(m.label, `${at}.label`),
      app: string(m.app, `${at}.app`),
      own: boolean(m.own, `${at}.own`),
      file: fileOrNull(m.file, `${at}.file`),
      line: lineOrNull(m.line, `${at}.line`),
      table: string(m.table, `${at}.table`),
      explicitTable: boolean(m.explicitTable, `${at}.explicitTable`),
      tables: array(m.tables, `${at}.tables`).map((t, j) => string(t, `${at}.tables[${j}]`)),
      m2m: array(m.m2m, `${at}.m2m`).map((f, j) => {
        const fa = `${at}.m2m[${j}]`;
        const fo = object(f, fa);
        return {
          field: string(fo.field, `${fa}.field`),
          table: string(fo.table, `${fa}.table`),
          through: fo.through === null ? null : string(fo.through, `${fa}.through`),
          target: string(fo.target, `${fa}.target`),
          columns: pair(fo.columns, `${fa}.columns`),
          fieldNames: pair(fo.fieldNames, `${fa}.fieldNames`),
          file: fileOrNull(fo.file, `${fa}.file`),
          line: lineOrNull(fo.line, `${fa}.line`),
        };
      }),
      gfks: array(m.gfks, `${at}.gfks`).map((f, j) => {
        const fa = `${at}.gfks[${j}]`;
        const fo = object(f, fa);
        return {
          field: string(fo.field, `${fa}.field`),
          ctField: string(fo.ctField, `${fa}.ctField`),
          fkField: string(fo.fkField, `${fa}.fkField`),
          file: fileOrNull(fo.file, `${fa}.file`),
          line: lineOrNull(fo.line, `${fa}.line`),
        };
      }),
    };
  });
  const out: DjangoModelsDocument = { projectDir: string(o.projectDir, 'projectDir'), models };
  if (o.pending !== undefined) out.pending = array(o.pending, 'pending').map((p, i) => string(p, `pending[${i}]`));
  if (o.module !== undefined) {
    const mo = object(o.module, 'module');
    const entries: SchemaHashModuleRead['entries'] = {};
    for (const [label, e] of Object.entries(object(mo.entries, 'module.entries'))) {
      const eo = object(e, `module.entries.${label}`);
      const line = lineOrNull(eo.line, `module.entries.${label}.line`);
      if (line === null) fail(`module.entries.${label}.line`, 'expected a line number');
      entries[label] = { hash: eo.hash === null ? null : string(eo.hash, `module.entries.${label}.hash`), line };
    }
    out.module = {
      path: string(mo.path, 'module.path'),
      exists: boolean(mo.exists, 'module.exists'),
      entries,
      ...(mo.line !== undefined && mo.line !== null ? { line: lineOrNull(mo.line, 'module.line')! } : {}),
      ...(mo.error !== undefined ? { error: string(mo.error, 'module.error') } : {}),
    };
  }
  return out;
}
