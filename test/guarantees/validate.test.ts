/** Items 12 and 13: the artifact is data, and everything is validated before anything runs. */
import { ARTIFACT_PATTERN, checkArtifact } from '../../src/core/artifact.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { COMMAND_ROLLOUT, project } from './project.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('val');
});
afterEach(async () => {
  await db.drop();
});

const exists = async (relation: string): Promise<boolean> =>
  (await db.sql<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [relation]))[0]?.r != null;

async function basicProject(extra: string[] = []) {
  return project([
    'database:',
    `  url: ${db.url}`,
    'migrations:',
    '  - app: shop',
    '    dir: migrations',
    ...COMMAND_ROLLOUT,
    ...extra,
  ]);
}

describe('--artifact', () => {
  it('accepts the documented character set', () => {
    for (const ok of ['v1', '2025.11.24-1', 'registry.example.com/web:1.2.3+build_7', 'web@sha256:abc123'])
      expect(checkArtifact(ok)).toBe(ok);
    expect(ARTIFACT_PATTERN.source).toBe('^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,199}$');
  });

  it('rejects whitespace, newlines, a leading -, glob and shell characters with exit 2 before touching the database', async () => {
    const p = await basicProject();
    for (const bad of [
      'v1 v2',
      'v1\nv2',
      '-rf',
      'v*',
      'v?',
      'v[1]',
      'v1;rm -rf /',
      '$(touch x)',
      'v1`id`',
      'a'.repeat(201),
    ]) {
      const r = await runCli(['release', '--config', p.config, `--artifact=${bad}`], { cwd: p.root });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('is not a valid artifact name');
    }
    expect(await exists('deployctl.release')).toBe(false);
    expect(await exists('public.t')).toBe(false);
  });
});

describe('config validation', () => {
  it('rejects a health check that sets none of http, sql, command at load, before any migration runs', async () => {
    const p = await basicProject(['health:', '  checks:', '    - {}']);
    const r = await runCli(['release', '--config', p.config, '--artifact', 'v1'], { cwd: p.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('health.checks[0]');
    expect(await exists('public.t')).toBe(false);
  });

  it('treats database.urlEnv naming an unset variable as an error, not a fallback to DATABASE_URL', async () => {
    const p = await project([
      'database:',
      '  urlEnv: DEPLOYCTL_TEST_UNSET_URL',
      'migrations:',
      '  - app: shop',
      '    dir: migrations',
    ]);
    const r = await runCli(['status', '--config', p.config], { cwd: p.root, env: { DATABASE_URL: db.url } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('database.urlEnv');
    expect(r.stderr).toContain('DEPLOYCTL_TEST_UNSET_URL');
  });

  it('rejects a ledger schema that is not a plain identifier, naming the flag or key', async () => {
    const flag = await runCli(['status', '--database-url', db.url, '--ledger-schema', 'bad-name'], {
      cwd: (await basicProject()).root,
    });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--ledger-schema');
    const p = await basicProject(['schema: "x; drop table t"']);
    const key = await runCli(['status', '--config', p.config], { cwd: p.root });
    expect(key.code).toBe(2);
    expect(key.stderr).toContain("config key 'schema'");
    expect(await exists('"bad-name".release')).toBe(false);
  });
});
