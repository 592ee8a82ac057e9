/**
 * `deployctl init` on fixture projects: what it detects, what it writes, that it never overwrites
 * without --force, and that the written configuration runs (check, plan, migrate) as it is.
 */
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../support/cli.js';
import { createTestDatabase, testTmp } from '../support/db.js';
import { describeWithDjango } from '../django/support.js';

async function fixture(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(testTmp(), 'init-'));
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
  return root;
}

const config = async (root: string) =>
  parseYaml(await readFile(path.join(root, 'deployctl.yaml'), 'utf8')) as { migrations: Record<string, string>[] };

describe('a plain SQL project', () => {
  let root: string;
  beforeEach(async () => {
    root = await fixture({ 'package.json': '{"name":"shop"}', 'src/index.js': '' });
    await cp('examples/basic/migrations', path.join(root, 'db', 'migrations'), { recursive: true });
  });

  it('gets a deployctl.yaml that check, plan and migrate use as written', async () => {
    const init = await runCli(['init'], { cwd: root });
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('found sql migrations: db/migrations (4 .sql file(s))');
    expect(init.stdout).toContain('wrote deployctl.yaml');
    const text = await readFile(path.join(root, 'deployctl.yaml'), 'utf8');
    expect(text).toContain('# rollout:\n#   driver: command');
    // Editors check the file against the schema the installed package ships.
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./node_modules/deployctl/deployctl.schema.json');
    expect((await config(root)).migrations).toEqual([{ app: path.basename(root), dir: 'db/migrations' }]);

    await runCli(['manifest'], { cwd: root });
    expect(await runCli(['check'], { cwd: root })).toMatchObject({ code: 0 });
    const plan = await runCli(['plan', '--json'], { cwd: root });
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout).stages.post).toEqual([`${path.basename(root)}/0004_drop_legacy_flags`]);

    const db = await createTestDatabase('init');
    try {
      const migrate = await runCli(['migrate', '--phase', 'pre'], { cwd: root, env: { DATABASE_URL: db.url } });
      expect(migrate.code).toBe(0);
      // On the new database 0004 drops what 0001 created in the same release: not a contract step there.
      expect(await db.sql('SELECT count(*)::int AS n FROM deployctl.migration')).toEqual([{ n: 4 }]);
    } finally {
      await db.drop();
    }
  });

  it('writes the two GitHub workflows with --ci github, and overwrites nothing without --force', async () => {
    expect((await runCli(['init', '--ci', 'github'], { cwd: root })).code).toBe(0);
    const check = await readFile(path.join(root, '.github/workflows/deployctl-check.yml'), 'utf8');
    expect(check).toContain('npx deployctl check --format github');
    expect(check).toContain('npx deployctl plan --format markdown > plan.md');
    const release = await readFile(path.join(root, '.github/workflows/deployctl-release.yml'), 'utf8');
    expect(release).toContain('npx deployctl release --artifact "${{ github.sha }}"');
    expect(parseYaml(check)).toMatchObject({ on: { pull_request: null } });
    expect(parseYaml(release)).toMatchObject({ jobs: { release: { 'runs-on': 'ubuntu-latest' } } });

    await writeFile(path.join(root, 'deployctl.yaml'), '# mine\n');
    const refused = await runCli(['init', '--ci', 'github'], { cwd: root });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('already exist; nothing was written. Pass --force to overwrite.');
    expect(await readFile(path.join(root, 'deployctl.yaml'), 'utf8')).toBe('# mine\n');
    expect((await runCli(['init', '--force'], { cwd: root })).code).toBe(0);
    expect(await readFile(path.join(root, 'deployctl.yaml'), 'utf8')).toContain('db/migrations');
  });
});

it.each([
  [
    'prisma',
    {
      'prisma/schema.prisma': 'datasource db { provider = "postgresql" }\n',
      'prisma/migrations/migration_lock.toml': 'provider = "postgresql"\n',
      'prisma/migrations/20240101000000_init/migration.sql': 'CREATE TABLE "User" (id serial PRIMARY KEY);\n',
    },
    { type: 'prisma', dir: 'prisma/migrations' },
  ],
  [
    'drizzle',
    {
      'drizzle/0000_init.sql': 'CREATE TABLE users (id serial PRIMARY KEY);\n',
      'drizzle/meta/_journal.json': '{"version":"7","dialect":"postgresql","entries":[]}\n',
    },
    { type: 'drizzle', dir: 'drizzle' },
  ],
  [
    'golang-migrate',
    {
      'db/migrations/000001_users.up.sql': 'CREATE TABLE users (id serial PRIMARY KEY);\n',
      'db/migrations/000001_users.down.sql': 'DROP TABLE users;\n',
    },
    { type: 'golang-migrate', dir: 'db/migrations' },
  ],
  [
    'dbmate',
    {
      'db/migrations/20240101000000_users.sql':
        '-- migrate:up\nCREATE TABLE users (id serial PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE users;\n',
    },
    { type: 'dbmate', dir: 'db/migrations' },
  ],
  [
    'node-pg-migrate',
    {
      'package.json': '{"name":"api","devDependencies":{"node-pg-migrate":"^7.0.0"}}',
      'migrations/1700000000000_users.js': 'exports.up = (pgm) => { pgm.createTable("users", { id: "id" }); };\n',
    },
    { type: 'node-pg-migrate', dir: 'migrations' },
  ],
])('detects a %s layout', async (_name, files, expected) => {
  const root = await fixture(files);
  const r = await runCli(['init'], { cwd: root });
  expect(r.code).toBe(0);
  expect((await config(root)).migrations).toEqual([{ app: path.basename(root), ...expected }]);
});

it('labels several sources by their folders', async () => {
  const root = await fixture({
    'services/billing/migrations/001_a.sql': 'CREATE TABLE a (id int);\n',
    'services/users/migrations/001_b.sql': 'CREATE TABLE b (id int);\n',
  });
  expect((await runCli(['init'], { cwd: root })).code).toBe(0);
  expect((await config(root)).migrations).toEqual([
    { app: 'billing', dir: 'services/billing/migrations' },
    { app: 'users', dir: 'services/users/migrations' },
  ]);
});

describeWithDjango('a Django project', () => {
  it('is found by its manage.py, and plan runs with the written configuration', async () => {
    const root = await mkdtemp(path.join(testTmp(), 'init-django-'));
    await cp('examples/django', root, { recursive: true, filter: (src) => !src.endsWith('deployctl.yaml') });
    const init = await runCli(['init'], { cwd: root });
    expect(init.code).toBe(0);
    expect((await config(root)).migrations).toEqual([
      { app: path.basename(root), type: 'django', manage: 'manage.py' },
    ]);
    const db = await createTestDatabase('initdj');
    try {
      const plan = await runCli(['plan', '--json'], {
        cwd: root,
        env: { DATABASE_URL: db.url, PATH: `${path.dirname(process.env.DEPLOYCTL_TEST_PYTHON!)}:${process.env.PATH}` },
      });
      expect(plan.stderr).toBe('');
      expect(plan.code).toBe(0);
      expect(JSON.parse(plan.stdout).migrations.length).toBeGreaterThan(0);
    } finally {
      await db.drop();
    }
  });
});
