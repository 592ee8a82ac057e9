/** `deployctl release` and `rollback` end to end: built CLI, command driver, real PostgreSQL. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { ADVISORY_KEY } from '../../src/adapters/ledger/lock.js';
import { runCli, startCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { waitFor } from '../support/wait.js';
import { createProject, type Project } from './support.js';

let db: TestDatabase;
let project: Project;
beforeEach(async () => {
  db = await createTestDatabase('rel');
  project = await createProject(db.url);
});
afterEach(async () => {
  await db.drop();
});

const release = (...args: string[]) => runCli(['release', '--config', project.config, ...args], { cwd: project.root });
const columns = async (table: string) =>
  (
    await db.sql<{ c: string }>(
      'SELECT column_name AS c FROM information_schema.columns WHERE table_name = $1 ORDER BY 1',
      [table],
    )
  ).map((r) => r.c);

async function releaseV1V2(): Promise<void> {
  await project.addMigration('0001_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY, legacy text);');
  expect((await release('--artifact', 'v1')).code).toBe(0);
  await project.addMigration('0002_email.sql', 'ALTER TABLE users ADD COLUMN email text;');
  await project.addMigration('0003_drop_legacy.sql', 'ALTER TABLE users DROP COLUMN legacy;');
  const r = await release('--artifact', 'v2');
  expect(r.stdout).toContain('succeeded');
  expect(r.code).toBe(0);
}

describe('release', () => {
  it('runs pre migrations, rolls out, verifies, then runs post migrations, recording every stage', async () => {
    await releaseV1V2();
    expect(await project.deployed()).toBe('v2');
    expect(await columns('users')).toEqual(['email', 'id']);
    const ledger = await db.sql<{ id: string; phase: string; release_id: string }>(
      'SELECT id, phase, release_id::text FROM deployctl.migration ORDER BY id',
    );
    expect(ledger).toEqual([
      { id: '0001_users', phase: 'pre', release_id: '1' },
      { id: '0002_email', phase: 'pre', release_id: '2' },
      { id: '0003_drop_legacy', phase: 'post', release_id: '2' },
    ]);
    const ends = await db.sql<{ stage: string }>(
      "SELECT stage FROM deployctl.release_event WHERE release_id = 2 AND kind = 'end' ORDER BY id",
    );
    expect(ends.map((e) => e.stage)).toEqual([
      'preflight',
      'migrate:pre',
      'verify:pre',
      'rollout',
      'verify:rollout',
      'migrate:post',
      'verify:post',
    ]);
    expect(await db.sql('SELECT status, stage FROM deployctl.release WHERE id = 2')).toEqual([
      { status: 'succeeded', stage: 'done' },
    ]);
    const health = await db.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM deployctl.release_event WHERE release_id = 2 AND kind = 'health'",
    );
    expect(health[0]!.n).toBeGreaterThan(0);
  });

  it('rolls the code back when health fails after the rollout, never running post migrations (exit 3)', async () => {
    await releaseV1V2();
    await project.addMigration('0004_drop_email.sql', 'ALTER TABLE users DROP COLUMN email;');
    const r = await release('--artifact', 'v3-bad');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/verify:rollout/);
    expect(await project.deployed()).toBe('v2');
    expect(await project.driverLog()).toEqual(['deploy v1', 'deploy v2', 'deploy v3-bad', 'rollback v2']);
    expect(await columns('users')).toEqual(['email', 'id']);
    expect(await db.sql("SELECT status FROM deployctl.release WHERE artifact = 'v3-bad'")).toEqual([
      { status: 'rolled_back' },
    ]);
    // The next good release picks the post migration up.
    expect((await release('--artifact', 'v3')).code).toBe(0);
    expect(await columns('users')).toEqual(['id']);
  });

  it('stops at preflight when the serving version is already unhealthy: exit 1, nothing changed', async () => {
    await project.addMigration('0001_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY, legacy text);');
    expect((await release('--artifact', 'v1')).code).toBe(0);
    await writeFile(path.join(project.root, 'state.txt'), 'v1-bad\n');
    await project.addMigration('0002_email.sql', 'ALTER TABLE users ADD COLUMN email text;');
    const r = await release('--artifact', 'v2');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('v1 is unhealthy before the release; nothing was changed');
    expect(await columns('users')).toEqual(['id', 'legacy']);
    expect(await project.driverLog()).toEqual(['deploy v1']);
  });

  it('fails verify:post with exit 5: the new code keeps serving and is what the ledger calls current', async () => {
    await project.addMigration('0001_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY, legacy text);');
    expect((await release('--artifact', 'v1')).code).toBe(0);
    // A check that passes until the post migration drops the column it looks at.
    const config = await readFile(project.config, 'utf8');
    await writeFile(
      project.config,
      config.replace(
        '- sql: select true',
        "- sql: select exists (select 1 from information_schema.columns where table_name = 'users' and column_name = 'legacy')",
      ),
    );
    await project.addMigration('0002_drop_legacy.sql', 'ALTER TABLE users DROP COLUMN legacy;');
    const r = await release('--artifact', 'v2');
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('the new code (v2) keeps serving; no rollback possible');
    expect(r.stderr).toContain('shop/0002_drop_legacy');
    expect(await project.deployed()).toBe('v2');
    expect(await project.driverLog()).toEqual(['deploy v1', 'deploy v2']);
    // The next release starts from v2, the version that serves (its checks still fail: stopped at preflight).
    const next = await release('--artifact', 'v3');
    expect(next.stderr).toContain('v2 → v3');
    expect(next.stderr).toContain('v2 is unhealthy before the release');
  });

  it('with --defer-post leaves post migrations to the next release preflight', async () => {
    await project.addMigration('0001_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY, legacy text);');
    expect((await release('--artifact', 'v1')).code).toBe(0);
    await project.addMigration('0002_drop_legacy.sql', 'ALTER TABLE users DROP COLUMN legacy;');
    expect((await release('--artifact', 'v2', '--defer-post')).code).toBe(0);
    expect(await columns('users')).toEqual(['id', 'legacy']);
    expect((await release('--artifact', 'v3')).code).toBe(0);
    expect(await columns('users')).toEqual(['id']);
    expect(
      await db.sql(
        "SELECT r.artifact FROM deployctl.migration m JOIN deployctl.release r ON r.id = m.release_id WHERE m.id = '0002_drop_legacy'",
      ),
    ).toEqual([{ artifact: 'v3' }]);
  });

  it('refuses a plain release while one is unfinished, and resumes or aborts it', async () => {
    await project.addMigration('0001_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY);');
    expect((await release('--artifact', 'v1')).code).toBe(0);
    // Simulate a release killed after preflight.
    await db.sql(
      "INSERT INTO deployctl.release (artifact, previous_artifact, stage, host, pid) VALUES ('v2', 'v1', 'preflight', 'elsewhere', 1)",
    );
    const refused = await release('--artifact', 'v3');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/did not finish.*--resume.*--abort/);
    const resumed = await release('--resume');
    expect(resumed.code).toBe(0);
    expect(await project.deployed()).toBe('v2');
    const ends = await db.sql<{ stage: string }>(
      "SELECT stage FROM deployctl.release_event WHERE release_id = 2 AND kind = 'end' ORDER BY id",
    );
    expect(ends.map((e) => e.stage)).toEqual([
      'migrate:pre',
      'verify:pre',
      'rollout',
      'verify:rollout',
      'migrate:post',
      'verify:post',
    ]);
    await db.sql(
      "INSERT INTO deployctl.release (artifact, previous_artifact, stage, host, pid) VALUES ('v9', 'v2', 'rollout', 'elsewhere', 1)",
    );
    expect((await release('--abort')).code).toBe(0);
    expect(await db.sql("SELECT status FROM deployctl.release WHERE artifact = 'v9'")).toEqual([{ status: 'aborted' }]);
  });

  it('stops on a schema changed by hand, and records it with --accept-drift', async () => {
    await project.addMigration('0001_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY);');
    expect((await release('--artifact', 'v1')).code).toBe(0);
    await db.sql('ALTER TABLE users ADD COLUMN hotfix text');
    const stopped = await release('--artifact', 'v2');
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/users[\s\S]*hotfix/);
    expect(await project.deployed()).toBe('v1');
    const accepted = await release('--artifact', 'v2', '--accept-drift');
    expect(accepted.code).toBe(0);
    expect(accepted.stderr).toContain('schema drift accepted');
    expect((await release('--artifact', 'v3')).code).toBe(0);
  });

  it('stops at a safe point on SIGINT, leaving a release that resumes', async () => {
    const slow = await createProject(db.url, { deploySleepS: 2 });
    await slow.addMigration('0001_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY);');
    const run = startCli(['release', '--config', slow.config, '--artifact', 'v1'], { cwd: slow.root });
    // The ledger table appears during preflight: until then the probe fails, which waitFor treats as "not yet".
    await waitFor(
      'the release to start its rollout stage',
      async () =>
        (await db.sql("SELECT 1 FROM deployctl.release_event WHERE stage = 'rollout' AND kind = 'start'")).length > 0,
    );
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/interrupted before stage 'verify:rollout'.*--resume/);
    expect(await db.sql('SELECT status, stage FROM deployctl.release')).toEqual([
      { status: 'running', stage: 'rollout' },
    ]);
    const resumed = await runCli(['release', '--config', slow.config, '--resume'], { cwd: slow.root });
    expect(resumed.code).toBe(0);
    expect(await slow.driverLog()).toEqual(['deploy v1']);
  });

  it('exits 4 when another release holds the lock', async () => {
    // The first release's migration waits at a gate the test holds (an advisory lock it polls
    // without waiting, so lock_timeout never fires), so it holds the release lock for as long as
    // the test needs, not for a guessed time.
    const GATE = 4711;
    await project.addMigration(
      '0001_gate.sql',
      `-- deployctl:allow do-block waits until the test opens its gate\nDO $$ BEGIN WHILE NOT pg_try_advisory_xact_lock(${GATE}) LOOP PERFORM pg_sleep(0.01); END LOOP; END $$;\n`,
    );
    const gate = new pg.Client({ connectionString: db.url });
    await gate.connect();
    let gateOpen = false;
    const openGate = async (): Promise<void> => {
      if (gateOpen) return;
      gateOpen = true;
      await gate.end(); // ends the session, and its advisory lock with it
    };
    await gate.query('SELECT pg_advisory_lock($1)', [GATE]);
    const first = startCli(['release', '--config', project.config, '--artifact', 'v1'], { cwd: project.root });
    try {
      await waitFor(
        'the first release to hold the release lock while it waits at the gate',
        async () =>
          (
            await db.sql(
              `SELECT 1 FROM pg_stat_activity a
            WHERE a.datname = current_database() AND a.state = 'active' AND a.pid <> pg_backend_pid()
              AND a.query LIKE '%pg_try_advisory_xact_lock(${GATE})%'
              AND EXISTS (SELECT 1 FROM pg_locks l
                           WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2
                             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))`,
              [...ADVISORY_KEY],
            )
          ).length > 0,
      );
      const second = await release('--artifact', 'v1');
      expect(second.stderr).toMatch(/another deployctl process holds the release lock/);
      expect(second.code).toBe(4);
      await openGate();
      const firstResult = await first.done;
      expect(firstResult.stdout).toContain('succeeded');
      expect(firstResult.code).toBe(0);
    } finally {
      await openGate();
      await first.done;
    }
  });

  it('prints JSON event lines and CI lines, never the password', async () => {
    await project.addMigration('0001_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY);');
    const json = await release('--artifact', 'v1', '--json');
    expect(json.code).toBe(0);
    const events = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.filter((e) => e.type === 'stage:end').map((e) => e.stage)).toContain('verify:post');
    expect(events[events.length - 1].type).toBe('summary');
    const password = new URL(db.url).password;
    if (password) expect(json.stdout + json.stderr).not.toContain(password);
    const plain = await runCli(['history', '--config', project.config], { cwd: project.root });
    expect(plain.stdout).toMatch(/#1 \(nothing\) → v1 {2}succeeded/);
  });
});

describe('rollback', () => {
  it('refuses when a newer release ran post migrations, unless --force', async () => {
    await releaseV1V2();
    const refused = await runCli(['rollback', '--config', project.config], { cwd: project.root });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /post migrations ran after v1 was released \(shop\/0003_drop_legacy in release \d+\)/,
    );
    expect(await project.deployed()).toBe('v2');
    const forced = await runCli(['rollback', '--config', project.config, '--force'], { cwd: project.root });
    expect(forced.code).toBe(0);
    expect(await project.deployed()).toBe('v1');
    expect(
      await db.sql("SELECT rolled_back_by IS NOT NULL AS rolled FROM deployctl.release WHERE artifact = 'v2'"),
    ).toEqual([{ rolled: true }]);
  });

  it('rolls back a release with only pre migrations, and --schema runs their down sections', async () => {
    await project.addMigration('0001_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY);');
    expect((await release('--artifact', 'v1')).code).toBe(0);
    await project.addMigration(
      '0002_email.sql',
      'ALTER TABLE users ADD COLUMN email text;\n-- deployctl:down\nALTER TABLE users DROP COLUMN email;\n',
    );
    expect((await release('--artifact', 'v2')).code).toBe(0);
    const r = await runCli(['rollback', '--config', project.config, '--schema'], { cwd: project.root });
    expect(r.code).toBe(0);
    expect(await project.deployed()).toBe('v1');
    expect(await columns('users')).toEqual(['id']);
    expect(await db.sql('SELECT id FROM deployctl.migration ORDER BY id')).toEqual([{ id: '0001_users' }]);
  });
});
