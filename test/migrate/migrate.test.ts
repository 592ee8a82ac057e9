/** `deployctl migrate` against a real PostgreSQL, through the built CLI. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { systemClock } from '../../src/clock.js';
import { acquireLock } from '../../src/adapters/ledger/lock.js';
import { runCli, startCli } from '../support/cli.js';
import { createTestDatabase, migrationsDir, type TestDatabase } from '../support/db.js';
import { waitFor } from '../support/wait.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('mig');
});
afterEach(async () => {
  await db.drop();
});

const migrate = (dir: string, phase: string, ...extra: string[]) =>
  runCli(['migrate', '--phase', phase, '--dir', dir, '--database-url', db.url, ...extra]);

describe('migrate', () => {
  it('applies pre migrations in order, records them, and does nothing on a re-run', async () => {
    // users is the app's table already (a table created by a pending migration would be new to
    // the release, and dropping its column would not wait for the rollout).
    await db.sql('CREATE TABLE users (id bigint PRIMARY KEY, name text)');
    const dir = await migrationsDir({
      '0001_users.sql': 'CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY, name text);',
      '0002_email.sql': 'ALTER TABLE users ADD COLUMN email text;',
      '0003_drop_name.sql': 'ALTER TABLE users DROP COLUMN name;',
    });
    const first = await migrate(dir, 'pre');
    expect(first.stderr).toContain('applied migrations/0001_users');
    expect(first.code).toBe(0);
    const ledger = await db.sql('SELECT app, id, phase, attempts FROM deployctl.migration ORDER BY id');
    expect(ledger).toEqual([
      { app: 'migrations', id: '0001_users', phase: 'pre', attempts: 1 },
      { app: 'migrations', id: '0002_email', phase: 'pre', attempts: 1 },
    ]);
    // The post migration waits for its phase.
    expect(
      await db.sql("SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1"),
    ).toEqual([{ column_name: 'email' }, { column_name: 'id' }, { column_name: 'name' }]);
    const again = await migrate(dir, 'pre');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to apply');
    const post = await migrate(dir, 'post');
    expect(post.code).toBe(0);
    expect(
      await db.sql(
        "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'",
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('refuses post migrations while a release is unfinished, unless forced with a reason (recorded)', async () => {
    await db.sql('CREATE TABLE users (id bigint PRIMARY KEY, legacy text)');
    const dir = await migrationsDir({
      '0001_users.sql': 'CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY, legacy text);',
      '0002_drop_legacy.sql': 'ALTER TABLE users DROP COLUMN legacy;',
    });
    expect((await runCli(['migrate', '--phase', 'pre', '--dir', dir, '--database-url', db.url])).code).toBe(0);
    // A release killed during its rollout: the old code may still serve.
    await db.sql(
      "INSERT INTO deployctl.release (artifact, previous_artifact, stage, host, pid) VALUES ('v2', 'v1', 'verify:pre', 'elsewhere', 1)",
    );
    const refused = await runCli(['migrate', '--phase', 'post', '--dir', dir, '--database-url', db.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('did not finish, so the old code may still serve');
    expect(refused.stderr).toContain("--force '<reason>'");
    expect(
      await db.sql("SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name = 'legacy'"),
    ).toEqual([{ n: 1 }]);
    const forced = await runCli([
      'migrate',
      '--phase',
      'post',
      '--dir',
      dir,
      '--database-url',
      db.url,
      '--force',
      'v2 serves alone',
    ]);
    expect(forced.code).toBe(0);
    expect(
      await db.sql("SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name = 'legacy'"),
    ).toEqual([{ n: 0 }]);
    expect(
      await db.sql("SELECT detail->>'forcedPost' AS why FROM deployctl.release_event WHERE detail ? 'forcedPost'"),
    ).toEqual([{ why: 'v2 serves alone' }]);
  });

  it('refuses an applied file whose content changed, and applies nothing else', async () => {
    const dir = await migrationsDir({ '0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);' });
    expect((await migrate(dir, 'pre')).code).toBe(0);
    await writeFile(path.join(dir, '0001_users.sql'), 'CREATE TABLE users (id bigint PRIMARY KEY, x int);');
    await writeFile(path.join(dir, '0002_t.sql'), 'CREATE TABLE t (id int);');
    const r = await migrate(dir, 'pre');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/0001_users\.sql was changed after it was applied/);
    expect(await db.sql("SELECT to_regclass('t') AS t")).toEqual([{ t: null }]);
  });

  it('refuses a pending migration that sorts before an applied one', async () => {
    const dir = await migrationsDir({ '0002_b.sql': 'CREATE TABLE b (id int);' });
    expect((await migrate(dir, 'pre')).code).toBe(0);
    await writeFile(path.join(dir, '0001_a.sql'), 'CREATE TABLE a (id int);');
    const r = await migrate(dir, 'pre');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/sorts before migrations\/0002_b/);
    // Allowed in the config, it applies.
    const config = path.join(path.dirname(dir), 'deployctl.yaml');
    await writeFile(
      config,
      `database: { url: '${db.url}' }\nmigrations: [{ app: migrations, dir: migrations }]\nallowOutOfOrder: true\n`,
    );
    expect((await runCli(['migrate', '--phase', 'pre', '--config', config])).code).toBe(0);
    expect(await db.sql('SELECT id FROM deployctl.migration ORDER BY id')).toEqual([
      { id: '0001_a' },
      { id: '0002_b' },
    ]);
  });

  it('exits 2 naming file and line when a file does not parse, applying nothing', async () => {
    const dir = await migrationsDir({
      '0001_ok.sql': 'CREATE TABLE ok (id int);',
      '0002_bad.sql': 'CREATE TABLE x (id int);\n\nALTER TABLE x ADD COLUMN;',
    });
    const r = await migrate(dir, 'pre');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/0002_bad\.sql:3: syntax error/);
    expect(await db.sql("SELECT to_regclass('ok') AS t")).toEqual([{ t: null }]);
  });

  it('applies zero-byte and comments-only migrations as no-ops and records them in the ledger', async () => {
    const dir = await migrationsDir({
      '0001_empty.sql': '',
      '0002_users.SQL': 'CREATE TABLE users (id bigint PRIMARY KEY);',
      '0003_notes.sql': '-- reserved: the index moved to 0004\n/* nothing to run */\n',
      '0004_placeholder.sql': '-- deployctl:no-transaction kept for the numbering\n',
    });
    const r = await migrate(dir, 'pre');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('applied migrations/0001_empty');
    expect(await db.sql('SELECT id, phase, attempts FROM deployctl.migration ORDER BY id')).toEqual([
      { id: '0001_empty', phase: 'pre', attempts: 1 },
      { id: '0002_users', phase: 'pre', attempts: 1 },
      { id: '0003_notes', phase: 'pre', attempts: 1 },
      { id: '0004_placeholder', phase: 'pre', attempts: 1 },
    ]);
    expect(await db.sql("SELECT to_regclass('users')::text AS t")).toEqual([{ t: 'users' }]);
    const again = await migrate(dir, 'pre');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to apply');
    expect((await migrate(dir, 'post')).code).toBe(0);
  });

  it('applies nothing when a migration turns lock_timeout off (exit 1)', async () => {
    const dir = await migrationsDir({
      '0001_a.sql': 'CREATE TABLE a (id int);',
      '0002_b.sql': 'SET LOCAL lock_timeout = 0;\nALTER TABLE a ADD COLUMN b int;',
    });
    const r = await migrate(dir, 'pre');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/0002_b\.sql:1: disable-lock-timeout: SET LOCAL lock_timeout = 0 turns off/);
    expect(await db.sql("SELECT to_regclass('a') AS a")).toEqual([{ a: null }]);
  });

  it('exits 2 naming the file and byte offset of a file that is not valid UTF-8, applying nothing', async () => {
    const dir = await migrationsDir({ '0001_ok.sql': 'CREATE TABLE ok (id int);' });
    await writeFile(
      path.join(dir, '0002_bad.sql'),
      Buffer.from([0x53, 0x45, 0x4c, 0x45, 0x43, 0x54, 0x20, 0x27, 0xff, 0x27]),
    );
    const r = await migrate(dir, 'pre');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/0002_bad\.sql:1: not valid UTF-8 at byte offset 8 \(0xff\)/);
    expect(await db.sql("SELECT to_regclass('ok') AS t")).toEqual([{ t: null }]);
  });

  it('rolls back a migration that fails in its third statement and names file:line', async () => {
    const dir = await migrationsDir({
      '0001_five.sql': [
        'CREATE TABLE a (id int);',
        'CREATE TABLE b (id int);',
        'INSERT INTO a (id, missing_column)',
        '  VALUES (1, 2);',
        'CREATE TABLE c (id int);',
        'CREATE TABLE d (id int);',
      ].join('\n'),
    });
    const r = await migrate(dir, 'pre');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/0001_five\.sql:3: column "missing_column" of relation "a" does not exist/);
    expect(await db.sql("SELECT to_regclass('a') AS a, to_regclass('b') AS b")).toEqual([{ a: null, b: null }]);
    expect(await db.sql('SELECT count(*)::int AS n FROM deployctl.migration')).toEqual([{ n: 0 }]);
  });

  it('exits 4 naming the holder when another process holds the release lock', async () => {
    const dir = await migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const lock = await acquireLock(db.url, { waitMs: 0, clock: systemClock, purpose: 'release v42' });
    try {
      const r = await migrate(dir, 'pre');
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/another deployctl process holds the release lock: deployctl release v42 .*pid \d+/);
    } finally {
      await lock.release();
    }
    expect(await db.sql("SELECT to_regclass('a') AS a")).toEqual([{ a: null }]);
  });

  it('lets exactly one of two concurrent runs apply; the other exits 4', async () => {
    const dir = await migrationsDir({
      '0001_slow.sql':
        'CREATE TABLE a (id int);\n-- deployctl:allow select-statement a deliberate pause\nSELECT pg_sleep(1.5);',
    });
    const [x, y] = await Promise.all([migrate(dir, 'pre'), migrate(dir, 'pre')]);
    expect([x.code, y.code].sort()).toEqual([0, 4]);
    expect(await db.sql('SELECT id FROM deployctl.migration')).toEqual([{ id: '0001_slow' }]);
  });

  it('retries on lock_timeout while a transaction holds the table, without blocking other sessions', async () => {
    await db.sql('CREATE TABLE busy (id int PRIMARY KEY); INSERT INTO busy SELECT generate_series(1, 100)');
    const dir = await migrationsDir({ '0001_add.sql': 'ALTER TABLE busy ADD COLUMN note text;' });
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT count(*) FROM busy'); // ACCESS SHARE until COMMIT
    const holderPid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;

    const run = startCli(['migrate', '--phase', 'pre', '--dir', dir, '--database-url', db.url, '--json'], {});
    // App-like reads on the table, each allowed at most lock_timeout (2 s) plus a margin by
    // PostgreSQL itself: with deployctl's lock_timeout, none of them may time out.
    const reader = new pg.Client({ connectionString: db.url });
    await reader.connect();
    await reader.query("SET statement_timeout = '3s'");
    let reads = 0;
    for (let i = 0; i < 40; i++) {
      await reader.query('SELECT * FROM busy WHERE id = $1', [(i % 100) + 1]);
      reads++;
      await new Promise((r) => setTimeout(r, 100));
    }
    await holder.query('COMMIT');
    await holder.end();
    const result = await run.done;
    await reader.end();
    expect(reads).toBe(40);
    expect(result.code).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const retries = events.filter((e) => e.type === 'migration:retry');
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.some((e) => e.blockers.some((b: { pid: number }) => b.pid === holderPid))).toBe(true);
    expect(await db.sql("SELECT attempts > 1 AS retried FROM deployctl.migration WHERE id = '0001_add'")).toEqual([
      { retried: true },
    ]);
  }, 60000);

  it('leaves no INVALID index behind when a concurrent unique build fails, and rebuilds it once fixed', async () => {
    await db.sql('CREATE TABLE dup (v int); INSERT INTO dup VALUES (1), (1), (2)');
    const dir = await migrationsDir({ '0001_uniq.sql': 'CREATE UNIQUE INDEX CONCURRENTLY dup_v ON dup (v);' });
    const r = await migrate(dir, 'pre');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/0001_uniq\.sql:1: could not create unique index "dup_v"/);
    expect(await db.sql("SELECT to_regclass('dup_v') AS i")).toEqual([{ i: null }]);
    await db.sql('DELETE FROM dup WHERE ctid = (SELECT max(ctid) FROM dup WHERE v = 1)');
    expect((await migrate(dir, 'pre')).code).toBe(0);
    expect(await db.sql("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('dup_v')")).toEqual([
      { indisvalid: true },
    ]);
  });

  it("a second runner waiting for the lock does not stall the first one's concurrent index build", async () => {
    await db.sql('CREATE TABLE big (v int); INSERT INTO big SELECT generate_series(1, 50000)');
    const dir = await migrationsDir({ '0001_idx.sql': 'CREATE INDEX CONCURRENTLY big_v ON big (v);\n' });
    const first = startCli(['migrate', '--phase', 'pre', '--dir', dir, '--database-url', db.url]);
    // The second runner starts once the first holds the lock, and polls for it meanwhile.
    await waitFor(
      'the first runner to hold the release lock',
      async () =>
        (
          await db.sql(
            "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
          )
        ).length > 0,
    );
    const second = startCli([
      'migrate',
      '--phase',
      'pre',
      '--dir',
      dir,
      '--database-url',
      db.url,
      '--lock-wait',
      '20000',
    ]);
    const [a, b] = await Promise.all([first.done, second.done]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(await db.sql("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('big_v')")).toEqual([
      { indisvalid: true },
    ]);
    expect(await db.sql('SELECT count(*)::int AS n FROM deployctl.migration')).toEqual([{ n: 1 }]);
  }, 60000);

  it('finishes after the process is killed during a long migration, with a consistent ledger', async () => {
    const dir = await migrationsDir({
      '0001_a.sql': 'CREATE TABLE a (id int);',
      '0002_slow.sql':
        'CREATE TABLE b (id int);\n-- deployctl:allow select-statement a deliberate pause\nSELECT pg_sleep(3);',
    });
    const run = startCli(['migrate', '--phase', 'pre', '--dir', dir, '--database-url', db.url]);
    await waitFor(
      'the slow statement to run',
      async () =>
        (
          await db.sql(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(3)%'",
          )
        ).length > 0,
    );
    run.child.kill('SIGKILL');
    await run.done;
    expect(await db.sql('SELECT id FROM deployctl.migration ORDER BY id')).toEqual([{ id: '0001_a' }]);
    const again = await runCli([
      'migrate',
      '--phase',
      'pre',
      '--dir',
      dir,
      '--database-url',
      db.url,
      '--lock-wait',
      '10000',
    ]);
    expect(again.code).toBe(0);
    expect(await db.sql('SELECT id FROM deployctl.migration ORDER BY id')).toEqual([
      { id: '0001_a' },
      { id: '0002_slow' },
    ]);
    expect(await db.sql("SELECT to_regclass('b') IS NOT NULL AS b")).toEqual([{ b: true }]);
  }, 60000);

  it('--dry-run lists what would run and changes nothing; status shows applied, pending and half-done work', async () => {
    await db.sql('CREATE TABLE accounts (id bigint PRIMARY KEY, legacy text)');
    const dir = await migrationsDir({
      '0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, legacy text);',
      '0002_drop.sql': 'ALTER TABLE accounts DROP COLUMN legacy;',
    });
    const dry = await migrate(dir, 'pre', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout.trim().split('\n').pop()!)).toEqual({
      dryRun: true,
      phase: 'pre',
      migrations: ['migrations/0001_users'],
    });
    expect(await db.sql("SELECT to_regclass('users') AS t, to_regclass('deployctl.migration') AS l")).toEqual([
      { t: null, l: null },
    ]);
    expect((await migrate(dir, 'pre')).code).toBe(0);
    await db.sql("INSERT INTO deployctl.release (artifact, stage, host, pid) VALUES ('v7', 'rollout', 'ci-runner', 1)");
    const status = await runCli(['status', '--dir', dir, '--database-url', db.url, '--json']);
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout);
    expect(report.apps).toEqual([
      {
        app: 'migrations',
        applied: [expect.objectContaining({ id: '0001_users', phase: 'pre' })],
        pending: [{ id: '0002_drop', phase: 'post' }],
      },
    ]);
    expect(report.unfinishedRelease).toMatchObject({ artifact: 'v7', stage: 'rollout' });
    const human = await runCli(['status', '--dir', dir, '--database-url', db.url]);
    expect(human.stdout).toMatch(
      /pending: 0002_drop \(post\)[\s\S]*half-done: release #1 stopped after stage 'rollout'/,
    );
  });

  it('reconnects after losing its connection mid-migration, re-reads the ledger, and applies once', async () => {
    const dir = await migrationsDir({
      '0001_slow.sql': 'CREATE TABLE a (id int);\nSELECT pg_sleep(2);\n',
    });
    const run = startCli(['migrate', '--phase', 'pre', '--dir', dir, '--database-url', db.url, '--json']);
    let killed = false;
    for (let i = 0; i < 300 && !killed; i++) {
      const rows = await db.sql<{ ok: boolean }>(
        "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(2)%' AND pid <> pg_backend_pid()",
      );
      killed = rows.some((r) => r.ok);
      if (!killed) await new Promise((r) => setTimeout(r, 20));
    }
    expect(killed).toBe(true);
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"type":"migration:reconnected"');
    expect(await db.sql('SELECT id, attempts FROM deployctl.migration')).toEqual([{ id: '0001_slow', attempts: 2 }]);
  }, 30000);

  it('never prints the database password', async () => {
    const dir = await migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const bad = 'postgres://someone:s3cr3t-pw@127.0.0.1:1/nowhere';
    const r = await runCli(['migrate', '--phase', 'pre', '--dir', dir, '--database-url', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot reach the database');
    expect(r.stderr + r.stdout).not.toContain('s3cr3t-pw');
  });
});
