/**
 * A migration source is a folder of `<id>_<name>.sql` files. Reading one is the only I/O here;
 * what comes out is plain data for the pure classifier.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DeployctlError } from '../errors.js';
import { DOWN_MARKER } from './sql/directives.js';

export interface MigrationSource {
  app: string;
  dir: string;
}

export interface MigrationFile {
  app: string;
  /** `<id>_<name>` without `.sql` (`0003_drop_legacy`): what the ledger and the plan call it. */
  id: string;
  /** The part before the first underscore (`0003`, `20240101120000`): two files may not share it. */
  prefix: string;
  /** Path as shown to the user (relative to the working directory when possible). */
  file: string;
  text: string;
  /** sha256 of the file's bytes; an applied file whose checksum changes is tampering. */
  checksum: string;
  /** The SQL that runs forward: everything before `-- deployctl:down`. */
  up: string;
  /** The down section and the file line it starts on, when present. */
  down?: { sql: string; firstLine: number };
  /** Set when the migration is applied by its framework's tool rather than by running `up`. */
  apply?: DjangoApply;
  /** What the classifier cannot judge from `up` (a RunPython operation…), shown with the plan. */
  notes?: string[];
}

/**
 * A Django migration: `up` is what `manage.py sqlmigrate` prints, but Django applies it with
 * `manage.py migrate <app> <name>` (RunPython included) and records it in django_migrations.
 */
export interface DjangoApply {
  kind: 'django';
  /** Absolute path of manage.py. */
  manage: string;
  python: string;
  /** DJANGO_SETTINGS_MODULE, when configured. */
  settings?: string;
  /** Django's app label and migration name (`shop`, `0002_product_sku`). */
  app: string;
  name: string;
  /** `<app>.<name>` of the migrations Django applies before this one. */
  dependencies: string[];
  /** Whether Django's django_migrations table records it as applied. */
  appliedByDjango: boolean;
}

const FILE_NAME = /^([0-9A-Za-z]+)_([A-Za-z0-9_.-]+)\.sql$/;

export async function readSource(source: MigrationSource, cwd = process.cwd()): Promise<MigrationFile[]> {
  const dir = path.resolve(cwd, source.dir);
  let entries: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
    entries = await readdir(dir);
  } catch {
    throw new DeployctlError('SOURCE_INVALID', `migration folder '${source.dir}' (app '${source.app}') does not exist or is not a folder`, { file: source.dir });
  }
  const names = entries.filter((e) => e.endsWith('.sql')).sort();
  const shown = (entry: string): string => {
    const relative = path.relative(cwd, path.join(dir, entry));
    return relative.startsWith('..') ? path.join(dir, entry) : relative;
  };
  for (const entry of names) {
    if (!FILE_NAME.test(entry)) {
      throw new DeployctlError('SOURCE_INVALID', `${shown(entry)}: migration files are named <id>_<name>.sql, e.g. 0001_create_users.sql`, { file: shown(entry) });
    }
  }
  // Read concurrently: a source may hold thousands of small files.
  const texts = await Promise.all(names.map((entry) => readFile(path.join(dir, entry), 'utf8')));
  return names.map((entry, i) => migrationFromText(source.app, entry.slice(0, -4), FILE_NAME.exec(entry)![1]!, shown(entry), texts[i]!));
}

export function migrationFromText(app: string, id: string, prefix: string, file: string, text: string): MigrationFile {
  const checksum = createHash('sha256').update(text, 'utf8').digest('hex');
  const split = splitDown(text);
  return { app, id, prefix, file, text, checksum, ...split };
}

/** Splits at a line that is exactly `-- deployctl:down`. */
function splitDown(text: string): { up: string; down?: { sql: string; firstLine: number } } {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.trim() === DOWN_MARKER);
  if (at === -1) return { up: text };
  return {
    up: lines.slice(0, at).join('\n'),
    down: { sql: lines.slice(at + 1).join('\n'), firstLine: at + 2 },
  };
}
