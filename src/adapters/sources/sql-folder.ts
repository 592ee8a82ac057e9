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

/** The extension is matched in any case: `0001_users.SQL` is read like `0001_users.sql`. */
const FILE_NAME = /^([0-9A-Za-z]+)_([A-Za-z0-9_.-]+)\.sql$/i;
const EXTENSION = '.sql';

/** Decodes strictly (no replacement characters); keeps a byte order mark, as the text it was read with. */
// A UTF-8 byte order mark is accepted and dropped (the checksum still covers it: it is over the bytes).
const UTF8 = new TextDecoder('utf-8', { fatal: true });

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
  const names = entries.filter((e) => e.toLowerCase().endsWith(EXTENSION)).sort();
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
  const contents = await Promise.all(names.map((entry) => readFile(path.join(dir, entry))));
  return names.map((entry, i) => {
    const bytes = contents[i]!;
    const text = decodeUtf8(bytes, shown(entry));
    const id = entry.slice(0, -EXTENSION.length);
    return migrationFromText(source.app, id, FILE_NAME.exec(entry)![1]!, shown(entry), text, bytes);
  });
}

/** The file's text; a file that is not valid UTF-8 is an error naming the first bad byte. */
export function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    const offset = firstInvalidUtf8Byte(bytes);
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
    throw new DeployctlError(
      'SOURCE_INVALID',
      `${file}:${line}: not valid UTF-8 at byte offset ${offset} (0x${bytes[offset]?.toString(16).padStart(2, '0') ?? ''}); migrations must be UTF-8 text: convert the file (e.g. iconv -f latin1 -t utf-8)`,
      { file, line },
    );
  }
}

/**
 * Offset of the first byte that does not start or continue a valid UTF-8 sequence. The lenient
 * decoder puts U+FFFD where the input is invalid; every character before the first such one was
 * valid, so summing their encoded lengths gives the exact offset (a real U+FFFD in the file is
 * encoded EF BF BD and skipped).
 */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  let offset = 0;
  for (const ch of text) {
    if (ch === '\uFFFD' && !(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd))
      return offset;
    offset += Buffer.byteLength(ch, 'utf8');
  }
  return bytes.length;
}
