/**
 * golang-migrate's layout: `<version>_<title>.up.sql` with an optional `<version>_<title>.down.sql`.
 * Its PostgreSQL ledger is `schema_migrations (version bigint primary key, dirty boolean)` holding
 * one row, the newest version applied; `dirty` is true while a migration runs and stays true
 * when one failed midway (golang-migrate then refuses to run until `migrate force`).
 */
import path from 'node:path';
import { migrationFromText, type MigrationFile } from '../../../core/migration.js';
import { DeployctlError } from '../../../errors.js';
import { isDirectory, listFolder, readUtf8, tableExists, type ToolSource, shownPath } from './files.js';
import { readdir } from 'node:fs/promises';
import type { ToolSourceRead } from './tool.js';
import type { Db } from '../../../ports.js';

const FILE = /^(\d+)_(.*)\.(up|down)\.sql$/;
const TABLE = 'schema_migrations';

export async function readGolangMigrateSource(source: ToolSource, cwd = process.cwd()): Promise<ToolSourceRead> {
  const dir = path.resolve(cwd, source.dir);
  const entries = (await listFolder(source, 'golang-migrate', cwd)).filter((e) => e.toLowerCase().endsWith('.sql'));
  const ups = new Map<string, string>();
  const downs = new Map<string, string>();
  for (const entry of entries) {
    const m = FILE.exec(entry);
    if (!m)
      throw new DeployctlError(
        'SOURCE_INVALID',
        `${shownPath(cwd, path.join(dir, entry))}: golang-migrate files are named <version>_<title>.up.sql / .down.sql, e.g. 000001_create_users.up.sql`,
        { file: shownPath(cwd, path.join(dir, entry)) },
      );
    (m[3] === 'up' ? ups : downs).set(`${m[1]}_${m[2]}`, entry);
  }
  for (const [id, entry] of downs) {
    if (!ups.has(id))
      throw new DeployctlError(
        'SOURCE_INVALID',
        `${shownPath(cwd, path.join(dir, entry))}: a down migration without ${id}.up.sql`,
        {
          file: shownPath(cwd, path.join(dir, entry)),
        },
      );
  }
  const files: MigrationFile[] = [];
  for (const [id, entry] of [...ups].sort(([a], [b]) => compareVersions(versionOf(a), versionOf(b)))) {
    const { shown, text, bytes } = await readUtf8(path.join(dir, entry), cwd);
    const file = migrationFromText(source.app, id, versionOf(id), shown, text, bytes);
    const down = downs.get(id);
    // The down file is the whole down migration (its lines count from 1).
    if (down) file.down = { sql: (await readUtf8(path.join(dir, down), cwd)).text, firstLine: 1 };
    files.push(file);
  }
  return {
    files,
    ledger: {
      tool: 'golang-migrate',
      table: TABLE,
      /** Inside the migration's transaction (the executor's). */
      record: (db, m) => setVersion(db, m.prefix, false),
      /** Before a migration that runs outside a transaction: committed on its own, as golang-migrate does. */
      async starting(db, m) {
        await db.query('BEGIN');
        try {
          await setVersion(db, m.prefix, true);
          await db.query('COMMIT');
        } catch (e) {
          await db.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
      },
      async applied(db, all) {
        if (!(await tableExists(db, TABLE))) return new Set();
        await requireColumn(db, 'dirty', 'golang-migrate');
        const r = await db.query('SELECT version::text AS version, dirty FROM schema_migrations');
        if (r.rows.length === 0) return new Set();
        if (r.rows.length > 1)
          throw new DeployctlError(
            'SOURCE_INVALID',
            `${TABLE} holds ${r.rows.length} rows; golang-migrate keeps exactly one (the current version)`,
          );
        const { version, dirty } = r.rows[0] as { version: string; dirty: boolean };
        if (dirty)
          throw new DeployctlError(
            'SOURCE_INVALID',
            `${TABLE} marks version ${version} dirty: a migration failed midway. Repair the schema by hand, then mark the version with migrate force <version>, before adopting`,
          );
        return new Set(all.filter((f) => compareVersions(f.prefix, version) <= 0).map((f) => f.id));
      },
    },
  };
}

/**
 * golang-migrate's SetVersion: the table holds one row, replaced. The version never moves back:
 * a post migration that runs after a later-numbered pre one leaves the newer version in place
 * (golang-migrate itself applies in version order and would run the newer one again otherwise).
 */
async function setVersion(db: Db, version: string, dirty: boolean): Promise<void> {
  await db.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)',
  );
  const current = await db.query('SELECT max(version)::text AS v FROM schema_migrations');
  const was = current.rows[0].v as string | null;
  const newest = was !== null && compareVersions(was, version) > 0 ? was : version;
  await db.query('TRUNCATE schema_migrations');
  await db.query('INSERT INTO schema_migrations (version, dirty) VALUES ($1, $2)', [newest, dirty]);
}

function versionOf(id: string): string {
  return id.slice(0, id.indexOf('_'));
}

/** Versions are unsigned integers of any width: `000002` is 2. */
export function compareVersions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Both golang-migrate and dbmate call their table schema_migrations; the columns tell them apart. */
export async function requireColumn(
  db: Parameters<ToolSourceRead['ledger']['applied']>[0],
  column: string,
  tool: string,
): Promise<void> {
  const r = await db.query(
    `SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('schema_migrations') AND attname = $1 AND NOT attisdropped`,
    [column],
  );
  if (r.rowCount === 0)
    throw new DeployctlError(
      'SOURCE_INVALID',
      `${TABLE} has no column ${column}, so it is not ${tool}'s ledger (golang-migrate has version bigint + dirty; dbmate has version varchar only)`,
    );
}

/** The folder under `dir` holding golang-migrate's `.up.sql` files (`migrations/`, `db/migrations/`), when there is one. */
export async function detectGolangMigrate(dir: string): Promise<string | undefined> {
  for (const candidate of ['migrations', path.join('db', 'migrations'), path.join('database', 'migrations')]) {
    const folder = path.join(dir, candidate);
    if (!(await isDirectory(folder))) continue;
    if ((await readdir(folder)).some((e) => FILE.test(e) && e.endsWith('.up.sql'))) return folder;
  }
  return undefined;
}
