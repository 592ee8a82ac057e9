/** Item 14: a closed pipe is not a crash, and --json failures are one JSON object on stdout. */
import { runCli, startCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { project } from './project.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('pipe');
});
afterEach(async () => {
  await db.drop();
});

it.each(['rules', 'status --json', 'status'])(
  '`deployctl %s | head -1`: a reader that went away is not a crash',
  async (command) => {
    const args = command.split(' ');
    const { root } = await project([]);
    const { child, done } = startCli(args, { cwd: root, env: { DATABASE_URL: db.url } });
    child.stdout!.destroy();
    const r = await done;
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(0);
  },
);

it('prints an error as one JSON object on stdout with --json, keeping the exit code', async () => {
  const r = await runCli(['status', '--json', '--database-url', db.url, '--ledger-schema', 'bad-name']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('--ledger-schema');
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0]!)).toEqual({
    type: 'error',
    code: 'CONFIG_INVALID',
    message: expect.stringContaining('not a plain identifier'),
    file: null,
    line: null,
    key: '--ledger-schema',
  });
});

it('gives file and line of a config error in the JSON object', async () => {
  const r = await runCli(['status', '--json', '--config', 'missing.yaml']);
  expect(r.code).toBe(2);
  expect(JSON.parse(r.stdout.trim())).toMatchObject({ type: 'error', code: 'CONFIG_INVALID', file: 'missing.yaml' });
});
