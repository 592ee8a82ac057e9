/** `deployctl manifest` and `deployctl check` through the built CLI, with and without a database. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { createTestDatabase, migrationsDir } from '../support/db.js';

/** A repository root with a config naming two apps; returns the root folder. */
async function repo(files: { shop: Record<string, string>; billing: Record<string, string> }): Promise<string> {
  const shopDir = await migrationsDir(files.shop, 'shop');
  const root = path.dirname(shopDir);
  const billingDir = path.join(root, 'billing');
  await mkdir(billingDir);
  for (const [f, sql] of Object.entries(files.billing)) await writeFile(path.join(billingDir, f), sql);
  await writeFile(
    path.join(root, 'deployctl.yaml'),
    'migrations:\n  - app: shop\n    dir: shop\n  - app: billing\n    dir: billing\n',
  );
  return root;
}

describe('manifest', () => {
  it('writes one sorted line per app, and --check fails once a migration is added without it', async () => {
    const root = await repo({
      shop: {
        '0001_users.sql': 'CREATE TABLE users (id int);',
        '0002_email.sql': 'ALTER TABLE users ADD COLUMN email text;',
      },
      billing: { '0001_invoices.sql': 'CREATE TABLE invoices (id int);' },
    });
    const manifest = path.join(root, 'latest_migrations.manifest');
    const missing = await runCli(['manifest', '--check'], { cwd: root });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('latest_migrations.manifest does not exist');

    const written = await runCli(['manifest'], { cwd: root });
    expect(written.code).toBe(0);
    expect(await readFile(manifest, 'utf8')).toBe('billing: 0001_invoices\nshop: 0002_email\n');
    expect((await runCli(['manifest', '--check'], { cwd: root })).code).toBe(0);

    await writeFile(path.join(root, 'shop', '0003_orders.sql'), 'CREATE TABLE orders (id int);');
    const stale = await runCli(['manifest', '--check'], { cwd: root });
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain(
      "latest_migrations.manifest:2: app 'shop' says 0002_email, but its latest migration is 0003_orders",
    );
    const json = await runCli(['manifest', '--check', '--json'], { cwd: root });
    expect(JSON.parse(json.stdout)).toMatchObject({
      current: false,
      differences: [{ app: 'shop', recorded: '0002_email', actual: '0003_orders', line: 2 }],
    });
  });

  it('reports an unresolved merge conflict in the file as such', async () => {
    const root = await repo({ shop: { '0002_a.sql': 'CREATE TABLE a (id int);' }, billing: {} });
    await writeFile(
      path.join(root, 'latest_migrations.manifest'),
      '<<<<<<< HEAD\nshop: 0002_a\n=======\nshop: 0002_b\n>>>>>>> feature\n',
    );
    const r = await runCli(['check'], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'latest_migrations.manifest:1: not an \'app: latest_id\' line: "<<<<<<< HEAD" (an unresolved merge conflict',
    );
    expect(r.stdout).toContain("app 'shop' is listed twice");
  });
});

describe('check', () => {
  it('passes without a database when the manifest is current and the plan is ok', async () => {
    const root = await repo({ shop: { '0001_users.sql': 'CREATE TABLE users (id int);' }, billing: {} });
    await runCli(['manifest'], { cwd: root });
    const r = await runCli(['check'], { cwd: root });
    expect(r.stdout).toContain('check passed without a database');
    expect(r.code).toBe(0);
  });

  it('flags two pending migrations sharing an id prefix, as GitHub annotations on the files', async () => {
    const root = await repo({
      shop: {
        '0001_users.sql': 'CREATE TABLE users (id int);',
        '0002_email.sql': 'ALTER TABLE users ADD COLUMN email text;',
        '0002_phone.sql': 'ALTER TABLE users ADD COLUMN phone text;',
      },
      billing: {},
    });
    await runCli(['manifest'], { cwd: root });
    const r = await runCli(['check', '--format', 'github'], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')).toEqual([
      '::error file=shop/0002_email.sql,line=1::shop/0002_email.sql shares the id 0002 with shop/0002_phone.sql: two branches each added a migration. Renumber one so that it sorts after the other.',
      '::error file=shop/0002_phone.sql,line=1::shop/0002_phone.sql shares the id 0002 with shop/0002_email.sql: two branches each added a migration. Renumber one so that it sorts after the other.',
      'check failed: 2 problems (without a database (applied checksums and order not checked))',
      '',
    ]);
    const json = JSON.parse((await runCli(['check', '--json'], { cwd: root })).stdout);
    expect(json).toMatchObject({ version: 1, ok: false, database: false });
    expect(json.problems.map((p: { kind: string; file: string }) => [p.kind, p.file])).toEqual([
      ['conflict', 'shop/0002_email.sql'],
      ['conflict', 'shop/0002_phone.sql'],
    ]);
  });

  it("points an unsafe statement at its line, and a stale manifest at the app's line", async () => {
    const root = await repo({
      shop: { '0001_users.sql': 'CREATE TABLE users (id int);' },
      billing: { '0001_inv.sql': 'CREATE TABLE inv (id int);' },
    });
    await runCli(['manifest'], { cwd: root });
    await writeFile(
      path.join(root, 'shop', '0002_rename.sql'),
      '-- rename it\n\nALTER TABLE users RENAME COLUMN id TO user_id;\n',
    );
    const r = await runCli(['check', '--format', 'github'], { cwd: root });
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      "::error file=latest_migrations.manifest,line=2::latest_migrations.manifest:2: app 'shop' says 0001_users, but its latest migration is 0002_rename",
    );
    expect(lines[1]).toMatch(/^::error file=shop\/0002_rename\.sql,line=3::shop\/0002_rename\.sql:3: rename-column: /);
  });

  it('with a database: flags a pending migration that sorts before an applied one', async () => {
    const db = await createTestDatabase('chk');
    try {
      const root = await repo({ shop: { '0002_b.sql': 'CREATE TABLE b (id int);' }, billing: {} });
      expect((await runCli(['migrate', '--phase', 'pre', '--database-url', db.url], { cwd: root })).code).toBe(0);
      await writeFile(path.join(root, 'shop', '0001_a.sql'), 'CREATE TABLE a (id int);');
      await runCli(['manifest'], { cwd: root });
      const offline = await runCli(['check'], { cwd: root });
      expect(offline.code).toBe(0);
      const r = await runCli(['check', '--format', 'github', '--database-url', db.url], { cwd: root });
      expect(r.code).toBe(1);
      expect(r.stdout.split('\n')[0]).toBe(
        '::error file=shop/0001_a.sql,line=1::shop/0001_a.sql is pending but sorts before shop/0002_b, which is already applied. Rename it so that it sorts last, or set allowOutOfOrder: true in deployctl.yaml.',
      );
      expect(r.stdout).toContain('(with the database)');
    } finally {
      await db.drop();
    }
  });

  it('reports a file that does not parse as a problem on its line', async () => {
    const root = await repo({
      shop: { '0001_bad.sql': 'CREATE TABLE x (id int);\nALTER TABLE x ADD COLUMN;' },
      billing: {},
    });
    await runCli(['manifest'], { cwd: root });
    const r = await runCli(['check', '--format', 'github'], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(
      /^::error file=shop\/0001_bad\.sql,line=2::shop\/0001_bad\.sql:2: syntax error/,
    );
  });
});
