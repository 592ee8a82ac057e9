/**
 * Defaults, NOT NULL and constraints across two code versions, on PostgreSQL: the old code's
 * INSERTs omit a column it does not know about, the new code's omit a column it no longer knows.
 * Each claim the rules make is shown on the server, then the classification with the catalog read
 * from it.
 */
import { readCatalog } from '../../src/adapters/postgres/catalog.js';
import { withConnection } from '../../src/adapters/postgres/connect.js';
import { classifyMigration, type ClassifiedMigration } from '../../src/core/classify/classify.js';
import { migrationFromText } from '../../src/core/migration.js';
import type { CatalogFacts } from '../../src/core/schema/facts.js';
import { loadParser } from '../../src/core/sql/parse.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  await loadParser();
  db = await createTestDatabase('twov');
});
afterAll(() => db.drop());

function classify(sql: string, catalog?: CatalogFacts): ClassifiedMigration {
  return classifyMigration(migrationFromText('app', '0001', '0001', 'migrations/0001.sql', sql), { catalog });
}

const catalog = () => withConnection(db.url, readCatalog);

it('ADD COLUMN … NOT NULL DEFAULT then DROP DEFAULT: the old INSERTs fail after the drop, so the drop is post', async () => {
  await db.sql('CREATE TABLE accounts (id int)');
  const sql =
    "ALTER TABLE accounts ADD COLUMN plan text NOT NULL DEFAULT 'free';\nALTER TABLE accounts ALTER COLUMN plan DROP DEFAULT;";
  const m = classify(sql, await catalog());
  expect(m.statements.map((s) => s.phase)).toEqual(['pre', 'post']);
  expect(m.statements[1]!.findings[0]!.fix).toContain('db_default');
  await db.sql("ALTER TABLE accounts ADD COLUMN plan text NOT NULL DEFAULT 'free'");
  await db.sql('INSERT INTO accounts (id) VALUES (1)');
  await db.sql('ALTER TABLE accounts ALTER COLUMN plan DROP DEFAULT');
  await expect(db.sql('INSERT INTO accounts (id) VALUES (2)')).rejects.toThrow(/not-null/);
  // The catalog now says NOT NULL: a DROP DEFAULT on it alone is post too; on a nullable column it is pre.
  expect(classify('ALTER TABLE accounts ALTER COLUMN plan DROP DEFAULT', await catalog()).phase).toBe('post');
  await db.sql('ALTER TABLE accounts ADD COLUMN note text DEFAULT $$x$$');
  expect(classify('ALTER TABLE accounts ALTER COLUMN note DROP DEFAULT', await catalog()).phase).toBe('pre');
});

it('DROP COLUMN of a NOT NULL column without a default needs an earlier DROP NOT NULL', async () => {
  await db.sql('CREATE TABLE orders (id int, legacy text NOT NULL)');
  const drop = 'ALTER TABLE orders DROP COLUMN legacy';
  const before = classify(drop, await catalog());
  expect(before.phase).toBe('unsafe');
  expect(before.statements[0]!.findings.find((f) => f.rule === 'drop-required-column')!.fix).toContain(
    'ALTER TABLE orders ALTER COLUMN legacy DROP NOT NULL',
  );
  // What the new code does between the rollout and the drop:
  await expect(db.sql('INSERT INTO orders (id) VALUES (1)')).rejects.toThrow(/not-null/);
  expect(classify('ALTER TABLE orders ALTER COLUMN legacy DROP NOT NULL', await catalog()).phase).toBe('pre');
  await db.sql('ALTER TABLE orders ALTER COLUMN legacy DROP NOT NULL');
  await db.sql('INSERT INTO orders (id) VALUES (1)');
  expect(classify(drop, await catalog()).phase).toBe('post');
});

it('dropping a CHECK or a plain foreign key relaxes the schema: pre; a unique constraint or a cascading key: post', async () => {
  await db.sql(
    'CREATE TABLE parents (id int PRIMARY KEY);\n' +
      'CREATE TABLE kids (id int CONSTRAINT kids_id_key UNIQUE, qty int CONSTRAINT kids_qty_check CHECK (qty > 0),\n' +
      '  parent_id int CONSTRAINT kids_parent_fk REFERENCES parents, owner_id int CONSTRAINT kids_owner_fk REFERENCES parents ON DELETE CASCADE)',
  );
  const facts = await catalog();
  const phase = (name: string) => classify(`ALTER TABLE kids DROP CONSTRAINT ${name}`, facts).phase;
  expect(phase('kids_qty_check')).toBe('pre');
  expect(phase('kids_parent_fk')).toBe('pre');
  expect(phase('kids_owner_fk')).toBe('post');
  expect(phase('kids_id_key')).toBe('post');
  // Without the catalog the kind of constraint is unknown: post, as before.
  expect(classify('ALTER TABLE kids DROP CONSTRAINT kids_qty_check').phase).toBe('post');
});
