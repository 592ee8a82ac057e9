/**
 * Prisma Migrate's layout: `prisma/migrations/<timestamp>_<name>/migration.sql`, with
 * `migration_lock.toml` naming the provider. Its ledger is `_prisma_migrations`: one row per
 * migration with a random UUID, the sha256 (hex) of migration.sql, start and finish times and
 * `applied_steps_count` 1; `prisma migrate status` counts a migration applied when its row has
 * `finished_at` set and `rolled_back_at` null.
 */
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { migrationFromText, type MigrationFile } from '../../../core/migration.js';
import { DeployctlError } from '../../../errors.js';
import type { Db } from '../../../ports.js';
import { isDirectory, isFile, listFolder, readUtf8, shownPath, tableExists, type ToolSource } from './files.js';
import type { ToolSourceRead } from './tool.js';

const FOLDER = /^(\d+)_(.*)$/;
const SCRIPT = 'migration.sql';
const LOCK_FILE = 'migration_lock.toml';
const TABLE = '_prisma_migrations';

/** The table as Prisma creates it on PostgreSQL. */
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export async function readPrismaSource(source: ToolSource, cwd = process.cwd()): Promise<ToolSourceRead> {
  const dir = path.resolve(cwd, source.dir);
  const entries = await listFolder(source, 'prisma', cwd);
  if (entries.includes(LOCK_FILE)) await checkProvider(path.join(dir, LOCK_FILE), cwd);
  const files: MigrationFile[] = [];
  for (const entry of entries) {
    const folder = path.join(dir, entry);
    if (!(await isDirectory(folder))) continue;
    const match = FOLDER.exec(entry);
    const script = path.join(folder, SCRIPT);
    if (!match || !(await isFile(script)))
      throw new DeployctlError(
        'SOURCE_INVALID',
        `${shownPath(cwd, folder)}: a Prisma migration is a folder <timestamp>_<name> holding ${SCRIPT}, e.g. 20240101120000_init/${SCRIPT}`,
        { file: shownPath(cwd, folder) },
      );
    const { shown, text, bytes } = await readUtf8(script, cwd);
    files.push(migrationFromText(source.app, entry, match[1]!, shown, text, bytes));
  }
  return { files, ledger: prismaLedger() };
}

function prismaLedger(): ToolSourceRead['ledger'] {
  return {
    tool: 'prisma',
    table: TABLE,
    async record(db, m, run) {
      await db.query(CREATE_TABLE);
      await db.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
         VALUES ($1, $2, $3, $4, NULL, NULL, $5, 1)`,
        [randomUUID(), m.checksum, new Date(run.finishedAtMs), m.id, new Date(run.startedAtMs)],
      );
    },
    async applied(db: Db) {
      if (!(await tableExists(db, TABLE))) return new Set();
      const r = await db.query(
        `SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM "_prisma_migrations" ORDER BY started_at`,
      );
      const applied = new Set<string>();
      const failed = new Set<string>();
      for (const row of r.rows as { migration_name: string; finished: boolean; rolled_back: boolean }[]) {
        if (row.rolled_back) continue;
        if (row.finished) applied.add(row.migration_name);
        else failed.add(row.migration_name);
      }
      const stuck = [...failed].filter((name) => !applied.has(name));
      if (stuck.length)
        throw new DeployctlError(
          'SOURCE_INVALID',
          `${TABLE} shows ${stuck.join(', ')} as started but never finished (a failed migration); resolve it first with prisma migrate resolve --applied|--rolled-back <name>`,
        );
      return applied;
    },
  };
}

/** migration_lock.toml names the provider the migrations were written for: only postgresql runs here. */
async function checkProvider(file: string, cwd: string): Promise<void> {
  const { shown, text } = await readUtf8(file, cwd);
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    const m = /^\s*provider\s*=\s*"([^"]*)"/.exec(line);
    if (!m) continue;
    if (m[1] !== 'postgresql' && m[1] !== 'postgres')
      throw new DeployctlError(
        'SOURCE_INVALID',
        `${shown}:${i + 1}: the migrations are for provider "${m[1]}"; deployctl runs PostgreSQL migrations only (provider = "postgresql")`,
        { file: shown, line: i + 1 },
      );
    return;
  }
}

/** The Prisma migrations folder under `dir` (`prisma/migrations`), when the project has one. */
export async function detectPrisma(dir: string): Promise<string | undefined> {
  const candidate = path.join(dir, 'prisma', 'migrations');
  if (!(await isDirectory(candidate))) return undefined;
  if (await isFile(path.join(candidate, LOCK_FILE))) return candidate;
  for (const entry of await readdir(candidate)) {
    if (FOLDER.test(entry) && (await isFile(path.join(candidate, entry, SCRIPT)))) return candidate;
  }
  return undefined;
}
