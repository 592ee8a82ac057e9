/** Item 10: passwords never leave — not in printed errors, not in the ledger, in any URL form. */
import { redactSecrets } from '../../src/adapters/postgres/url.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { COMMAND_ROLLOUT, project } from './project.js';

describe('redactSecrets', () => {
  it('hides the userinfo password, the password= query parameter and libpq key=value passwords', () => {
    const text = [
      'a postgres://app:hunter2@db:5432/shop',
      'b postgresql://app@db/shop?sslmode=require&password=hunter3&x=1',
      "c host=db port=5432 password=hunter4 user=app password = 'hunter 5'",
      'd postgres://app:pa#ss/w?rd@db/shop',
    ].join('\n');
    const out = redactSecrets(text);
    for (const secret of ['hunter2', 'hunter3', 'hunter4', 'hunter 5', 'pa#ss', 'w?rd'])
      expect(out).not.toContain(secret);
    expect(out).toContain('postgres://app:***@db:5432/shop');
    expect(out).toContain('password=***&x=1');
    expect(out).toContain('host=db port=5432 password=*** user=app');
  });
});

describe('the CLI', () => {
  it('does not print a ?password= query parameter in a connection error', async () => {
    const r = await runCli(['status', '--database-url', 'postgres://postgres@127.0.0.1:1/x?password=hunter2secret']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot reach the database');
    expect(r.stderr + r.stdout).not.toContain('hunter2secret');
  });

  it('explains a password with unencoded # / ? (exit 2) without echoing it or a stack trace', async () => {
    for (const url of [
      'postgres://app:pa#ss@127.0.0.1/x',
      'postgres://app:pa/ss@127.0.0.1/x',
      'postgres://app:12?ss@127.0.0.1/x',
    ]) {
      const r = await runCli(['status', '--database-url', url]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('must be percent-encoded');
      expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
      expect(r.stderr + r.stdout).not.toContain('ss@');
    }
  });
});

describe('the ledger', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase('sec');
  });
  afterEach(async () => {
    await db.drop();
  });

  it('stores command output and errors with every password form redacted', async () => {
    const leak =
      'echo "using postgres://app:s3cretA@db/shop"; echo "and postgres://db/shop?password=s3cretB"; echo "dsn: host=db password=s3cretC"';
    const p = await project([
      'database:',
      `  url: ${db.url}`,
      'migrations:',
      '  - app: shop',
      '    dir: migrations',
      ...COMMAND_ROLLOUT.slice(0, 2),
      `  deploy: '${leak}; exit 7'`,
      'health:',
      '  checks:',
      `    - command: '${leak}; exit 1'`,
      '  consecutive: 1',
      '  intervalMs: 20',
      '  deadlineMs: 300',
    ]);
    const r = await runCli(['release', '--config', p.config, '--artifact', 'v1'], { cwd: p.root });
    expect(r.code).not.toBe(0);
    const events = await db.sql<{ detail: string }>('SELECT detail::text AS detail FROM deployctl.release_event');
    const releases = await db.sql<{ error: string | null }>('SELECT error FROM deployctl.release');
    const stored = [...events.map((e) => e.detail), ...releases.map((x) => x.error ?? '')].join('\n');
    expect(stored).toContain('***');
    for (const secret of ['s3cretA', 's3cretB', 's3cretC']) {
      expect(stored).not.toContain(secret);
      expect(r.stderr + r.stdout).not.toContain(secret);
    }
  });
});
