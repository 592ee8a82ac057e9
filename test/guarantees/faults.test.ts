/**
 * A contract step never runs early, whatever happens to the process running the release: the
 * release lock is a lease, a killed rollback resumes as a rollback, a deploy command left running
 * by a killed deployctl is stopped before anything else, and rollback sees every applied post
 * migration, release or not.
 */
import { runCli, startCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { waitFor } from '../support/wait.js';
import { faultProject, groupAlive, type FaultProject } from './faults.js';

let db: TestDatabase;
let p: FaultProject;
beforeEach(async () => {
  db = await createTestDatabase('fault');
  p = await faultProject(db.url);
  await p.add('0001_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY, legacy text);');
  expect((await runCli(p.args('release', '--artifact', 'v1'))).code).toBe(0);
  await p.add('0002_drop_legacy.sql', 'ALTER TABLE users DROP COLUMN legacy;');
});
afterEach(async () => {
  await p.hold(false);
  await db.drop();
});

const hasLegacy = async (): Promise<boolean> =>
  (await db.sql("SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'legacy'"))
    .length === 1;

const release = async (artifact: string) =>
  (
    await db.sql<{ status: string; stage: string; rolled_back_by: string | null }>(
      'SELECT status, stage, rolled_back_by FROM deployctl.release WHERE artifact = $1 ORDER BY id DESC LIMIT 1',
      [artifact],
    )
  )[0];

describe('contract steps never run early', () => {
  it('a release whose lock connection is terminated stops at the next safe point and says so', async () => {
    await p.hold(true);
    const run = startCli(p.args('release', '--artifact', 'v2'));
    await waitFor('the deploy command running', p.waiting);
    const [{ n }] = await db.sql<{ n: number }>(
      "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    expect(n).toBe(1);
    // The lock is free now; the post migration is still refused: the release is unfinished.
    const post = await runCli(p.args('migrate', '--phase', 'post'));
    expect(post.code).toBe(1);
    expect(await hasLegacy()).toBe(true);
    await p.hold(false);
    const r = await run.done;
    expect(r.stderr).toContain('the release lock was lost');
    expect(r.code).toBe(1);
    expect(await hasLegacy()).toBe(true);
    expect(await release('v2')).toMatchObject({ status: 'running', stage: 'rollout' });
    const resumed = await runCli(p.args('release', '--resume'));
    expect(resumed.code).toBe(0);
    expect(await hasLegacy()).toBe(false);
    expect(await release('v2')).toMatchObject({ status: 'succeeded' });
  });

  it('a killed rollback resumed with release --resume continues the rollback, never the forward pipeline', async () => {
    expect((await runCli(p.args('release', '--artifact', 'v2', '--defer-post'))).code).toBe(0);
    await p.hold(true);
    const run = startCli(p.args('rollback'));
    await waitFor('the rollback command running', p.waiting);
    run.child.kill('SIGKILL');
    await run.done;
    const resumed = await runCli(p.args('release', '--resume'));
    expect(resumed.stderr).toContain('resuming rollback');
    expect(resumed.code).toBe(0);
    // The deferred DROP did not run: the old code reads that column.
    expect(await hasLegacy()).toBe(true);
    expect(await p.deployed()).toBe('v1');
    expect((await release('v2'))!.rolled_back_by).not.toBeNull();
    expect(await db.sql("SELECT status FROM deployctl.release WHERE post_policy = 'rollback'")).toEqual([
      { status: 'succeeded' },
    ]);
  });

  it('a deploy command left running by a killed deployctl is stopped first on resume', async () => {
    await p.hold(true);
    const run = startCli(p.args('release', '--artifact', 'v2'));
    const { pgid } = await waitFor('the deploy command running', p.waiting);
    expect(await db.sql('SELECT command_pgid FROM deployctl.release WHERE artifact = $1', ['v2'])).toEqual([
      { command_pgid: pgid },
    ]);
    run.child.kill('SIGKILL');
    await run.done;
    expect(groupAlive(pgid)).toBe(true);
    const resumed = await runCli(p.args('release', '--resume'));
    expect(resumed.stderr).toContain(`stopped the deploy command that the ended run of release`);
    expect(resumed.stderr).toContain(`(process group ${pgid})`);
    expect(groupAlive(pgid)).toBe(false);
    expect(resumed.code).toBe(0);
    expect(await p.deployed()).toBe('v2');
    expect(await db.sql('SELECT command_pgid FROM deployctl.release WHERE artifact = $1', ['v2'])).toEqual([
      { command_pgid: null },
    ]);
  });

  it('rollback refuses after a post migration that migrate --phase post ran outside any release', async () => {
    expect((await runCli(p.args('release', '--artifact', 'v2', '--defer-post'))).code).toBe(0);
    expect((await runCli(p.args('migrate', '--phase', 'post'))).code).toBe(0);
    expect(await hasLegacy()).toBe(false);
    const r = await runCli(p.args('rollback'));
    expect(r.stderr).toContain('shop/0002_drop_legacy by migrate --phase post');
    expect(r.code).toBe(1);
    expect(await p.deployed()).toBe('v2');
  });
});
