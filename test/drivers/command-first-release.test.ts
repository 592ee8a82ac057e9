/**
 * The command driver's `current:` before the first release: the target it asks often exists only
 * once something was deployed, so a failing or empty answer then means "nothing deployed" and the
 * release goes on, saying so. Once the ledger holds a release, a failing `current:` is an error.
 */
import { writeFile } from 'node:fs/promises';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { project } from '../guarantees/project.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('first_release');
});
afterEach(async () => {
  await db.drop();
});

const rollout = (deploy: string, current: string) => [
  'rollout:',
  '  driver: command',
  `  deploy: '${deploy}'`,
  `  current: '${current}'`,
];

const release = (root: string, config: string, artifact: string) =>
  runCli(['release', '--config', config, '--artifact', artifact], { cwd: root, env: { DATABASE_URL: db.url } });

it('a failing current before the first release is nothing deployed, and the output says so', async () => {
  const { root, config } = await project(rollout('echo "$ARTIFACT" > state.txt', 'cat state.txt'));
  const r = await release(root, config, 'v1');
  expect(r.stderr).toMatch(
    /no earlier release in the ledger and the command driver could not tell what is deployed \(current command `cat state.txt` failed \(exit code 1\)\): treating it as nothing deployed/,
  );
  expect(r.stderr).toContain('(nothing deployed) → v1');
  expect(r.code).toBe(0);
  expect(await db.sql('SELECT artifact, previous_artifact, status FROM deployctl.release')).toEqual([
    { artifact: 'v1', previous_artifact: null, status: 'succeeded' },
  ]);
  // The second release takes the previous artifact from the ledger.
  const second = await release(root, config, 'v2');
  expect(second.code).toBe(0);
  expect(second.stderr).toContain('v1 → v2');
});

it('an empty current before the first release is nothing deployed', async () => {
  const { root, config } = await project(rollout('echo "$ARTIFACT" > state.txt', 'true'));
  const r = await release(root, config, 'v1');
  expect(r.code).toBe(0);
  expect(r.stderr).toContain('(nothing deployed) → v1');
  expect(r.stderr).not.toContain('could not tell');
});

it('after a first release, a failing current is an error and no release starts', async () => {
  const { root, config } = await project(rollout('exit 7', 'cat state.txt'));
  const first = await release(root, config, 'v1');
  expect(first.code).toBe(1);
  expect(first.stderr).toContain('treating it as nothing deployed');
  // The first release failed in its rollout: the ledger knows no artifact, so the driver is asked.
  await writeFile(config, `${rollout('echo "$ARTIFACT" > state.txt', 'cat state.txt').join('\n')}\n`);
  const second = await release(root, config, 'v2');
  expect(second.code).toBe(1);
  expect(second.stderr).toContain('current command `cat state.txt` failed (exit code 1)');
  expect(second.stderr).not.toContain('treating it as nothing deployed');
  expect(await db.sql('SELECT artifact FROM deployctl.release ORDER BY id')).toEqual([{ artifact: 'v1' }]);
});
