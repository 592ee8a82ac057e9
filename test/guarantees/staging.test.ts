/**
 * Staging reorders on purpose: a post migration stays pending while a later pre migration is
 * applied. The ledger records it as deferred, so neither the post stage, nor the next release,
 * nor `migrate --phase post` calls it "out of order"; `plan` agrees with the executor.
 */
import { runCli } from '../support/cli.js';
import { createTestDatabase, migrationsDir, type TestDatabase } from '../support/db.js';
import { faultProject } from './faults.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('stage');
});
afterEach(async () => {
  await db.drop();
});

const columns = async (): Promise<string[]> =>
  (
    await db.sql<{ c: string }>(
      "SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1",
    )
  ).map((r) => r.c);

describe('a staged post migration is not out of order', () => {
  it('migrate --phase pre then --phase post', async () => {
    // users exists before this release, so dropping its column is a contract step.
    const first = await migrationsDir({ '0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, legacy text);' });
    expect((await runCli(['migrate', '--phase', 'pre', '--dir', first, '--database-url', db.url])).code).toBe(0);
    const dir = await migrationsDir({
      '0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, legacy text);',
      '0005_drop_legacy.sql': 'ALTER TABLE users DROP COLUMN legacy;',
      '0006_email.sql': 'ALTER TABLE users ADD COLUMN email text;',
    });
    const pre = await runCli(['migrate', '--phase', 'pre', '--dir', dir, '--database-url', db.url]);
    expect(pre.code).toBe(0);
    expect(await columns()).toEqual(['email', 'id', 'legacy']);
    const plan = await runCli(['plan', '--dir', dir, '--database-url', db.url, '--json']);
    expect(plan.stderr).toBe('');
    expect(JSON.parse(plan.stdout).ok).toBe(true);
    expect(plan.code).toBe(0);
    const post = await runCli(['migrate', '--phase', 'post', '--dir', dir, '--database-url', db.url]);
    expect(post.stderr).not.toContain('sorts before');
    expect(post.code).toBe(0);
    expect(await columns()).toEqual(['email', 'id']);
  });

  it('a pending migration nobody deferred that sorts before an applied one is still refused', async () => {
    const dir = await migrationsDir({
      '0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, legacy text);',
      '0006_email.sql': 'ALTER TABLE users ADD COLUMN email text;',
    });
    expect((await runCli(['migrate', '--phase', 'pre', '--dir', dir, '--database-url', db.url])).code).toBe(0);
    const late = await migrationsDir({
      '0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, legacy text);',
      '0005_drop_legacy.sql': 'ALTER TABLE users DROP COLUMN legacy;',
      '0006_email.sql': 'ALTER TABLE users ADD COLUMN email text;',
    });
    const post = await runCli(['migrate', '--phase', 'post', '--dir', late, '--database-url', db.url]);
    expect(post.code).toBe(1);
    expect(post.stderr).toContain('0005_drop_legacy.sql is pending but sorts before migrations/0006_email');
    expect(await columns()).toEqual(['email', 'id', 'legacy']);
  });

  it('a release deferring its post migration, then the next release and migrate --phase post', async () => {
    const p = await faultProject(db.url);
    await p.add('0001_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY, legacy text);');
    expect((await runCli(p.args('release', '--artifact', 'v1'))).code).toBe(0);
    await p.add('0005_drop_legacy.sql', 'ALTER TABLE users DROP COLUMN legacy;');
    await p.add('0006_email.sql', 'ALTER TABLE users ADD COLUMN email text;');
    const v2 = await runCli(p.args('release', '--artifact', 'v2', '--defer-post'));
    expect(v2.stderr).toContain('post migrations deferred to the next release: shop/0005_drop_legacy');
    expect(v2.code).toBe(0);
    expect(await columns()).toEqual(['email', 'id', 'legacy']);
    const plan = await runCli(p.args('plan', '--json'));
    expect(JSON.parse(plan.stdout)).toMatchObject({ ok: true });
    await p.add('0007_phone.sql', 'ALTER TABLE users ADD COLUMN phone text;');
    const v3 = await runCli(p.args('release', '--artifact', 'v3'));
    expect(v3.stderr).toContain('running post migrations deferred by an earlier release: shop/0005_drop_legacy');
    expect(v3.code).toBe(0);
    expect(await columns()).toEqual(['email', 'id', 'phone']);
  });

  it('migrate --phase post runs a post migration an earlier release deferred', async () => {
    const p = await faultProject(db.url);
    await p.add('0001_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY, legacy text);');
    expect((await runCli(p.args('release', '--artifact', 'v1'))).code).toBe(0);
    await p.add('0005_drop_legacy.sql', 'ALTER TABLE users DROP COLUMN legacy;');
    await p.add('0006_email.sql', 'ALTER TABLE users ADD COLUMN email text;');
    expect((await runCli(p.args('release', '--artifact', 'v2', '--defer-post'))).code).toBe(0);
    const post = await runCli(p.args('migrate', '--phase', 'post'));
    expect(post.stderr).toContain('applied shop/0005_drop_legacy');
    expect(post.code).toBe(0);
    expect(await columns()).toEqual(['email', 'id']);
  });
});
