/**
 * Interrupts and lost connections are reported as what they are, read back from the ledger:
 * Ctrl-C while a migration waits for its lock lets it finish and says it was applied; the
 * release stays resumable or abortable, and the next one does not stop on drift. A terminated
 * migration connection is "connection lost", not a lock timeout. A statement left waiting by a
 * killed client is ended by the next run.
 */
import pg from 'pg';
import { startCli, runCli, type CliResult } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { waitFor } from '../support/wait.js';
import { faultProject, type FaultProject } from './faults.js';

let db: TestDatabase;
let holder: pg.Client;
beforeEach(async () => {
  db = await createTestDatabase('intr');
  holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
});
afterEach(async () => {
  await holder.end().catch(() => undefined);
  await db.drop();
});

/** v1 released; 0002 (pre) pending; the test holds a lock that 0002's ALTER waits for. */
async function setUp(opts: { retryAttempts?: number } = {}): Promise<FaultProject> {
  const p = await faultProject(db.url, { lockTimeoutMs: 30000, ...opts });
  await p.add('0001_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY);');
  expect((await runCli(p.args('release', '--artifact', 'v1'))).code).toBe(0);
  await p.add('0002_email.sql', 'ALTER TABLE users ADD COLUMN email text;');
  await holder.query('BEGIN');
  await holder.query('LOCK TABLE users IN ACCESS SHARE MODE');
  return p;
}

const waitingMigration = (): Promise<number> =>
  waitFor('the migration waiting for its lock', async () => {
    const rows = await db.sql<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'deployctl migrate' AND wait_event_type = 'Lock'",
    );
    return rows[0]?.pid;
  });

const backendAlive = async (pid: number): Promise<boolean> =>
  (await db.sql('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length > 0;

describe('interrupts and lost connections tell the truth', () => {
  it('Ctrl-C during a migration: it is applied and said so; the release stays abortable; no drift after', async () => {
    const p = await setUp();
    const run = startCli(p.args('release', '--artifact', 'v2'));
    let stderr = '';
    run.child.stderr!.on('data', (d) => (stderr += d));
    await waitingMigration();
    run.child.kill('SIGINT');
    await waitFor('the interrupt acknowledged', () => stderr.includes('SIGINT received'));
    await holder.query('COMMIT');
    const r: CliResult = await run.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('applied shop/0002_email');
    expect(r.stderr).toContain("interrupted before stage 'verify:pre'");
    expect(r.stderr).not.toContain('nothing of it was applied');
    expect(r.stderr).not.toContain('lock timeout');
    expect(await db.sql("SELECT status FROM deployctl.release WHERE artifact = 'v2'")).toEqual([{ status: 'running' }]);
    expect(await db.sql("SELECT id FROM deployctl.migration WHERE id = '0002_email'")).toHaveLength(1);
    const abort = await runCli(p.args('release', '--abort'));
    expect(abort.code).toBe(0);
    expect(await db.sql("SELECT status FROM deployctl.release WHERE artifact = 'v2'")).toEqual([{ status: 'aborted' }]);
    const next = await runCli(p.args('release', '--artifact', 'v3'));
    expect(next.stderr).not.toContain('drift');
    expect(next.code).toBe(0);
  });

  it('a terminated migration connection is reported as lost, not as a lock timeout, and the retry applies it', async () => {
    const p = await setUp();
    const run = startCli(p.args('migrate', '--phase', 'pre'));
    const pid = await waitingMigration();
    await db.sql('SELECT pg_terminate_backend($1)', [pid]);
    await waitFor('the reconnected attempt waiting again', async () => {
      const again = await waitingMigration();
      return again !== pid;
    });
    await holder.query('COMMIT');
    const r = await run.done;
    expect(r.stderr).toContain('connection lost while applying shop/0002_email');
    expect(r.stderr).not.toContain('lock timeout');
    expect(r.code).toBe(0);
    expect(await db.sql("SELECT attempts FROM deployctl.migration WHERE id = '0002_email'")).toEqual([{ attempts: 2 }]);
  });

  it("a killed client's waiting statement is ended by the next run", async () => {
    const p = await setUp({ retryAttempts: 1 });
    const first = startCli(p.args('migrate', '--phase', 'pre'));
    const orphan = await waitingMigration();
    first.child.kill('SIGKILL');
    await first.done;
    // The lock connection was idle and goes at once; the waiting statement stays and queues the app.
    await waitFor(
      'the release lock freed',
      async () =>
        (
          await db.sql(
            "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
          )
        ).length === 0,
    );
    expect(await backendAlive(orphan)).toBe(true);
    const second = startCli(p.args('migrate', '--phase', 'pre'));
    let stderr = '';
    second.child.stderr!.on('data', (d) => (stderr += d));
    await waitFor('the leftover session ended', () => stderr.includes(`ended server session ${orphan}`));
    await waitFor('the leftover backend gone', async () => !(await backendAlive(orphan)));
    await holder.query('COMMIT');
    const r = await second.done;
    expect(r.code).toBe(0);
    expect(await db.sql("SELECT id FROM deployctl.migration WHERE id = '0002_email'")).toHaveLength(1);
  });
});
