/**
 * drizzle-kit's layout: `<out>/NNNN_<name>.sql` (statements separated by
 * `--> statement-breakpoint`, an SQL comment) in the order of `<out>/meta/_journal.json`. Its
 * ledger is `drizzle.__drizzle_migrations (id serial, hash text, created_at bigint)` (schema and
 * table configurable, as in drizzle.config's `migrations`): one row per migration with the sha256
 * (hex) of the file's text and the journal entry's `when` (milliseconds). drizzle's migrator runs
 * every journal entry whose `when` is later than the newest row's `created_at`.
 */
import path from 'node:path';
import { migrationFromText, type MigrationFile } from '../../../core/migration.js';
import { quoteIdent } from '../../../core/sql/identifiers.js';
import { DeployctlError } from '../../../errors.js';
import { isFile, listFolder, readUtf8, tableExists, type ToolSource, shownPath } from './files.js';
import type { ToolSourceRead } from './tool.js';

const JOURNAL = path.join('meta', '_journal.json');
export const DRIZZLE_DEFAULT_SCHEMA = 'drizzle';
export const DRIZZLE_DEFAULT_TABLE = '__drizzle_migrations';

export interface DrizzleOptions {
  /** Schema and table of drizzle's ledger (drizzle.config `migrations.schema` / `migrations.table`). */
  migrationsSchema?: string;
  migrationsTable?: string;
}

interface JournalEntry {
  idx: number;
  when: number;
  tag: string;
}

export async function readDrizzleSource(
  source: ToolSource,
  options: DrizzleOptions = {},
  cwd = process.cwd(),
): Promise<ToolSourceRead> {
  const dir = path.resolve(cwd, source.dir);
  const entries = await listFolder(source, 'drizzle', cwd);
  const journal = await readJournal(path.join(dir, JOURNAL), cwd);
  const listed = new Set(journal.map((e) => `${e.tag}.sql`));
  const stray = entries.filter((e) => e.toLowerCase().endsWith('.sql') && !listed.has(e));
  if (stray.length)
    throw new DeployctlError(
      'SOURCE_INVALID',
      `${shownPath(cwd, path.join(dir, stray[0]!))}: not listed in ${JOURNAL}, so drizzle would never run it; generate migrations with drizzle-kit generate (or add its entry)`,
      { file: shownPath(cwd, path.join(dir, stray[0]!)) },
    );
  const when = new Map<string, number>();
  const files: MigrationFile[] = [];
  for (const e of journal) {
    const file = path.join(dir, `${e.tag}.sql`);
    if (!(await isFile(file)))
      throw new DeployctlError(
        'SOURCE_INVALID',
        `${shownPath(cwd, path.join(dir, JOURNAL))}: entry ${e.idx} names ${e.tag}.sql, which is missing`,
        {
          file: shownPath(cwd, path.join(dir, JOURNAL)),
        },
      );
    const { shown, text, bytes } = await readUtf8(file, cwd);
    const prefix = /^([0-9A-Za-z]+)_/.exec(e.tag)?.[1] ?? e.tag;
    files.push(migrationFromText(source.app, e.tag, prefix, shown, text, bytes));
    when.set(e.tag, e.when);
  }
  const schema = options.migrationsSchema ?? DRIZZLE_DEFAULT_SCHEMA;
  const table = options.migrationsTable ?? DRIZZLE_DEFAULT_TABLE;
  const qualified = `${quoteIdent(schema)}.${quoteIdent(table)}`;
  return {
    files,
    ledger: {
      tool: 'drizzle',
      table: `${schema}.${table}`,
      async record(db, m) {
        await db.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
        await db.query(
          `CREATE TABLE IF NOT EXISTS ${qualified} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`,
        );
        await db.query(`INSERT INTO ${qualified} (hash, created_at) VALUES ($1, $2)`, [m.checksum, when.get(m.id)]);
      },
      async applied(db, all) {
        if (!(await tableExists(db, qualified))) return new Set();
        const r = await db.query(`SELECT hash FROM ${qualified}`);
        const hashes = new Set(r.rows.map((row) => row.hash as string));
        return new Set(all.filter((f) => hashes.has(f.checksum)).map((f) => f.id));
      },
    },
  };
}

async function readJournal(file: string, cwd: string): Promise<JournalEntry[]> {
  if (!(await isFile(file)))
    throw new DeployctlError(
      'SOURCE_INVALID',
      `${shownPath(cwd, file)}: missing; a drizzle migrations folder has meta/_journal.json`,
      {
        file: shownPath(cwd, file),
      },
    );
  const { shown, text } = await readUtf8(file, cwd);
  let parsed: { dialect?: unknown; entries?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (e) {
    throw new DeployctlError('SOURCE_INVALID', `${shown}: not valid JSON: ${(e as Error).message}`, { file: shown });
  }
  if (parsed.dialect !== undefined && parsed.dialect !== 'postgresql' && parsed.dialect !== 'pg')
    throw new DeployctlError(
      'SOURCE_INVALID',
      `${shown}: dialect ${JSON.stringify(parsed.dialect)}; deployctl runs PostgreSQL migrations only (dialect "postgresql")`,
      { file: shown },
    );
  if (!Array.isArray(parsed.entries))
    throw new DeployctlError('SOURCE_INVALID', `${shown}: no "entries" list`, { file: shown });
  return parsed.entries
    .map((raw, i) => {
      const e = raw as Partial<JournalEntry>;
      if (typeof e.tag !== 'string' || typeof e.when !== 'number' || !/^[A-Za-z0-9_.-]+$/.test(e.tag))
        throw new DeployctlError(
          'SOURCE_INVALID',
          `${shown}: entries[${i}] needs a "tag" (file name without .sql) and a numeric "when"`,
          {
            file: shown,
          },
        );
      return { idx: typeof e.idx === 'number' ? e.idx : i, when: e.when, tag: e.tag };
    })
    .sort((a, b) => a.idx - b.idx);
}

/** The drizzle migrations folder under `dir` (the one holding meta/_journal.json: `drizzle/` by default), when there is one. */
export async function detectDrizzle(dir: string): Promise<string | undefined> {
  for (const candidate of [
    'drizzle',
    'migrations',
    path.join('src', 'db', 'migrations'),
    path.join('db', 'migrations'),
  ]) {
    const folder = path.join(dir, candidate);
    if (await isFile(path.join(folder, JOURNAL))) return folder;
  }
  return undefined;
}
