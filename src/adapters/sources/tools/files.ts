/**
 * What the sources in the other tools' layouts share: listing their folder, reading a file as
 * strict UTF-8, and showing paths relative to the working directory.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DeployctlError } from '../../../errors.js';
import type { Db } from '../../../ports.js';
import { decodeUtf8 } from '../sql-folder.js';

export interface ToolSource {
  app: string;
  /** The tool's migrations folder, absolute or relative to `cwd`. */
  dir: string;
}

export interface ReadFileResult {
  /** Path as shown to the user. */
  shown: string;
  text: string;
  bytes: Buffer;
}

export function shownPath(cwd: string, absolute: string): string {
  const relative = path.relative(cwd, absolute);
  return relative.startsWith('..') ? absolute : relative;
}

/** The folder's entries, sorted; a missing folder is an error naming the source. */
export async function listFolder(source: ToolSource, tool: string, cwd: string): Promise<string[]> {
  const dir = path.resolve(cwd, source.dir);
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
    return (await readdir(dir)).sort();
  } catch {
    throw new DeployctlError(
      'SOURCE_INVALID',
      `${tool} migration folder '${source.dir}' (app '${source.app}') does not exist or is not a folder`,
      { file: source.dir },
    );
  }
}

export async function readUtf8(absolute: string, cwd: string): Promise<ReadFileResult> {
  const shown = shownPath(cwd, absolute);
  let bytes: Buffer;
  try {
    bytes = await readFile(absolute);
  } catch {
    throw new DeployctlError('SOURCE_INVALID', `${shown}: cannot be read`, { file: shown });
  }
  return { shown, text: decodeUtf8(bytes, shown), bytes };
}

/**
 * One `<prefix>_<name>.sql` file of a flat folder (dbmate, node-pg-migrate): its id is the file
 * name without `.sql`, its checksum the sha256 of its bytes. The caller adds its up/down sections.
 */
export async function readFlatSqlFile(
  source: ToolSource,
  dir: string,
  entry: string,
  prefix: string,
  cwd: string,
): Promise<{ app: string; id: string; prefix: string; file: string; text: string; checksum: string }> {
  const { shown, text, bytes } = await readUtf8(path.join(dir, entry), cwd);
  return {
    app: source.app,
    id: entry.slice(0, -'.sql'.length),
    prefix,
    file: shown,
    text,
    checksum: createHash('sha256').update(bytes).digest('hex'),
  };
}

export async function isDirectory(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

export async function isFile(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * Keeps only the lines of `text` for which `keep(lineIndex)` is true and blanks the others, so a
 * section of a file parses with the file's own line numbers.
 */
export function keepLines(lines: string[], keep: (i: number) => boolean): string {
  return lines.map((l, i) => (keep(i) ? l : '')).join('\n');
}

/** Whether a table (resolved through the connection's search_path, or schema-qualified) exists. */
export async function tableExists(db: Db, name: string): Promise<boolean> {
  const r = await db.query('SELECT to_regclass($1) IS NOT NULL AS ok', [name]);
  return r.rows[0].ok as boolean;
}
