/**
 * dbmate's layout: `<version>_<name>.sql` (version: the leading digits) holding a
 * `-- migrate:up` section and an optional `-- migrate:down` section; `transaction:false` after a
 * marker runs that section outside a transaction. Its ledger is `schema_migrations (version
 * varchar(128) primary key)`, one row per applied version.
 */
import path from 'node:path';
import { readdir } from 'node:fs/promises';
import type { MigrationFile } from '../../../core/migration.js';
import { DeployctlError } from '../../../errors.js';
import {
  isDirectory,
  keepLines,
  listFolder,
  readFlatSqlFile,
  readUtf8,
  tableExists,
  type ToolSource,
  shownPath,
} from './files.js';
import { requireColumn } from './golang-migrate.js';
import type { ToolSourceRead } from './tool.js';

const FILE = /^(\d+)_.*\.sql$/;
const MARKER = /^--\s*migrate:(up|down)\b(.*)$/;
const TABLE = 'schema_migrations';

export async function readDbmateSource(source: ToolSource, cwd = process.cwd()): Promise<ToolSourceRead> {
  const dir = path.resolve(cwd, source.dir);
  const entries = (await listFolder(source, 'dbmate', cwd)).filter((e) => e.toLowerCase().endsWith('.sql'));
  const files: MigrationFile[] = [];
  for (const entry of entries) {
    const m = FILE.exec(entry);
    if (!m)
      throw new DeployctlError(
        'SOURCE_INVALID',
        `${shownPath(cwd, path.join(dir, entry))}: dbmate files are named <version>_<name>.sql, e.g. 20240101120000_create_users.sql`,
        { file: shownPath(cwd, path.join(dir, entry)) },
      );
    const read = await readFlatSqlFile(source, dir, entry, m[1]!, cwd);
    files.push({ ...read, ...sections(read.text, read.file) });
  }
  return {
    files,
    ledger: {
      tool: 'dbmate',
      table: TABLE,
      async record(db, f) {
        await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(128) PRIMARY KEY)`);
        await db.query('INSERT INTO schema_migrations (version) VALUES ($1)', [f.prefix]);
      },
      async applied(db, all) {
        if (!(await tableExists(db, TABLE))) return new Set();
        const dirty = await db.query(
          `SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('schema_migrations') AND attname = 'dirty' AND NOT attisdropped`,
        );
        if ((dirty.rowCount ?? 0) > 0)
          throw new DeployctlError(
            'SOURCE_INVALID',
            `${TABLE} has a dirty column: it is golang-migrate's ledger, not dbmate's; use --from golang-migrate`,
          );
        await requireColumn(db, 'version', 'dbmate');
        const r = await db.query('SELECT version FROM schema_migrations');
        const versions = new Set(r.rows.map((row) => String(row.version)));
        return new Set(all.filter((f) => versions.has(f.prefix)).map((f) => f.id));
      },
    },
  };
}

/**
 * The up section as deployctl runs it, with the file's own line numbers (other lines blanked);
 * `transaction:false` on the up marker becomes deployctl's no-transaction directive on that line.
 */
function sections(text: string, file: string): Pick<MigrationFile, 'up' | 'down'> {
  const lines = text.split('\n');
  const markers = lines.flatMap((l, i) => {
    const m = MARKER.exec(l.trim());
    return m ? [{ i, kind: m[1] as 'up' | 'down', options: m[2]!.trim().split(/\s+/).filter(Boolean) }] : [];
  });
  const up = markers.find((m) => m.kind === 'up');
  if (!up)
    throw new DeployctlError(
      'SOURCE_INVALID',
      `${file}: no '-- migrate:up' line; dbmate migrations start their up section with it`,
      { file },
    );
  const end = (start: number): number => markers.find((m) => m.i > start)?.i ?? lines.length;
  const upEnd = end(up.i);
  const noTransaction = up.options.includes('transaction:false');
  const upLines = lines.map((l, i) =>
    i === up.i ? (noTransaction ? '-- deployctl:no-transaction dbmate transaction:false' : '') : l,
  );
  const result: Pick<MigrationFile, 'up' | 'down'> = { up: keepLines(upLines, (i) => i >= up.i && i < upEnd) };
  const down = markers.find((m) => m.kind === 'down');
  if (down) result.down = { sql: lines.slice(down.i + 1, end(down.i)).join('\n'), firstLine: down.i + 2 };
  return result;
}

/** The dbmate migrations folder under `dir` (`db/migrations`), when its files have `-- migrate:up`. */
export async function detectDbmate(dir: string): Promise<string | undefined> {
  for (const candidate of [path.join('db', 'migrations'), 'migrations']) {
    const folder = path.join(dir, candidate);
    if (!(await isDirectory(folder))) continue;
    const first = (await readdir(folder)).find(
      (e) => FILE.test(e) && !e.endsWith('.up.sql') && !e.endsWith('.down.sql'),
    );
    if (!first) continue;
    const { text } = await readUtf8(path.join(folder, first), dir);
    if (text.split('\n').some((l) => MARKER.test(l.trim()))) return folder;
  }
  return undefined;
}
