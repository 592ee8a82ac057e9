/**
 * `deployctl release` with the pulumi driver, end to end: built CLI, real PostgreSQL, the real
 * Automation API against the fake `pulumi` executable (test/drivers/pulumi/). Ctrl-C during the
 * rollout reaches `pulumi up` as SIGINT (the engine stops at its own safe point) instead of
 * waiting for an update that may take many minutes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { fakePulumiCli, type FakeCli } from '../drivers/pulumi/fake-cli.js';

let db: TestDatabase;
let cli: FakeCli;
beforeEach(async () => {
  db = await createTestDatabase('pulrel');
  cli = await fakePulumiCli();
});
afterEach(async () => {
  await cli.teardown();
  await db.drop();
});

it('passes the interrupt to pulumi up and stops with the rollout interrupted', async () => {
  const config = path.join(cli.workDir, 'deployctl.yaml');
  await writeFile(
    config,
    [
      'database:',
      `  url: ${db.url}`,
      'migrations:',
      '  - app: shop',
      '    dir: migrations',
      'rollout:',
      '  driver: pulumi',
      '  stack: prod',
      '  imageRepository: registry.example.com/team/shop',
      '',
    ].join('\n'),
  );
  await mkdir(path.join(cli.workDir, 'migrations'));
  await writeFile(
    path.join(cli.workDir, 'migrations', '0001_users.sql'),
    'CREATE TABLE users (id bigint PRIMARY KEY);',
  );
  await cli.update((state) => (state.hang = true));

  const run = startCli(['release', '--config', config, '--artifact', 'v1'], { cwd: cli.workDir });
  await cli.upStarted();
  run.child.kill('SIGINT');
  const stopped = await run.done;

  expect(await cli.upInterrupted()).toBe(true);
  expect(stopped.code).not.toBe(0);
  expect(stopped.stderr).toContain("rollout of v1 on Pulumi stack 'prod' was interrupted");
  expect(await db.sql('SELECT artifact, status FROM deployctl.release')).toEqual([
    expect.objectContaining({ artifact: 'v1' }),
  ]);
});
