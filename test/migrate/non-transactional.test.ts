/**
 * Files that must run without a transaction, applied through the built CLI on PostgreSQL: each
 * statement keeps its own phase, the file runs statement by statement, and DETACH PARTITION …
 * CONCURRENTLY (refused by PostgreSQL inside a transaction block) applies.
 */
import { runCli } from '../support/cli.js';
import { createTestDatabase, migrationsDir, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('notx');
});
afterEach(async () => {
  await db.drop();
});

const migrate = (dir: string, phase: string) =>
  runCli(['migrate', '--phase', phase, '--dir', dir, '--database-url', db.url]);

it('applies ADD COLUMN and CREATE INDEX CONCURRENTLY on it in one pre migration', async () => {
  await db.sql('CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 1000)');
  const dir = await migrationsDir({
    '0001_x.sql':
      'ALTER TABLE t ADD COLUMN IF NOT EXISTS x int;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_x ON t (x);\n',
  });
  const r = await migrate(dir, 'pre');
  expect(r.stderr).toContain('applied migrations/0001_x');
  expect(r.code).toBe(0);
  expect(await db.sql("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('t_x')")).toEqual([
    { indisvalid: true },
  ]);
});

it('applies DETACH PARTITION … CONCURRENTLY as a post migration, outside a transaction', async () => {
  await db.sql(
    "CREATE TABLE m (id int, at date) PARTITION BY RANGE (at); CREATE TABLE m_2023 PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01')",
  );
  const dir = await migrationsDir({ '0001_detach.sql': 'ALTER TABLE m DETACH PARTITION m_2023 CONCURRENTLY;\n' });
  const plan = await runCli(['plan', '--dir', dir, '--database-url', db.url, '--json']);
  const migration = JSON.parse(plan.stdout).migrations[0];
  expect(migration).toMatchObject({ phase: 'post', transactional: false });
  expect((await migrate(dir, 'pre')).code).toBe(0);
  expect(await db.sql("SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'm'::regclass")).toEqual([
    { n: 1 },
  ]);
  const post = await migrate(dir, 'post');
  expect(post.stderr).toContain('applied migrations/0001_detach');
  expect(post.code).toBe(0);
  expect(await db.sql("SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'm'::regclass")).toEqual([
    { n: 0 },
  ]);
});
