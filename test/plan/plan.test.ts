/** `deployctl plan` as a user runs it: built CLI, example folders, a real PostgreSQL for catalog facts. */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { createTestDatabase, migrationsDir } from '../support/db.js';
import { firstInvalidUtf8Byte } from '../../src/adapters/sources/sql-folder.js';

const STATEMENT_KEYS = ['index', 'line', 'sql', 'phase', 'lock', 'relation', 'rewrite', 'scan', 'rules'].sort();
const LOCKS = [
  null,
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
];

/** The `plan --json` contract of DESIGN.md, version 1 (extra top-level `problems` is additive). */
function assertPlanSchema(doc: Record<string, unknown>): void {
  expect(doc.version).toBe(1);
  expect(typeof doc.ok).toBe('boolean');
  const stages = doc.stages as Record<string, unknown>;
  expect(Object.keys(stages).sort()).toEqual(['blocked', 'post', 'pre']);
  for (const list of Object.values(stages))
    expect((list as unknown[]).every((k) => typeof k === 'string' && /^[^/]+\/.+$/.test(k))).toBe(true);
  for (const m of doc.migrations as Record<string, unknown>[]) {
    expect(Object.keys(m).sort()).toEqual(['app', 'file', 'id', 'phase', 'statements', 'transactional']);
    expect(['pre', 'post', 'unsafe', 'mixed']).toContain(m.phase);
    expect(typeof m.transactional).toBe('boolean');
    for (const s of m.statements as Record<string, unknown>[]) {
      expect(
        Object.keys(s)
          .filter((k) => k !== 'heldLock')
          .sort(),
      ).toEqual(STATEMENT_KEYS);
      if (s.heldLock !== undefined) {
        const held = s.heldLock as Record<string, unknown>;
        expect(Object.keys(held).sort()).toEqual(['blocks', 'index', 'line', 'lock', 'relation']);
        expect(LOCKS).toContain(held.lock);
        expect(Number.isInteger(held.index) && (held.index as number) < (s.index as number)).toBe(true);
      }
      expect(Number.isInteger(s.index) && Number.isInteger(s.line) && (s.line as number) >= 1).toBe(true);
      expect(['pre', 'post', 'unsafe']).toContain(s.phase);
      expect(LOCKS).toContain(s.lock);
      expect(s.relation === null || typeof s.relation === 'string').toBe(true);
      expect(typeof s.rewrite === 'boolean' && typeof s.scan === 'boolean').toBe(true);
      for (const r of s.rules as Record<string, unknown>[]) {
        expect(typeof r.id === 'string' && typeof r.message === 'string').toBe(true);
        expect(Object.keys(r).every((k) => ['id', 'message', 'fix', 'allowed'].includes(k))).toBe(true);
      }
    }
  }
}

