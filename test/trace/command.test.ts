/**
 * `deployctl trace` end to end through the built CLI, against a real target database: the
 * scratch schema comes from the ledger or, when the target has objects the ledger does not
 * explain, from the catalog; the JSON document; exit codes; and the scratch database is gone
 * afterwards — also after a failing statement and after Ctrl-C.
 */
import { createTestDatabase, migrationsDir, type TestDatabase } from '../support/db.js';
import { runCli, startCli } from '../support/cli.js';
import { waitFor } from '../support/wait.js';

let target: TestDatabase;

beforeEach(async () => {
  target = await createTestDatabase('tracetarget');
});
afterEach(async () => {
  await target.drop();
});

/** Scratch databases whose creating session is gone: what a trace that failed to clean up leaves. */
async function abandonedScratch(): Promise<string[]> {
  const rows = await target.sql<{ datname: string }>(
    `SELECT d.datname FROM pg_database d
      WHERE d.datname ~ '^deployctl_trace_[0-9]+_[0-9a-f]{8}$'
        AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid::text = split_part(substr(d.datname, 17), '_', 1))`,
  );
  return rows.map((r) => r.datname);
}

interface TraceJson {
  version: number;
  ok: boolean;
  serverVersion: number;
  baseline: { source: string; notes: string[] };
  migrations: {
    app: string;
    id: string;
    statements: {
      sql: string;
      method: string;
      agrees: boolean;
      predicted: { lock: string | null; rewrite: boolean };
      observed: { lock: string | null; relation: string | null; rewrite: boolean } | null;
      disagreements: string[];
      error?: string;
    }[];
  }[];
}

it('replays the ledger, traces pending migrations in order and agrees with the plan', async () => {
  const dir = await migrationsDir({ '0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);' });
  expect((await runCli(['migrate', '--phase', 'pre', '--dir', dir, '--database-url', target.url])).code).toBe(0);
  const { writeFile } = await import('node:fs/promises');
  await writeFile(
    `${dir}/0002_orders.sql`,
    'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n',
  );
  await writeFile(`${dir}/0003_index.sql`, 'CREATE INDEX CONCURRENTLY orders_user ON orders (user_id);\n');
  await writeFile(`${dir}/0004_type.sql`, 'ALTER TABLE users ALTER COLUMN email TYPE varchar(200);\n');

  const r = await runCli(['trace', '--dir', dir, '--database-url', target.url, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as TraceJson;
  expect(doc).toMatchObject({ version: 1, ok: true, baseline: { source: 'ledger', notes: [] } });
  expect(doc.migrations.map((m) => m.id)).toEqual(['0002_orders', '0003_index', '0004_type']);
  const [orders, index, type] = doc.migrations;
  // The FK statement sees the table the statement before it created; users existed, so its lock counts.
  expect(orders!.statements[1]).toMatchObject({
    method: 'transaction',
    agrees: true,
    observed: { lock: 'ShareRowExclusiveLock' },
  });
  expect(index!.statements[0]).toMatchObject({
    method: 'watched',
    agrees: true,
    observed: { lock: 'ShareUpdateExclusiveLock', relation: 'public.orders' },
  });
  expect(type!.statements[0]).toMatchObject({
    agrees: true,
    predicted: { rewrite: true },
    observed: { lock: 'AccessExclusiveLock', rewrite: true },
  });
  // The target itself was only read.
  expect(await target.sql("SELECT to_regclass('orders') AS t")).toEqual([{ t: null }]);
  expect(await abandonedScratch()).toEqual([]);
});

it('builds the scratch schema from the catalog when the target has objects the ledger does not explain', async () => {
  await target.sql(
    'CREATE TABLE made_by_hand (id int PRIMARY KEY, note text); CREATE INDEX made_by_hand_note ON made_by_hand (note)',
  );
  const dir = await migrationsDir({ '0001_drop.sql': 'ALTER TABLE made_by_hand DROP COLUMN note;' });
  const r = await runCli(['trace', '--dir', dir, '--database-url', target.url]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("scratch schema from the target's catalog");
  expect(r.stdout).toContain('the target has relation public.made_by_hand r');
  expect(r.stdout).toMatch(
    /plan: +AccessExclusiveLock on made_by_hand · no rewrite\n +observed: AccessExclusiveLock on made_by_hand · no rewrite\n +✓ agrees/,
  );
  expect(await abandonedScratch()).toEqual([]);
});

it('exits 1 and stops at a statement that fails on the scratch database, and still drops it', async () => {
  const dir = await migrationsDir({
    '0001_bad.sql': 'CREATE TABLE a (id int);\nALTER TABLE missing ADD COLUMN b int;\nCREATE TABLE never (id int);',
    '0002_after.sql': 'CREATE TABLE b (id int);',
  });
  const r = await runCli(['trace', '--dir', dir, '--database-url', target.url, '--json']);
  expect(r.code).toBe(1);
  const doc = JSON.parse(r.stdout) as TraceJson;
  expect(doc.ok).toBe(false);
  expect(doc.migrations).toHaveLength(1);
  expect(doc.migrations[0]!.statements.map((s) => s.error ?? 'ran')).toEqual([
    'ran',
    'relation "missing" does not exist',
  ]);
  expect(await abandonedScratch()).toEqual([]);
});

it('drops the scratch database when interrupted with Ctrl-C', async () => {
  const dir = await migrationsDir({ '0001_slow.sql': 'CREATE TABLE a (id int);\nSELECT pg_sleep(30);' });
  const { child, done } = startCli(['trace', '--dir', dir, '--database-url', target.url]);
  // Wait until the slow statement runs on a scratch database, then interrupt.
  await waitFor(
    'the slow statement to run on a scratch database',
    async () =>
      (
        await target.sql(
          "SELECT 1 FROM pg_stat_activity WHERE datname LIKE 'deployctl\\_trace\\_%' AND query LIKE 'SELECT pg_sleep%'",
        )
      ).length > 0,
  );
  child.kill('SIGINT');
  const r = await done;
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('trace interrupted');
  expect(
    await target.sql(
      "SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND datname LIKE 'deployctl\\_trace\\_%'",
    ),
  ).toEqual([]);
  expect(await abandonedScratch()).toEqual([]);
});

it('refuses to run without a database', async () => {
  const dir = await migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);' });
  const r = await runCli(['trace', '--dir', dir]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('no database URL');
  expect(r.stdout).toBe('');
});
