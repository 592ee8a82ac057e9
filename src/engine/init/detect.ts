/**
 * Finds a project's migrations for `deployctl init` by their layout on disk: a Prisma
 * `migrations/<name>/migration.sql` tree, a Drizzle `meta/_journal.json`, golang-migrate's
 * `NNN_name.up.sql` pairs, dbmate's `-- migrate:up` sections, node-pg-migrate (a dependency of
 * the project), a Django `manage.py`, or a plain folder of `.sql` files.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export type SourceType = 'sql' | 'django' | 'prisma' | 'drizzle' | 'golang-migrate' | 'dbmate' | 'node-pg-migrate';

export interface Detected {
  type: SourceType;
  /** The migrations folder (or, for Django, manage.py), relative to the project folder, with `/`. */
  path: string;
  /** Label for the `app:` key: the folder's meaning, not its name (`migrations` says nothing). */
  app: string;
  /** What was seen, for the comment above the entry. */
  evidence: string;
}

/** Folders never searched: dependencies, build output, virtual environments, VCS data. */
const SKIP = new Set(['node_modules', '.git', 'dist', 'build', 'vendor', 'venv', '.venv', '__pycache__', 'coverage']);
const MAX_DEPTH = 4;

export async function detectSources(root: string): Promise<Detected[]> {
  const found: Detected[] = [];
  const app = path.basename(path.resolve(root)).replace(/[^A-Za-z0-9_-]/g, '') || 'app';
  const nodePgMigrate = await dependsOn(root, 'node-pg-migrate');
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const files = entries.filter((e) => e.isFile()).map((e) => e.name);
    const folders = entries.filter((e) => e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.'));
    const rel = path.relative(root, dir).split(path.sep).join('/') || '.';
    const hit = await classifyFolder(
      dir,
      rel,
      files,
      folders.map((f) => f.name),
      nodePgMigrate,
      app,
    );
    if (hit) {
      found.push(hit);
      if (hit.type !== 'django') return; // a migrations folder's subfolders are its own
    }
    if (depth < MAX_DEPTH) for (const f of folders) await walk(path.join(dir, f.name), depth + 1);
  };
  await walk(root, 0);
  return found;
}

async function classifyFolder(
  dir: string,
  rel: string,
  files: string[],
  folders: string[],
  nodePgMigrate: boolean,
  app: string,
): Promise<Detected | undefined> {
  if (files.includes('manage.py') && (await readFile(path.join(dir, 'manage.py'), 'utf8')).includes('django'))
    return { type: 'django', path: rel === '.' ? 'manage.py' : `${rel}/manage.py`, app, evidence: 'Django manage.py' };
  if (
    folders.includes('meta') &&
    (await readdir(path.join(dir, 'meta')).catch((): string[] => [])).includes('_journal.json')
  )
    return { type: 'drizzle', path: rel, app, evidence: 'Drizzle meta/_journal.json' };
  const prismaSteps = await countAsync(folders, async (f) =>
    (await readdir(path.join(dir, f)).catch((): string[] => [])).includes('migration.sql'),
  );
  if (prismaSteps > 0 && (path.basename(dir) === 'migrations' || files.includes('migration_lock.toml')))
    return { type: 'prisma', path: rel, app, evidence: `Prisma: ${prismaSteps} <name>/migration.sql folder(s)` };
  const sql = files.filter((f) => f.endsWith('.sql'));
  const ups = sql.filter((f) => /^\d+_.+\.up\.sql$/.test(f));
  if (ups.length > 0)
    return { type: 'golang-migrate', path: rel, app, evidence: `${ups.length} NNN_name.up.sql file(s)` };
  if (sql.length > 0) {
    const first = await readFile(path.join(dir, sql.sort()[0]!), 'utf8');
    if (/^--\s*migrate:up\b/m.test(first))
      return { type: 'dbmate', path: rel, app, evidence: `${sql.length} .sql file(s) with -- migrate:up sections` };
    const numbered = sql.filter((f) => /^(V?\d+[_.-])/.test(f)).length;
    if (numbered > 0 || /migrat/i.test(path.basename(dir)))
      return { type: 'sql', path: rel, app, evidence: `${sql.length} .sql file(s)` };
  }
  const scripts = files.filter((f) => /^\d{3,}[_-].+\.(js|cjs|mjs|ts)$/.test(f));
  if (nodePgMigrate && scripts.length > 0 && path.basename(dir) === 'migrations')
    return {
      type: 'node-pg-migrate',
      path: rel,
      app,
      evidence: `node-pg-migrate: ${scripts.length} migration script(s)`,
    };
  return undefined;
}

async function dependsOn(root: string, name: string): Promise<boolean> {
  try {
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    return ['dependencies', 'devDependencies'].some((k) => Object.hasOwn((pkg[k] as object | undefined) ?? {}, name));
  } catch {
    return false;
  }
}

async function countAsync<T>(xs: T[], test: (x: T) => Promise<boolean>): Promise<number> {
  let n = 0;
  for (const x of xs) if (await test(x)) n++;
  return n;
}
