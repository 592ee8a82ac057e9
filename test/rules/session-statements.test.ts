/**
 * Session statements against a real PostgreSQL: SET CONSTRAINTS takes no lock (so it is neutral),
 * and every statement the rule disable-lock-timeout fires on really leaves lock_timeout at 0 after
 * deployctl set it, while the ones it stays silent on keep a timeout. Also: input with no
 * statement at all parses to zero statements, and real syntax errors still throw.
 */
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { classifyMigration } from '../../src/core/classify/classify.js';
import { disableLockTimeout } from '../../src/core/rules/disable-lock-timeout.js';
import { loadParser, parseSql } from '../../src/core/sql/parse.js';
import { migrationFromText } from '../../src/core/migration.js';
import { DeployctlError } from '../../src/errors.js';

let scratch: TestDatabase;
let db: pg.Client;

beforeAll(async () => {
  await loadParser();
  scratch = await createTestDatabase('session');
  db = new pg.Client({ connectionString: scratch.url });
  await db.connect();
  await db.query(`
    CREATE TABLE users (id bigint PRIMARY KEY);
    CREATE TABLE orders (id bigint PRIMARY KEY,
      user_id bigint CONSTRAINT orders_user_fk REFERENCES users DEFERRABLE INITIALLY IMMEDIATE);
  `);
});

afterAll(async () => {
  await db?.end();
  await scratch?.drop();
});

const classify = (sql: string) => classifyMigration(migrationFromText('app', '0001_x', '0001', 'x.sql', sql));

describe('SET CONSTRAINTS', () => {
  it.each(['SET CONSTRAINTS ALL IMMEDIATE', 'SET CONSTRAINTS orders_user_fk DEFERRED'])(
    '%s is neutral pre and takes no relation lock on PostgreSQL',
    async (sql) => {
      const m = classify(`${sql};\nALTER TABLE orders DROP COLUMN user_id;`);
      expect(m.statements[0]).toMatchObject({ phase: 'pre', lock: null, neutral: true });
      expect(m.statements[0]!.findings.map((f) => f.rule)).toEqual(['session-statement']);
      // Neutral: the migration's phase is its DROP's alone, not mixed.
      expect(m.phase).toBe('post');
      await db.query('BEGIN');
      try {
        await db.query(sql);
        const { rows } = await db.query(
          "SELECT relation::regclass::text AS rel, mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' AND relation <> 'pg_locks'::regclass",
        );
        expect(rows).toEqual([]);
      } finally {
        await db.query('ROLLBACK');
      }
    },
  );
});

describe('disable-lock-timeout', () => {
  /** lock_timeout after `sql`, with deployctl's settings in place (session, then transaction-local). */
  async function lockTimeoutAfter(sql: string): Promise<string> {
    await db.query("SET lock_timeout = '2s'");
    await db.query('BEGIN');
    try {
      await db.query('SET LOCAL lock_timeout = 2000');
      await db.query(sql);
      return (await db.query<{ lock_timeout: string }>('SHOW lock_timeout')).rows[0]!.lock_timeout;
    } finally {
      await db.query('ROLLBACK');
      await db.query('RESET lock_timeout');
    }
  }

  it.each(disableLockTimeout.examples.fires.map((e) => (typeof e === 'string' ? e : e.sql)))(
    '%s: blocked with the fix, and PostgreSQL really turns the timeout off',
    async (sql) => {
      const m = classify(sql);
      const finding = m.statements[0]!.findings.find((f) => f.rule === 'disable-lock-timeout');
      expect(m.phase).toBe('unsafe');
      expect(finding?.fix).toMatch(/Remove it.*\n.*-- deployctl:lock-timeout 5000/);
      // DISCARD ALL cannot run inside a transaction block; RESET ALL is what it does to settings.
      expect(await lockTimeoutAfter(sql.replace('DISCARD ALL', 'RESET ALL'))).toBe('0');
    },
  );

  it.each(
    disableLockTimeout.examples.silent
      .map((e) => (typeof e === 'string' ? e : e.sql))
      // The trailing RESET is harmless because nothing runs after it.
      .filter((sql) => !sql.endsWith('RESET lock_timeout')),
  )('%s: allowed, and a lock timeout stays set', async (sql) => {
    expect(classify(sql).statements.flatMap((s) => s.findings.map((f) => f.rule))).not.toContain(
      'disable-lock-timeout',
    );
    expect(await lockTimeoutAfter(sql)).not.toBe('0');
  });

  it('lets a trailing RESET tidy up: nothing runs after it without the timeout', () => {
    const m = classify(
      "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN c int;\nRESET lock_timeout;\nRESET ALL;",
    );
    expect(m.phase).toBe('pre');
    expect(m.statements.flatMap((s) => s.findings.map((f) => f.rule))).not.toContain('disable-lock-timeout');
  });

  it('keeps a positive SET lock_timeout neutral: it never makes a migration mixed or unsafe', () => {
    const m = classify("SET lock_timeout = '5s';\nALTER TABLE orders DROP COLUMN user_id;");
    expect(m.phase).toBe('post');
    expect(m.statements[0]!.neutral).toBe(true);
  });
});

describe('input with no statement', () => {
  it.each([
    ['a zero-byte file', ''],
    ['whitespace', ' \n\t\n'],
    ['line comments', '-- nothing to do yet\n-- really\n'],
    ['a block comment', '/* placeholder\n   kept for numbering */\n'],
    ['empty statements', ';\n;\n'],
  ])('%s parses to zero statements and classifies as a pre no-op', (_name, sql) => {
    expect(parseSql(sql, 'x.sql').statements).toEqual([]);
    const m = classify(sql);
    expect(m).toMatchObject({ phase: 'pre', statements: [], problems: [], transactional: true });
  });

  it('still reports a real syntax error, even after comments', () => {
    expect(() => parseSql('-- header\n\nSELEC 1;\n', 'x.sql')).toThrow(DeployctlError);
    expect(() => parseSql('-- header\n\nSELEC 1;\n', 'x.sql')).toThrow(/x\.sql:3: syntax error at or near "SELEC"/);
    expect(() => parseSql('/* unterminated', 'x.sql')).toThrow(/x\.sql:1: unterminated \/\* comment/);
  });
});
