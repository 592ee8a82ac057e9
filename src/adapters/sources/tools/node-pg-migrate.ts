/**
 * node-pg-migrate's SQL migrations: `<timestamp>_<name>.sql` with an `-- Up Migration` section and
 * an optional `-- Down Migration` section. Its ledger is `pgmigrations (id serial, name
 * varchar(255), run_on timestamp)`: one row per migration, `name` being the file name without
 * its extension and `run_on` the time it ran (`NOW()`). JavaScript migrations are not read.
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
import type { ToolSourceRead } from './tool.js';

const FILE = /^(\d+)[_-].*\.sql$/;
const CODE = /\.(c|m)?(js|ts)$/;
const UP = /^\s*--[\s-]*up\s+migration/i;
const DOWN = /^\s*--[\s-]*down\s+migration/i;
const TABLE = 'pgmigrations';

export async function readNodePgMigrateSource(source: ToolSource, cwd = process.cwd()): Promise<ToolSourceRead> {
  const dir = path.resolve(cwd, source.dir);
  const entries = await listFolder(source, 'node-pg-migrate', cwd);
  const code = entries.find((e) => CODE.test(e) && !e.endsWith('.d.ts'));
  if (code)
    throw new DeployctlError(
      'SOURCE_INVALID',
      `${shownPath(cwd, path.join(dir, code))}: a JavaScript/TypeScript migration; deployctl reads node-pg-migrate's SQL migrations only (node-pg-migrate create --migration-file-language sql)`,
      { file: shownPath(cwd, path.join(dir, code)) },
    );
  const files: MigrationFile[] = [];
  for (const entry of entries.filter((e) => e.toLowerCase().endsWith('.sql'))) {
    const m = FILE.exec(entry);
    if (!m)
      throw new DeployctlError(
        'SOURCE_INVALID',
        `${shownPath(cwd, path.join(dir, entry))}: node-pg-migrate files are named <timestamp>_<name>.sql, e.g. 1700000000000_create-users.sql`,
        { file: shownPath(cwd, path.join(dir, entry)) },
      );
    const read = await readFlatSqlFile(source, dir, entry, m[1]!, cwd);
    files.push({ ...read, ...sections(read.text) });
  }
  return {
    files,
    ledger: {
      tool: 'node-pg-migrate',
      table: TABLE,
      async record(db, f) {
        await db.query(
          `CREATE TABLE IF NOT EXISTS pgmigrations (id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)`,
        );
        await db.query('INSERT INTO pgmigrations (name, run_on) VALUES ($1, NOW())', [f.id]);
      },
      async applied(db, all) {
        if (!(await tableExists(db, TABLE))) return new Set();
        const r = await db.query('SELECT name FROM pgmigrations');
        const names = new Set(r.rows.map((row) => row.name as string));
        return new Set(all.filter((f) => names.has(f.id)).map((f) => f.id));
      },
    },
  };
}

/** The up section with the file's own line numbers; everything from `-- Down Migration` on is the down section. */
function sections(text: string): Pick<MigrationFile, 'up' | 'down'> {
  const lines = text.split('\n');
  const down = lines.findIndex((l) => DOWN.test(l));
  const upEnd = down === -1 ? lines.length : down;
  const result: Pick<MigrationFile, 'up' | 'down'> = { up: keepLines(lines, (i) => i < upEnd && !UP.test(lines[i]!)) };
  if (down !== -1) result.down = { sql: lines.slice(down + 1).join('\n'), firstLine: down + 2 };
  return result;
}

/** The node-pg-migrate folder under `dir` (`migrations/`) when its SQL files carry `-- Up Migration`. */
export async function detectNodePgMigrate(dir: string): Promise<string | undefined> {
  const folder = path.join(dir, 'migrations');
  if (!(await isDirectory(folder))) return undefined;
  const first = (await readdir(folder)).find((e) => FILE.test(e));
  if (!first) return undefined;
  const { text } = await readUtf8(path.join(folder, first), dir);
  return text.split('\n').some((l) => UP.test(l)) ? folder : undefined;
}
