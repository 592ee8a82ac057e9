/**
 * DO blocks and PL/pgSQL functions created and called in the same migration: their static
 * statements are classified by the normal rules, dynamic parts stay opaque. The idempotent
 * wrappers seen in real histories run on PostgreSQL here, so the claims are about blocks the
 * server accepts.
 */
import { classifyMigration, type ClassifiedMigration } from '../../src/core/classify/classify.js';
import type { CatalogFacts } from '../../src/core/schema/facts.js';
import { loadParser } from '../../src/core/sql/parse.js';
import { migrationFromText } from '../../src/core/migration.js';
import { readCatalog } from '../../src/adapters/postgres/catalog.js';
import { withConnection } from '../../src/adapters/postgres/connect.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

beforeAll(() => loadParser());

function classify(sql: string, catalog?: CatalogFacts): ClassifiedMigration {
  return classifyMigration(migrationFromText('app', '0001_do', '0001', 'migrations/0001_do.sql', sql), { catalog });
}

function rules(m: ClassifiedMigration, i = 0): Record<string, string> {
  return Object.fromEntries(m.statements[i]!.findings.map((f) => [f.rule, f.phase]));
}

const USERS: CatalogFacts = {
  serverVersion: 150000,
  tables: {
    'public.users': {
      schema: 'public',
      name: 'users',
      rowEstimate: 2_000_000,
      bytes: 300 * 1024 * 1024,
      notNullChecks: [],
      columns: { id: { type: 'bigint', notNull: true }, email: { type: 'text', notNull: false } },
    },
  },
};

describe('DO blocks', () => {
  it('classifies the statement an idempotent wrapper holds: ADD VALUE with an exception handler is pre', () => {
    const m = classify(
      "DO $$ BEGIN\n  ALTER TYPE mood ADD VALUE 'sad';\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$",
    );
    expect(m.phase).toBe('pre');
    expect(rules(m)).toEqual({ 'do-block': 'pre', 'alter-enum-add-value': 'pre' });
    const inner = m.statements[0]!.findings.find((f) => f.rule === 'alter-enum-add-value')!;
    expect(inner.message).toMatch(/^Inside the DO block, line 2: /);
  });

  it('finds the hazard an IF NOT EXISTS wrapper hides: a blocking CREATE INDEX on a large table', () => {
    const m = classify(
      "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'users_email') THEN\n    CREATE INDEX users_email ON users (email);\n  END IF;\nEND $$",
      USERS,
    );
    expect(m.phase).toBe('unsafe');
    expect(rules(m)['create-index-blocking']).toBe('unsafe');
    const f = m.statements[0]!.findings.find((x) => x.rule === 'create-index-blocking')!;
    expect(f.message).toContain('line 4');
    expect(m.statements[0]!.lock).toBe('ShareLock');
  });

  it('reports a post step inside a block as post', () => {
    const m = classify('DO $$ BEGIN ALTER TABLE users DROP COLUMN IF EXISTS legacy; END $$', USERS);
    expect(m.phase).toBe('post');
  });

  it('keeps EXECUTE of a built string opaque, and still classifies the static statements beside it', () => {
    const m = classify(
      "DO $$ BEGIN\n  CREATE TABLE audit (id int);\n  EXECUTE 'DROP TABLE ' || quote_ident('legacy');\nEND $$",
    );
    expect(m.phase).toBe('unsafe');
    expect(rules(m)).toEqual({ 'do-block': 'unsafe', 'create-table': 'pre' });
    expect(m.statements[0]!.findings[0]!.message).toContain('line 3: EXECUTE of a string built at run time');
  });

  it('keeps a loop over rows opaque', () => {
    const m = classify(
      'DO $$ DECLARE r record; BEGIN FOR r IN SELECT id FROM users LOOP UPDATE users SET email = lower(email) WHERE id = r.id; END LOOP; END $$',
      USERS,
    );
    expect(rules(m)['do-block']).toBe('unsafe');
    expect(m.statements[0]!.findings[0]!.message).toContain('FOR loop over query rows');
  });

  it('keeps a call of an unknown function in a condition opaque', () => {
    const m = classify('DO $$ BEGIN IF needs_backfill() THEN NULL; END IF; END $$');
    expect(rules(m)).toEqual({ 'do-block': 'pre', 'select-statement': 'unsafe' });
  });

  it('sees tables created earlier in the block as new', () => {
    const m = classify('DO $$ BEGIN CREATE TABLE t (a int); CREATE INDEX t_a ON t (a); END $$', USERS);
    expect(m.phase).toBe('pre');
  });

  it('reports a body the PL/pgSQL parser rejects, and other languages, as opaque', () => {
    expect(rules(classify('DO $$ BEGIN x := 1; END $$'))).toEqual({ 'do-block': 'unsafe' });
    expect(rules(classify("DO LANGUAGE plperl 'spi_exec_query(q{DELETE FROM t})'"))).toEqual({ 'do-block': 'unsafe' });
  });

  it('reports CREATE INDEX CONCURRENTLY inside a block, which PostgreSQL refuses there', () => {
    const m = classify('DO $$ BEGIN CREATE INDEX CONCURRENTLY i ON users (email); END $$', USERS);
    expect(m.statements[0]!.findings[0]).toMatchObject({ rule: 'do-block', phase: 'unsafe' });
    expect(m.statements[0]!.findings[0]!.fix).toContain('own migration file');
  });

  it('lets an allow directive accept an inner finding', () => {
    const m = classify(
      '-- deployctl:allow create-index-blocking users is small in every environment\nDO $$ BEGIN CREATE INDEX users_email ON users (email); END $$',
      USERS,
    );
    expect(m.phase).toBe('pre');
    expect(m.problems).toEqual([]);
  });
});

