/**
 * Flags override the file, `${VAR}` values included; an unset variable is an error only for a
 * command that uses its setting; a --dir naming a configured folder keeps that source's label.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { createTestDatabase, testTmp, type TestDatabase } from '../support/db.js';

let root: string;
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('overrides');
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  root = await mkdtemp(path.join(testTmp(), 'overrides-'));
  await mkdir(path.join(root, 'db', 'migrations'), { recursive: true });
  await writeFile(path.join(root, 'db', 'migrations', '0001_t.sql'), 'CREATE TABLE t (id bigint PRIMARY KEY);\n');
  await writeFile(
    path.join(root, 'deployctl.yaml'),
    [
      'database:',
      '  url: ${DATABASE_URL}',
      'migrations:',
      '  - app: shop',
      '    dir: db/migrations',
      'rollout:',
      '  driver: command',
      '  deploy: ./deploy.sh --port ${APP_PORT}',
      'health:',
      '  checks:',
      '    - http: { url: "http://127.0.0.1:${APP_PORT}/healthz" }',
      '',
    ].join('\n'),
  );
});

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(args, { cwd: root, env: { DATABASE_URL: undefined, APP_PORT: undefined, ...env } });

it('check and plan run without the database and rollout variables', async () => {
  expect((await cli(['manifest'])).code).toBe(0);
  const check = await cli(['check']);
  expect(check.stderr).toBe('');
  expect(check).toMatchObject({ code: 0, stdout: expect.stringContaining('without a database') });
  const plan = await cli(['plan']);
  expect(plan.code).toBe(0);
  expect(plan.stdout).toContain('static plan: no database');
});

it('--database-url replaces a ${VAR} database.url whose variable is unset', async () => {
  const plan = await cli(['plan', '--database-url', db.url]);
  expect(plan.stderr).toBe('');
  expect(plan.code).toBe(0);
  expect(plan.stdout).not.toContain('static plan');
  expect((await cli(['status', '--database-url', db.url])).code).toBe(0);
});

it('a command that needs the value names the key and the variable', async () => {
  const status = await cli(['status']);
  expect(status.code).toBe(2);
  expect(status.stderr).toContain("config key 'database.url': environment variable DATABASE_URL is not set");
  const release = await cli(['release', '--artifact', 'v1', '--database-url', db.url]);
  expect(release.code).toBe(2);
  expect(release.stderr).toContain("config key 'rollout.deploy': environment variable APP_PORT is not set");
  expect(await db.sql("SELECT to_regclass('deployctl.release') AS ledger")).toEqual([{ ledger: null }]);
});

it('a --dir naming a configured folder keeps its app label; another folder is labelled by its name', async () => {
  const same = await cli(['plan', '--json', '--dir', 'db/migrations']);
  expect(JSON.parse(same.stdout).stages.pre).toEqual(['shop/0001_t']);
  await mkdir(path.join(root, 'other'));
  await writeFile(path.join(root, 'other', '0001_u.sql'), 'CREATE TABLE u (id bigint PRIMARY KEY);\n');
  const other = await cli(['plan', '--json', '--dir', 'other']);
  expect(JSON.parse(other.stdout).stages.pre).toEqual(['other/0001_u']);
});

it('a folder whose files the ledger has applied under another label gets a warning naming that label', async () => {
  const applied = await cli(['migrate', '--phase', 'pre', '--database-url', db.url]);
  expect(applied.code).toBe(0);
  // The same files, copied to a folder of another name: labelled by that name, they look new.
  await mkdir(path.join(root, 'copy'));
  await writeFile(path.join(root, 'copy', '0001_t.sql'), 'CREATE TABLE t (id bigint PRIMARY KEY);\n');
  const warning =
    "warning: the migrations labelled 'copy' look applied already under the label 'shop' (0001_t: same file names and checksums); under 'copy' they would run again. Use the label 'shop'";
  const plan = await cli(['plan', '--dir', 'copy', '--database-url', db.url]);
  expect(plan.stderr).toContain(warning);
  const migrate = await cli(['migrate', '--phase', 'pre', '--dir', 'copy', '--database-url', db.url]);
  expect(migrate.stderr).toContain(warning);
  // The configured folder keeps its label: applied, no warning.
  const same = await cli(['plan', '--dir', 'db/migrations', '--database-url', db.url]);
  expect(same.stderr).toBe('');
  expect(same.stdout).toContain('No pending migrations.');
  // A file of the same name but other content is another migration: no warning.
  await writeFile(path.join(root, 'copy', '0001_t.sql'), 'CREATE TABLE t2 (id bigint PRIMARY KEY);\n');
  expect((await cli(['plan', '--dir', 'copy', '--database-url', db.url])).stderr).toBe('');
});