describe('plan', () => {
  it('stages the basic example: pre before the rollout, the DROP after it (exit 0)', async () => {
    const r = await runCli(['plan', '--dir', 'examples/basic/migrations', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    assertPlanSchema(doc);
    expect(doc.ok).toBe(true);
    expect(doc.stages).toEqual({
      pre: ['migrations/0001_create_users', 'migrations/0002_add_email', 'migrations/0003_index_email'],
      post: ['migrations/0004_drop_legacy_flags'],
      blocked: [],
    });
    const index = doc.migrations[2];
    expect(index).toMatchObject({
      transactional: false,
      statements: [{ line: 1, lock: 'ShareUpdateExclusiveLock', relation: 'users', scan: true, rewrite: false }],
    });
    expect(doc.migrations[3].statements[0]).toMatchObject({
      line: 2,
      phase: 'post',
      lock: 'AccessExclusiveLock',
      rules: [{ id: 'drop-column' }],
    });
  });

  it('blocks the unsafe example with fixes (exit 1)', async () => {
    const r = await runCli(['plan', '--dir', 'examples/blocked/migrations', '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    assertPlanSchema(doc);
    expect(doc.ok).toBe(false);
    expect(doc.stages.blocked).toEqual(['migrations/0001_rename_name', 'migrations/0002_index_and_drop']);
    // The unsafe index build and the mixed pre/post pair are both reported, in one pass.
    expect(
      doc.problems.filter((p: { id: string }) => p.id === '0002_index_and_drop').map((p: { kind: string }) => p.kind),
    ).toEqual(['unsafe', 'mixed']);
    const rename = doc.migrations[0].statements[0].rules[0];
    expect(rename.id).toBe('rename-column');
    expect(rename.fix).toMatch(/ADD COLUMN full_name/);
  });

  it('the README shows the real plan of the basic example', async () => {
    const r = await runCli(['plan', '--dir', 'examples/basic/migrations']);
    const readme = readFileSync('README.md', 'utf8');
    const block = /<!-- plan:basic -->\n```\n([\s\S]*?)```\n<!-- \/plan:basic -->/.exec(readme);
    expect(block?.[1]).toBe(r.stdout);
  });

  it('names both statements of a mixed migration and says how to split it', async () => {
    const dir = await migrationsDir({
      '0001_mixed.sql': 'ALTER TABLE t ADD COLUMN a int;\n\nALTER TABLE t DROP COLUMN b;\n',
    });
    const r = await runCli(['plan', '--dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /mixes a pre statement \(line 1: ALTER TABLE t ADD COLUMN a int\) with a post statement \(line 3: ALTER TABLE t DROP COLUMN b\).*split them into two migrations/,
    );
  });

  it('exits 2 naming file and line for SQL that does not parse, and for bad directives', async () => {
    const bad = await migrationsDir({ '0001_bad.sql': 'SELECT 1;\n\nALTER TABLE t ADD COLUMN;\n' });
    const r = await runCli(['plan', '--dir', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/0001_bad\.sql:3: syntax error at or near ";"/);
    const noReason = await migrationsDir({
      '0001_x.sql': '-- deployctl:allow create-index-blocking\nCREATE INDEX i ON t (a);\n',
    });
    const r2 = await runCli(['plan', '--dir', noReason]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/0001_x\.sql:1: 'deployctl:allow create-index-blocking' needs a reason/);
    const unknown = await migrationsDir({ '0001_x.sql': '-- deployctl:yolo\nSELECT 1;\n' });
    expect((await runCli(['plan', '--dir', unknown])).stderr).toMatch(
      /0001_x\.sql:1: unknown directive 'deployctl:yolo'/,
    );
  });

  it('honours allow directives and blocks on one that matches nothing', async () => {
    const dir = await migrationsDir({
      '0001_ok.sql':
        '-- deployctl:allow create-index-blocking the table is tiny in every environment\nCREATE INDEX i ON t (a);\n',
      '0002_unused.sql': '-- deployctl:allow rename-column nothing to rename here\nALTER TABLE t ADD COLUMN c int;\n',
    });
    const r = await runCli(['plan', '--dir', dir, '--json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.migrations[0].phase).toBe('pre');
    expect(doc.migrations[0].statements[0].rules[0]).toMatchObject({
      id: 'create-index-blocking',
      allowed: 'the table is tiny in every environment',
    });
    expect(doc.stages.blocked).toEqual([`${path.basename(dir)}/0002_unused`]);
    expect(r.code).toBe(1);
  });

  it('exits 2 naming the key of a bad config', async () => {
    const dir = await migrationsDir({ '0001_a.sql': 'SELECT 1;' });
    const config = path.join(path.dirname(dir), 'deployctl.yaml');
    await writeFile(config, 'migrations:\n  - app: a\n    dir: migrations\nretry: { attempts: ten }\n');
    const r = await runCli(['plan', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('config key \'retry.attempts\': expected a whole number ≥ 1, got "ten"');
    await writeFile(config, 'migrations:\n  - app: a\n    dir: migrations\nlockTimeout: 5\n');
    expect((await runCli(['plan', '--config', config])).stderr).toContain("unknown config key 'lockTimeout'");
  });

  it('with a database: skips applied files, reads the catalog, and says table sizes', async () => {
    const db = await createTestDatabase('plan');
    try {
      await db.sql(
        "CREATE TABLE big (id int PRIMARY KEY, email text); INSERT INTO big SELECT g, 'x' FROM generate_series(1, 20000) g; ANALYZE big",
      );
      await db.sql('CREATE TABLE empty (id int, email text)');
      await db.sql('ALTER TABLE big ADD CONSTRAINT big_email_nn CHECK (email IS NOT NULL)');
      const dir = await migrationsDir({
        '0001_first.sql': 'CREATE TABLE first (id int);',
        '0002_idx.sql': 'CREATE INDEX big_email ON big (email);',
        '0003_idx_empty.sql': 'CREATE INDEX empty_email ON empty (email);',
        '0004_not_null.sql': 'ALTER TABLE big ALTER COLUMN email SET NOT NULL;',
      });
      expect(
        (await runCli(['migrate', '--phase', 'pre', '--dir', path.join(dir), '--database-url', db.url])).code,
      ).toBe(1);
      const r = await runCli(['plan', '--dir', dir, '--database-url', db.url, '--json']);
      const doc = JSON.parse(r.stdout);
      const byId = Object.fromEntries(doc.migrations.map((m: { id: string }) => [m.id, m]));
      expect(byId['0002_idx'].phase).toBe('unsafe');
      expect(byId['0002_idx'].statements[0].rules[0].message).toMatch(/~20,000 rows/);
      expect(byId['0003_idx_empty'].phase).toBe('pre');
      expect(byId['0003_idx_empty'].statements[0].rules[0].message).toMatch(
        /Downgraded to pre: the catalog shows empty is empty/,
      );
      expect(byId['0004_not_null'].phase).toBe('pre');
    } finally {
      await db.drop();
    }
  });

  it('--rollout shows what the rollout would do; for pulumi it needs the Pulumi CLI', async () => {
    const dir = await migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    const config = path.join(path.dirname(dir), 'deployctl.yaml');
    await writeFile(
      config,
      'migrations: [{ app: a, dir: migrations }]\nrollout: { driver: command, deploy: ./deploy.sh }\n',
    );
    const r = await runCli(['plan', '--config', config, '--rollout', 'v9', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).rollout).toEqual({
      driver: 'command',
      artifact: 'v9',
      steps: ['run: ./deploy.sh', 'with DEPLOYCTL_ARTIFACT=v9'],
    });
    await writeFile(
      config,
      'migrations: [{ app: a, dir: migrations }]\nrollout: { driver: pulumi, stack: prod, imageRepository: registry.example.com/shop }\n',
    );
    const p = await runCli(['plan', '--config', config, '--rollout', 'v9'], { env: { PATH: '/usr/bin:/bin' } });
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/Pulumi/);
  });

  it('plans a zero-byte and a comments-only file as pre no-ops, beside real SQL', async () => {
    const dir = await migrationsDir({
      '0001_empty.sql': '',
      '0002_notes.sql': '-- kept so the numbering stays\n/* nothing to run */\n',
      '0003_t.sql': 'CREATE TABLE t (id int);',
    });
    const r = await runCli(['plan', '--dir', dir, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    assertPlanSchema(doc);
    expect(
      doc.migrations.map((m: { id: string; phase: string; statements: unknown[] }) => [m.id, m.phase, m.statements]),
    ).toEqual([
      ['0001_empty', 'pre', []],
      ['0002_notes', 'pre', []],
      ['0003_t', 'pre', [expect.objectContaining({ line: 1 })]],
    ]);
    expect(doc.stages.pre).toEqual(['migrations/0001_empty', 'migrations/0002_notes', 'migrations/0003_t']);
  });

  it('reads files whose extension is written in another case (.SQL) like .sql', async () => {
    const dir = await migrationsDir({
      '0001_a.SQL': 'CREATE TABLE a (id int);',
      '0002_b.Sql': 'CREATE TABLE b (id int);',
    });
    const r = await runCli(['plan', '--dir', dir, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.migrations.map((m: { id: string; file: string }) => [m.id, path.basename(m.file)])).toEqual([
      ['0001_a', '0001_a.SQL'],
      ['0002_b', '0002_b.Sql'],
    ]);
  });

  it('rejects a file that is not valid UTF-8, naming the file and the byte offset (exit 2)', async () => {
    const dir = await migrationsDir({ '0001_ok.sql': 'SELECT 1;' });
    // "-- café" in Latin-1: 0xe9 is not valid UTF-8 on its own.
    await writeFile(path.join(dir, '0002_latin1.sql'), Buffer.from('SELECT 1;\n-- caf\xe9\n', 'latin1'));
    const r = await runCli(['plan', '--dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/0002_latin1\.sql:2: not valid UTF-8 at byte offset 16 \(0xe9\)/);
    expect(r.stdout).toBe('');
  });

  it('accepts a UTF-8 byte order mark, with line numbers unchanged', async () => {
    const dir = await migrationsDir({});
    await writeFile(
      path.join(dir, '0001_bom.sql'),
      Buffer.from('\uFEFFCREATE TABLE a (id int);\nDROP TABLE b;\n', 'utf8'),
    );
    const r = await runCli(['plan', '--dir', dir, '--json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.migrations[0].statements.map((s: { line: number; phase: string }) => [s.line, s.phase])).toEqual([
      [1, 'pre'],
      [2, 'post'],
    ]);
  });

  it('refuses a file too large to classify with a clear error (exit 2), not a parser dump', async () => {
    const dir = await migrationsDir({ '0001_ok.sql': 'SELECT 1;' });
    const row = "INSERT INTO t VALUES (1, 'padding padding padding');\n";
    await writeFile(path.join(dir, '0002_load.sql'), row.repeat(Math.ceil((17 * 1024 * 1024) / row.length)));
    const r = await runCli(['plan', '--dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/0002_load\.sql: file too large to classify \(17 MB, over the 16 MB limit\); split it/);
    expect(r.stdout).toBe('');
  });

  it('finds the first invalid UTF-8 byte exactly', () => {
    const bytes = (...parts: (string | number[])[]) =>
      Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
    expect(firstInvalidUtf8Byte(bytes('é\uFFFDx', [0xff]))).toBe(6); // a real U+FFFD is valid text
    expect(firstInvalidUtf8Byte(bytes('ab', [0xc3]))).toBe(2); // truncated sequence at the end
    expect(firstInvalidUtf8Byte(bytes('a', [0xc0, 0xaf]))).toBe(1); // overlong encoding
    expect(firstInvalidUtf8Byte(bytes('\uFEFFok'))).toBe(5); // valid: the length
  });

  it('keeps the checksum the sha256 of the file bytes', async () => {
    const dir = await migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int); -- café ☕\n' });
    const db = await createTestDatabase('plan');
    try {
      expect((await runCli(['migrate', '--phase', 'pre', '--dir', dir, '--database-url', db.url])).code).toBe(0);
      const bytes = await readFile(path.join(dir, '0001_a.sql'));
      expect(await db.sql('SELECT checksum FROM deployctl.migration')).toEqual([
        { checksum: createHash('sha256').update(bytes).digest('hex') },
      ]);
    } finally {
      await db.drop();
    }
  });

  it('blocks a statement that disables lock_timeout with the fix; a positive value stays allowed', async () => {
    const dir = await migrationsDir({
      '0001_ok.sql': "SET lock_timeout = '5s';\nALTER TABLE t ADD COLUMN a int;\n",
      '0002_off.sql': 'SET lock_timeout = 0;\nALTER TABLE t ADD COLUMN b int;\n',
      '0003_reset.sql': 'RESET ALL;\nALTER TABLE t ADD COLUMN c int;\n',
    });
    const r = await runCli(['plan', '--dir', dir, '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.stages).toEqual({
      pre: ['migrations/0001_ok'],
      post: [],
      blocked: ['migrations/0002_off', 'migrations/0003_reset'],
    });
    expect(doc.problems.map((p: { message: string }) => p.message)).toEqual([
      expect.stringMatching(/0002_off\.sql:1: disable-lock-timeout: SET lock_timeout = 0 turns off the lock_timeout/),
      expect.stringMatching(/0003_reset\.sql:1: disable-lock-timeout: RESET ALL turns off the lock_timeout/),
    ]);
    const rule = doc.migrations[1].statements[0].rules.find((x: { id: string }) => x.id === 'disable-lock-timeout');
    expect(rule.fix).toMatch(/^Remove it.*\n {2}-- deployctl:lock-timeout 5000$/);
  });

  it('rejects a lock-timeout 0 directive (exit 2) and accepts a positive one', async () => {
    const zero = await migrationsDir({ '0001_x.sql': '-- deployctl:lock-timeout 0\nSELECT 1;\n' });
    const r = await runCli(['plan', '--dir', zero]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /0001_x\.sql:1: 'deployctl:lock-timeout 0' would disable the lock timeout; a migration may lower or raise it, never turn it off/,
    );
    const positive = await migrationsDir({ '0001_x.sql': '-- deployctl:lock-timeout 30000\nSELECT 1;\n' });
    expect((await runCli(['plan', '--dir', positive])).code).toBe(0);
  });

  it('treats SET CONSTRAINTS as neutral: pre, no lock, never mixed', async () => {
    const dir = await migrationsDir({
      '0001_c.sql': 'SET CONSTRAINTS ALL IMMEDIATE;\nALTER TABLE t DROP COLUMN old;\n',
    });
    const doc = JSON.parse((await runCli(['plan', '--dir', dir, '--json'])).stdout);
    expect(doc.ok).toBe(true);
    expect(doc.migrations[0].phase).toBe('post');
    expect(doc.migrations[0].statements[0]).toMatchObject({
      phase: 'pre',
      lock: null,
      rules: [{ id: 'session-statement' }],
    });
  });

  it('says which PostgreSQL version a static plan assumes; --pg-version and pgVersion change it', async () => {
    // ALTER TYPE … ADD VALUE runs in a transaction from PostgreSQL 12 on, not before.
    const dir = await migrationsDir({ '0001_enum.sql': "ALTER TYPE mood ADD VALUE 'meh';" });
    const byDefault = await runCli(['plan', '--dir', dir]);
    expect(byDefault.stdout.split('\n')[0]).toBe('static plan: no database, assuming PostgreSQL 12 (set --pg-version)');
    const json = JSON.parse((await runCli(['plan', '--dir', dir, '--json'])).stdout);
    expect(json.assumedPgVersion).toBe(12);
    expect(json.migrations[0].transactional).toBe(true);

    const eleven = await runCli(['plan', '--dir', dir, '--pg-version', '11']);
    expect(eleven.stdout).toMatch(/^static plan: no database, assuming PostgreSQL 11 \(set --pg-version\)\n/);
    expect(eleven.stdout).toMatch(/statement by statement, no transaction/);

    const config = path.join(path.dirname(dir), 'deployctl.yaml');
    await writeFile(config, 'migrations: [{ app: migrations, dir: migrations }]\npgVersion: 11\n');
    const fromFile = JSON.parse((await runCli(['plan', '--config', config, '--json'])).stdout);
    expect(fromFile.assumedPgVersion).toBe(11);
    expect(fromFile.migrations[0].transactional).toBe(false);
    // The flag overrides the file.
    const flag = JSON.parse((await runCli(['plan', '--config', config, '--pg-version', '16', '--json'])).stdout);
    expect(flag.assumedPgVersion).toBe(16);

    const bad = await runCli(['plan', '--dir', dir, '--pg-version', '9.6']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--pg-version takes a PostgreSQL major version, 10 or later/);
    await writeFile(config, 'migrations: [{ app: migrations, dir: migrations }]\npgVersion: 8\n');
    const badFile = await runCli(['plan', '--config', config]);
    expect(badFile.code).toBe(2);
    expect(badFile.stderr).toMatch(/config key 'pgVersion': expected a whole number ≥ 10, got 8/);
  });

  it('with a database, the server says its version: no assumption is printed', async () => {
    const db = await createTestDatabase('plan');
    try {
      const dir = await migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);' });
      const r = await runCli(['plan', '--dir', dir, '--database-url', db.url, '--pg-version', '11']);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(/static plan/);
      const doc = JSON.parse((await runCli(['plan', '--dir', dir, '--database-url', db.url, '--json'])).stdout);
      expect(doc).not.toHaveProperty('assumedPgVersion');
    } finally {
      await db.drop();
    }
  });

  it('says the database is unreachable without printing the password (exit 2)', async () => {
    const r = await runCli([
      'plan',
      '--dir',
      'examples/basic/migrations',
      '--database-url',
      'postgres://app:hunter2-secret@127.0.0.1:1/db',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /cannot reach the database at postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/db: connection refused/,
    );
    expect(r.stdout + r.stderr).not.toContain('hunter2-secret');
  });
});
