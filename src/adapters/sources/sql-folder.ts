/**
 * The plain source: a folder of `<id>_<name>.sql` files. Reading it is the only I/O; what comes
 * out is plain data for the pure classifier.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { migrationFromText, type MigrationFile } from '../../core/migration.js';
import { DeployctlError } from '../../errors.js';

export interface SqlFolderSource {
  app: string;
  dir: string;
}

const FILE_NAME = /^([0-9A-Za-z]+)_([A-Za-z0-9_.-]+)\.sql$/;

export async function readSqlFolder(source: SqlFolderSource, cwd = process.cwd()): Promise<MigrationFile[]> {
  const dir = path.resolve(cwd, source.dir);
  let entries: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
    entries = await readdir(dir);
  } catch {
    throw new DeployctlError(
      'SOURCE_INVALID',
      `migration folder '${source.dir}' (app '${source.app}') does not exist or is not a folder`,
      { file: source.dir },
    );
  }
  const names = entries.filter((e) => e.endsWith('.sql')).sort();
  const shown = (entry: string): string => {
    const relative = path.relative(cwd, path.join(dir, entry));
    return relative.startsWith('..') ? path.join(dir, entry) : relative;
  };
  for (const entry of names) {
    if (!FILE_NAME.test(entry)) {
      throw new DeployctlError(
        'SOURCE_INVALID',
        `${shown(entry)}: migration files are named <id>_<name>.sql, e.g. 0001_create_users.sql`,
        { file: shown(entry) },
      );
    }
  }
  // Read concurrently: a source may hold thousands of small files.
  const texts = await Promise.all(names.map((entry) => readFile(path.join(dir, entry), 'utf8')));
  return names.map((entry, i) =>
    migrationFromText(source.app, entry.slice(0, -4), FILE_NAME.exec(entry)![1]!, shown(entry), texts[i]!),
  );
}
