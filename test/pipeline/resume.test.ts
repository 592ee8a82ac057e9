/**
 * A release killed with SIGKILL inside every stage resumes with `release --resume` and ends in
 * the same ledger and schema as a clean run: no migration applied twice, no completed rollout run
 * again.
 */
import { runCli, startCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createProject, type Project } from './support.js';

const PAUSE =
  '-- deployctl:allow select-statement a deliberate pause, so the release can be killed here\nSELECT pg_sleep(1);\n';

async function setUp(db: TestDatabase): Promise<Project> {
  const project = await createProject(db.url, { deploySleepS: 1, healthSleepS: 0.2, bakeMs: 500 });
  await project.addMigration('0001_users.sql', 'CREATE TABLE users (id bigint PRIMARY KEY, legacy text);');
  expect((await runCli(['release', '--config', project.config, '--artifact', 'v1'], { cwd: project.root })).code).toBe(
    0,
  );
  await project.addMigration('0002_email.sql', 'ALTER TABLE users ADD COLUMN email text;');
  await project.addMigration('0003_pause.sql', PAUSE);
  await project.addMigration('0004_drop_legacy.sql', 'ALTER TABLE users DROP COLUMN legacy;');
  await project.addMigration('0005_drop_pause.sql', '-- deployctl:phase post pauses after the rollout too\n' + PAUSE);
  return project;
}

/** What a finished release leaves behind, independent of timing. */
async function outcome(db: TestDatabase, project: Project) {
  return {
    releases: await db.sql('SELECT artifact, status, stage FROM deployctl.release ORDER BY id'),
    migrations: await db.sql(
      'SELECT m.id, m.phase, r.artifact FROM deployctl.migration m JOIN deployctl.release r ON r.id = m.release_id ORDER BY m.id',
    ),
    columns: (
      await db.sql<{ c: string }>(
        "SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1",
      )
    ).map((r) => r.c),
    deployed: await project.deployed(),
  };
}

const KILL_DURING = ['migrate:pre', 'verify:pre', 'rollout', 'verify:rollout', 'migrate:post', 'verify:post'];

describe('release resume after SIGKILL', () => {
  let clean: Awaited<ReturnType<typeof outcome>>;

  beforeAll(async () => {
    const db = await createTestDatabase('clean');
    try {
      const project = await setUp(db);
      expect(
        (await runCli(['release', '--config', project.config, '--artifact', 'v2'], { cwd: project.root })).code,
      ).toBe(0);
      clean = await outcome(db, project);
    } finally {
      await db.drop();
    }
  }, 120000);

  it.each(KILL_DURING)(
    'killed during %s',
    async (stage) => {
      const db = await createTestDatabase('kill');
      try {
        const project = await setUp(db);
        const run = startCli(['release', '--config', project.config, '--artifact', 'v2'], { cwd: project.root });
        let seen = false;
        for (let i = 0; i < 1500 && !seen; i++) {
          const rows = await db.sql(
            "SELECT 1 FROM deployctl.release_event e JOIN deployctl.release r ON r.id = e.release_id WHERE r.artifact = 'v2' AND e.stage = $1 AND e.kind = 'start'",
            [stage],
          );
          seen = rows.length > 0;
          if (!seen) await new Promise((r) => setTimeout(r, 10));
        }
        expect(seen).toBe(true);
        run.child.kill('SIGKILL');
        await run.done;
        expect(await db.sql("SELECT status FROM deployctl.release WHERE artifact = 'v2'")).toEqual([
          { status: 'running' },
        ]);

        const refused = await runCli(['release', '--config', project.config, '--artifact', 'v3'], {
          cwd: project.root,
        });
        expect(refused.code).toBe(1);
        const resumed = await runCli(['release', '--config', project.config, '--resume', '--lock-wait', '10000'], {
          cwd: project.root,
        });
        expect(resumed.stdout).toContain('succeeded');
        expect(resumed.code).toBe(0);

        expect(await outcome(db, project)).toEqual(clean);
        const deploys = (await project.driverLog()).filter((l) => l === 'deploy v2').length;
        // A completed rollout never runs again; one in flight died with deployctl (its process
        // group is stopped on resume) and ran once more to completion.
        expect(deploys).toBe(1);
      } finally {
        await db.drop();
      }
    },
    120000,
  );
});
