/** Schema fingerprints on real databases: what changes a hash and what does not. */
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const dbs: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(dbs.splice(0).map((d) => d.drop()));
});

async function database(sql: string): Promise<TestDatabase> {
  const db = await createTestDatabase('fp');
  dbs.push(db);
  await db.sql(sql);
  return db;
}

async function fingerprint(
  db: TestDatabase,
  ...args: string[]
): Promise<{ schema: string; tables: Record<string, string> }> {
  const r = await runCli(['fingerprint', '--json', '--database-url', db.url, ...args]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

describe('fingerprint', () => {
  it('is equal for the same schema reached by adding columns in another order, with other constraint names', async () => {
    const a = await database(`
      CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
      ALTER TABLE users ADD COLUMN age int CHECK (age >= 0);
      ALTER TABLE users ADD COLUMN nick text DEFAULT 'x';
      CREATE INDEX users_email_idx ON users (email);`);
    const b = await database(`
      CREATE TABLE users (nick text DEFAULT 'x', id bigint);
      ALTER TABLE users ADD COLUMN age int;
      ALTER TABLE users ADD COLUMN email text NOT NULL;
      ALTER TABLE users ADD CONSTRAINT pk_named_by_hand PRIMARY KEY (id);
      ALTER TABLE users ADD CONSTRAINT age_ok CHECK (age >= 0);
      CREATE INDEX another_name ON users (email);`);
    const fa = await fingerprint(a);
    const fb = await fingerprint(b);
    expect(fa.tables['public.users']).toMatch(/^[0-9a-f]{64}$/);
    expect(fb).toEqual(fa);
    // The ledger schema is not part of the application's schema.
    await b.sql('CREATE SCHEMA deployctl; CREATE TABLE deployctl.migration (id text)');
    expect(await fingerprint(b)).toEqual(fa);
  });

  it('changes the table hash with a column type, nullability or default, and only the schema hash with an index', async () => {
    const db = await database('CREATE TABLE users (id int, email text); CREATE TABLE orders (id int);');
    const before = await fingerprint(db);
    await db.sql('CREATE INDEX ON users (email)');
    const indexed = await fingerprint(db);
    expect(indexed.tables).toEqual(before.tables);
    expect(indexed.schema).not.toBe(before.schema);
    const seen = new Set([indexed.tables['public.users']]);
    for (const change of [
      'ALTER TABLE users ALTER COLUMN id TYPE bigint',
      'ALTER TABLE users ALTER COLUMN email SET NOT NULL',
      "ALTER TABLE users ALTER COLUMN email SET DEFAULT ''",
    ]) {
      await db.sql(change);
      const after = await fingerprint(db);
      expect(seen.has(after.tables['public.users'])).toBe(false);
      seen.add(after.tables['public.users']);
      expect(after.tables['public.orders']).toBe(before.tables['public.orders']);
    }
  });

  it('prints the bare hash of one table for cache keys, and names the tables when it has no such table', async () => {
    const db = await database('CREATE SCHEMA shop; CREATE TABLE shop.items (id int); CREATE TABLE users (id int);');
    const all = await fingerprint(db);
    const one = await runCli(['fingerprint', '--table', 'items', '--database-url', db.url]);
    expect(one.stdout).toBe(`${all.tables['shop.items']}\n`);
    expect((await runCli(['fingerprint', '--table', 'public.users', '--database-url', db.url])).stdout).toBe(
      `${all.tables['public.users']}\n`,
    );
    const none = await runCli(['fingerprint', '--table', 'nope', '--database-url', db.url]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no table 'nope' in the database; tables: public.users, shop.items");
  });
});