describe('PL/pgSQL functions created and called by the same migration', () => {
  const create = (body: string) =>
    `CREATE FUNCTION fill_emails(batch int) RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n${body}\nEND $$;\n`;

  it('reads the body of the called function instead of treating the call as opaque', () => {
    const m = classify(`${create('  ALTER TABLE users ADD COLUMN nickname text;')}SELECT fill_emails(100)`, USERS);
    expect(rules(m, 1)).toEqual({ 'select-statement': 'pre', 'add-column': 'pre' });
    const f = m.statements[1]!.findings.find((x) => x.rule === 'add-column')!;
    expect(f.message).toMatch(/^In fill_emails\(\) \(created at line 1\), line 3: /);
    expect(m.phase).toBe('pre');
  });

  it('finds a hazard in the called body', () => {
    const m = classify(`${create('  UPDATE users SET email = lower(email);')}SELECT fill_emails(100)`, USERS);
    expect(m.statements[1]!.phase).toBe('unsafe');
    expect(rules(m, 1)['unbatched-backfill']).toBe('unsafe');
  });

  it('keeps dynamic SQL in the called body opaque', () => {
    const m = classify(`${create("  EXECUTE format('UPDATE %I SET a = 1', 'users');")}SELECT fill_emails(1)`);
    expect(rules(m, 1)['do-block']).toBe('unsafe');
  });

  it('follows a call from one created function into another, and stops at recursion', () => {
    const m = classify(
      'CREATE FUNCTION a() RETURNS void LANGUAGE plpgsql AS $$ BEGIN CREATE TABLE z (id int); END $$;\n' +
        'CREATE FUNCTION b() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM a(); PERFORM b(); END $$;\n' +
        'SELECT b()',
    );
    expect(m.statements[2]!.findings.map((f) => f.rule)).toContain('create-table');
    expect(m.phase).toBe('pre');
  });

  it('does not read a function created after the call or one it did not create', () => {
    expect(rules(classify('SELECT fill_emails(1)'))).toEqual({ 'select-statement': 'unsafe' });
  });
});

describe('on PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('proc');
  });
  afterAll(() => db.drop());

  it('runs the idempotent wrappers twice without error, as the classification assumes', async () => {
    await db.sql("CREATE TYPE mood AS ENUM ('ok'); CREATE TABLE users (id bigint, email text)");
    const sql =
      "DO $$ BEGIN ALTER TYPE mood ADD VALUE 'sad'; EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n" +
      "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'users_email') THEN CREATE INDEX users_email ON users (email); END IF; END $$";
    await db.sql(sql);
    await db.sql(sql);
    const labels = await db.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_enum WHERE enumtypid = 'mood'::regtype",
    );
    expect(labels[0]!.n).toBe(2);
    // Without a database the size of users is unknown, so the blocking CREATE INDEX inside is not accepted;
    // with the catalog showing users empty, it is instant.
    expect(classify(sql).phase).toBe('unsafe');
    const catalog = await withConnection(db.url, readCatalog);
    expect(classify(sql, catalog).phase).toBe('pre');
  });

  it('rejects CREATE INDEX CONCURRENTLY inside a DO block, as the rule says', async () => {
    await db.sql('CREATE TABLE IF NOT EXISTS t (a int)');
    await expect(db.sql('DO $$ BEGIN CREATE INDEX CONCURRENTLY t_a ON t (a); END $$')).rejects.toThrow(
      /cannot be executed from a function/,
    );
  });
});
