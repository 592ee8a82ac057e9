/**
 * A driven backfill (`-- deployctl:backfill`) with a throttle, through the built CLI on real
 * PostgreSQL. The throttle's probe is a SQL query on a table the test can lock from another
 * connection: while the lock is held the probe cannot answer, so the app reads as slow. The
 * backfill pauses (its committed progress stops moving) and resumes once the lock is gone; when
 * the pause outlasts the deadline the migration fails, keeps its committed batches, and the next
 * run resumes after them.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { runCli, startCli } from '../support/cli.js';
import { createTestDatabase, migrationsDir, type TestDatabase } from '../support/db.js';
import { waitFor } from '../support/wait.js';

const ROWS = 10_000;

let db: TestDatabase;
let locker: pg.Client | undefined;
beforeEach(async () => {
  db = await createTestDatabase('throttle');
  // Each updated row costs about 0.2 ms (a trigger sleeps), so batches take measurable time and
  // the backfill runs long enough to be paused.
  await db.sql(`
    CREATE TABLE t (id bigint PRIMARY KEY, v int);
    INSERT INTO t SELECT g, NULL FROM generate_series(1, ${ROWS}) g;
    CREATE TABLE probe_gate (x int);
    CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.0002); RETURN NEW; END $$;
    CREATE TRIGGER slow BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION slow_row();
  `);
});
afterEach(async () => {
  await locker?.end().catch(() => undefined);
  locker = undefined;
  await db.drop();
});

async function project(pauseDeadlineMs: number): Promise<string> {
  const dir = await migrationsDir({
    '0001_fill.sql': '-- deployctl:backfill id 100\nUPDATE t SET v = 1 WHERE id > $1 AND id <= $2 AND v IS NULL;\n',
  });
  const config = path.join(path.dirname(dir), 'deployctl.yaml');
  await writeFile(
    config,
    [
      'migrations:',
      '  - app: app',
      '    dir: migrations',
      'throttle:',
      '  maxAppP99Ratio: 2',
      "  probe: { sql: 'SELECT count(*) FROM probe_gate', intervalMs: 20, timeoutMs: 60000 }",
      '  baselineMs: 300',
      '  windowMs: 300',
      '  batchTargetMs: 5',
      `  pauseDeadlineMs: ${pauseDeadlineMs}`,
      '',
    ].join('\n'),
  );
  return config;
}

function migrate(config: string): { stderr: () => string; done: ReturnType<typeof startCli>['done'] } {
  const { child, done } = startCli(['migrate', '--phase', 'pre', '--config', config, '--database-url', db.url]);
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  return { stderr: () => stderr, done };
}

async function lockProbeTable(): Promise<void> {
  locker = new pg.Client({ connectionString: db.url });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE probe_gate IN ACCESS EXCLUSIVE MODE');
}

async function committedKey(): Promise<number | undefined> {
  const rows = await db.sql<{ k: string }>(
    `SELECT last_key::text AS k FROM deployctl.backfill_progress WHERE app = 'app' AND id = '0001_fill'`,
  );
  return rows[0] ? Number(rows[0].k) : undefined;
}

const pauseReports = (stderr: string): number => (stderr.match(/paused \d+\.\d s: app p99/g) ?? []).length;

it('pauses while the probe is over budget and resumes when it recovers', async () => {
  const run = migrate(await project(60_000));
  await waitFor('the throttle baseline', () => run.stderr().includes('throttle: baseline'));
  await waitFor('a committed batch', committedKey);
  await lockProbeTable();
  await waitFor('a pause', () => pauseReports(run.stderr()) >= 1);
  const atPause = await committedKey();
  // Reported again about a second later: nothing was committed in between.
  await waitFor('a second pause report', () => pauseReports(run.stderr()) >= 2);
  expect(await committedKey()).toBe(atPause);
  expect(atPause!).toBeLessThan(ROWS);
  await locker!.query('ROLLBACK');

  const r = await run.done;
  expect(r.stderr).toContain('backfill done');
  expect(r.stderr).toMatch(/app\/0001_fill: batch \d+\/\d+ \(\d+% of id 1…10000\), paused/);
  expect(r.code).toBe(0);
  expect(await db.sql('SELECT count(*)::int AS n FROM t WHERE v IS NULL')).toEqual([{ n: 0 }]);
  // The progress row goes once the ledger records the migration.
  expect(await committedKey()).toBeUndefined();
}, 60_000);

it('fails at the pause deadline keeping its committed batches; the next run resumes after them', async () => {
  const config = await project(1500);
  const first = migrate(config);
  await waitFor('a committed batch', committedKey);
  await lockProbeTable();
  const failed = await first.done;
  expect(failed.code).not.toBe(0);
  expect(failed.stderr).toMatch(/paused \d+\.\d s, the throttle's deadline/);
  expect(failed.stderr).toContain('deployctl release --resume');
  const kept = (await committedKey())!;
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThan(ROWS);
  expect(await db.sql('SELECT count(*)::int AS n FROM t WHERE v IS NULL AND id <= $1', [kept])).toEqual([{ n: 0 }]);
  expect(await db.sql('SELECT count(*)::int AS n FROM t WHERE v IS NOT NULL AND id > $1', [kept])).toEqual([{ n: 0 }]);

  await locker!.query('ROLLBACK');
  const second = await migrate(config).done;
  expect(second.stderr).toContain(`resuming the backfill after id ${kept}`);
  expect(second.code).toBe(0);
  expect(await db.sql('SELECT count(*)::int AS n FROM t WHERE v IS NULL')).toEqual([{ n: 0 }]);
}, 60_000);

it('trace observes a backfill as one batch, and replays an applied one into its scratch database', async () => {
  const dir = await migrationsDir({
    '0001_fill.sql': '-- deployctl:backfill id 5000\nUPDATE t SET v = 1 WHERE id > $1 AND id <= $2 AND v IS NULL;\n',
  });
  const trace = (): ReturnType<typeof runCli> => runCli(['trace', '--dir', dir, '--database-url', db.url]);
  const before = await trace();
  expect(before.stdout).toMatch(
    /UPDATE t SET v = 1[^\n]*\n\s+plan: +RowExclusiveLock on t[^\n]*\n\s+observed: +RowExclusiveLock on t/,
  );
  expect(before.code).toBe(0);
  // Without a throttle: fixed batches of the directive's size, back to back.
  const applied = await runCli(['migrate', '--phase', 'pre', '--dir', dir, '--database-url', db.url]);
  expect(applied.stderr).toContain('backfill done: 2 batches up to id 10000');
  expect(applied.code).toBe(0);
  await writeFile(path.join(dir, '0002_w.sql'), 'ALTER TABLE t ADD COLUMN w int;\n');
  const after = await trace();
  expect(after.stderr).toBe('');
  expect(after.code).toBe(0);
}, 60_000);
