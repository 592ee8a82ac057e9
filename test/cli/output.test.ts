/**
 * What a release prints, read the way CI reads it (pipes, NO_COLOR): no escape codes, the result
 * on stdout and progress on stderr, passing health samples counted rather than listed, and an
 * error printed once with what to do next.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { COMMAND_ROLLOUT, project } from '../guarantees/project.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('output');
});
afterEach(async () => {
  await db.drop();
});

const ESCAPE = /\x1b/;

it('a release: summary on stdout, progress on stderr, one line per interval of passing samples, no escape codes', async () => {
  const { root, config } = await project([
    ...COMMAND_ROLLOUT,
    'health:',
    '  checks:',
    '    - sql: select true',
    '  intervalMs: 50',
    '  consecutive: 2',
    '  bakeMs: 1500',
  ]);
  const r = await runCli(['release', '--config', config, '--artifact', 'v1'], {
    cwd: root,
    env: { DATABASE_URL: db.url, NO_COLOR: '1' },
  });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^release \d+: \(nothing\) → v1: succeeded in/);
  expect(r.stderr).not.toContain('succeeded in');
  expect(r.stderr).toContain('applied default/0001_t');
  expect(r.stdout + r.stderr).not.toMatch(ESCAPE);
  // Dozens of samples in the bake, a handful of lines.
  const sampleLines = r.stderr.split('\n').filter((l) => / healthy /.test(l));
  expect(sampleLines).toEqual([]);
  const counted = r.stderr.split('\n').filter((l) => /health samples? passed in the last/.test(l));
  expect(counted.length).toBeGreaterThan(0);
  expect(counted.length).toBeLessThan(8);
});

it('a blocked release prints its error once, and says to run plan', async () => {
  const { root, config } = await project([...COMMAND_ROLLOUT]);
  // A table the running code already uses (not one this release creates): renaming its column breaks it.
  await db.sql('CREATE TABLE served (id int)');
  await writeFile(path.join(root, 'migrations', '0002_rename.sql'), 'ALTER TABLE served RENAME COLUMN id TO key;\n');
  const r = await runCli(['release', '--config', config, '--artifact', 'v1'], {
    cwd: root,
    env: { DATABASE_URL: db.url },
  });
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.match(/the plan is blocked/g)).toHaveLength(1);
  expect(r.stderr).toContain("next: run 'deployctl plan' to see the fix for each problem");
  expect(r.stderr).not.toMatch(ESCAPE);
});
