/**
 * `deployctl squash` end to end: the baseline builds the same schema as the migrations it
 * replaces (equal fingerprints), counts as applied where they were, and leaves no scratch
 * database behind — also when a migration fails to replay.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { runCli } from '../support/cli.js';
import { createTestDatabase, migrationsDir, serverUrl, type TestDatabase } from '../support/db.js';

const MIGRATIONS = {
  '0001_users.sql': `
    CREATE TYPE mood AS ENUM ('happy', 'sad');
    CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
    CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, m mood DEFAULT 'happy', n positive);
    COMMENT ON TABLE users IS 'people, with ''quotes''';`,
  '0002_orders.sql': `
    CREATE SCHEMA billing;
    CREATE TABLE orders (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id),
      total numeric(10,2) CHECK (total >= 0), note varchar(20) COLLATE "C", doubled numeric GENERATED ALWAYS AS (total * 2) STORED);
    CREATE INDEX orders_user ON orders (user_id) WHERE total > 0;
    CREATE TABLE billing.invoice (id int PRIMARY KEY, order_id int REFERENCES orders (id) ON DELETE CASCADE);
    CREATE SEQUENCE billing.numbers START 100 INCREMENT 5;
    CREATE FUNCTION order_count(u bigint) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM orders WHERE user_id = u $$;
    CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
    CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
    ALTER TABLE users ADD COLUMN nick text;`,
  '0003_phone.sql': 'ALTER TABLE users ADD COLUMN phone text;',
};

const dbs: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(dbs.splice(0).map((d) => d.drop()));
});
async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase('sq');
  dbs.push(db);
  return db;
}

async function scratchDatabases(): Promise<string[]> {
  const c = new pg.Client({ connectionString: serverUrl() });
  await c.connect();
  try {
    return (await c.query("SELECT datname FROM pg_database WHERE datname LIKE 'deployctl\\_squash\\_%'")).rows.map(
      (r) => r.datname,
    );
  } finally {
    await c.end();
  }
}

const cli = (root: string, args: string[], db: TestDatabase) =>
  runCli([...args, '--database-url', db.url], { cwd: root });
const migrate = (root: string, db: TestDatabase) => cli(root, ['migrate', '--phase', 'pre'], db);
const fingerprint = async (root: string, db: TestDatabase) =>
  JSON.parse((await cli(root, ['fingerprint', '--json'], db)).stdout);

describe('squash', () => {
  it('writes a baseline that builds the same schema, recorded as applied where the migrations were', async () => {
    const dir = await migrationsDir(MIGRATIONS);
    const root = path.dirname(dir);
    const squashedDb = await database();
    const otherDb = await database();
    const partialDb = await database();
    const freshDb = await database();
    expect((await migrate(root, squashedDb)).code).toBe(0);
    expect((await migrate(root, otherDb)).code).toBe(0);
    const firstOnly = path.dirname(await migrationsDir({ '0001_users.sql': MIGRATIONS['0001_users.sql'] }));
    expect((await migrate(firstOnly, partialDb)).code).toBe(0);
    const before = await scratchDatabases();

    const r = await cli(root, ['squash', '--through', '0002', '--json'], squashedDb);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({
      app: 'default',
      squashed: ['0001_users', '0002_orders'],
      recorded: true,
      baseline: { id: '0002_orders_baseline', file: 'migrations/0002_orders_baseline.sql' },
      movedTo: path.join(dir, 'squashed'),
    });
    expect(await scratchDatabases()).toEqual(before);
    expect((await readdir(dir)).sort()).toEqual(['0002_orders_baseline.sql', '0003_phone.sql', 'squashed']);
    expect((await readdir(path.join(dir, 'squashed'))).sort()).toEqual(['0001_users.sql', '0002_orders.sql']);
    const baseline = await readFile(path.join(dir, '0002_orders_baseline.sql'), 'utf8');
    expect(baseline).toContain('CREATE TABLE public.orders (');
    expect(baseline).toContain('ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;');
    expect(baseline).toContain("COMMENT ON TABLE public.users IS 'people, with ''quotes''';");

    // The database it was squashed against: the baseline is recorded, nothing is pending.
    expect(await squashedDb.sql("SELECT id, phase FROM deployctl.migration WHERE id LIKE '%baseline'")).toEqual([
      { id: '0002_orders_baseline', phase: 'baseline' },
    ]);
    // Another database with the squashed migrations applied: the baseline counts as applied by its name.
    for (const db of [squashedDb, otherDb]) {
      const plan = JSON.parse((await cli(root, ['plan', '--json'], db)).stdout);
      expect(plan.ok).toBe(true);
      expect(plan.migrations).toEqual([]);
    }
    // A database with only part of them: the baseline cannot run there, and the plan says so.
    const partial = JSON.parse((await cli(root, ['plan', '--json'], partialDb)).stdout);
    expect(partial.ok).toBe(false);
    expect(partial.stages.blocked).toEqual(['default/0002_orders_baseline']);

    // A new database built from the baseline (and what came after) has the same schema.
    const fromBaseline = await migrate(root, freshDb);
    expect(fromBaseline.stderr).toContain('applied default/0002_orders_baseline');
    expect(fromBaseline.code).toBe(0);
    const original = await fingerprint(root, otherDb);
    expect(await fingerprint(root, freshDb)).toEqual(original);
    expect(original.tables['public.orders']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('deletes the squashed files with --delete and records nothing on a database that had none applied', async () => {
    const dir = await migrationsDir(MIGRATIONS);
    const db = await database();
    const r = await cli(path.dirname(dir), ['squash', '--through', '0003_phone', '--delete'], db);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deleted them');
    expect(r.stdout).toContain(
      "not recorded in the database's ledger: the database has none of these migrations applied",
    );
    expect(await readdir(dir)).toEqual(['0003_phone_baseline.sql']);
  });

  it('drops its scratch database and changes no file when a migration fails to replay', async () => {
    const dir = await migrationsDir({ ...MIGRATIONS, '0003_phone.sql': 'ALTER TABLE missing ADD COLUMN phone text;' });
    const db = await database();
    const before = await scratchDatabases();
    const r = await cli(path.dirname(dir), ['squash', '--through', '0003'], db);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'migrations/0003_phone.sql:1: relation "missing" does not exist (replaying into a scratch database)',
    );
    expect(await scratchDatabases()).toEqual(before);
    expect((await readdir(dir)).sort()).toEqual(Object.keys(MIGRATIONS).sort());
  });

  it('refuses objects it cannot rebuild rather than writing a baseline without them', async () => {
    const dir = await migrationsDir({ '0001_p.sql': 'CREATE TABLE p (id int, at date) PARTITION BY RANGE (at);' });
    const db = await database();
    const r = await cli(path.dirname(dir), ['squash', '--through', '0001'], db);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('squash cannot yet rebuild these objects');
    expect(r.stderr).toContain('partitioned table p');
    expect(await readdir(dir)).toEqual(['0001_p.sql']);
  });
});
