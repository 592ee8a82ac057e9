/**
 * Checks the lock and rewrite each rule claims against what PostgreSQL really does: every
 * statement runs inside a transaction on a scratch database, then pg_locks (for this backend) and
 * pg_class.relfilenode are read before the transaction is rolled back.
 */
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { classifyMigration } from '../../src/core/classify/classify.js';
import { LOCK_MODES, type LockMode } from '../../src/core/rules/rule.js';
import { loadParser } from '../../src/core/sql/parse.js';
import { migrationFromText } from '../../src/core/migration.js';

const FIXTURE = `
  CREATE SCHEMA shop;
  CREATE TABLE shop.orders (id bigint PRIMARY KEY, ref text, total int);
  INSERT INTO shop.orders SELECT g, 'r' || g, g FROM generate_series(1, 500) g;
  CREATE INDEX orders_ref ON shop.orders (ref);
  CREATE TABLE users (id bigint PRIMARY KEY, email text);
  INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 200) g;
  CREATE VIEW active_orders AS SELECT id FROM shop.orders;
  CREATE MATERIALIZED VIEW totals AS SELECT id, total FROM shop.orders;
  CREATE UNIQUE INDEX totals_id ON totals (id);
  CREATE SEQUENCE invoice_no;
  CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
  CREATE TRIGGER orders_touch BEFORE UPDATE ON shop.orders FOR EACH ROW EXECUTE FUNCTION touch();
  CREATE POLICY orders_all ON shop.orders USING (true);
`;

const STATEMENTS = [
  'CREATE TRIGGER orders_touch2 AFTER INSERT ON shop.orders FOR EACH ROW EXECUTE FUNCTION touch()',
  "COMMENT ON COLUMN shop.orders.ref IS 'external reference'",
  "INSERT INTO users VALUES (1000, 'new')",
  'UPDATE shop.orders SET total = 0 WHERE id < 10',
  'DELETE FROM users',
  'ALTER SEQUENCE invoice_no RESTART 100',
  'ALTER SEQUENCE invoice_no OWNED BY users.id',
  "SELECT setval('invoice_no', 10)",
  'TRUNCATE users CASCADE',
  'LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE',
  'CREATE INDEX users_email ON users (email)',
  'REINDEX INDEX shop.orders_ref',
  'REINDEX TABLE shop.orders',
  'CLUSTER shop.orders USING orders_pkey',
  'REFRESH MATERIALIZED VIEW totals',
  'REFRESH MATERIALIZED VIEW CONCURRENTLY totals',
  'CREATE OR REPLACE VIEW active_orders AS SELECT id FROM shop.orders WHERE total > 0',
  'CREATE POLICY orders_read ON shop.orders FOR SELECT USING (true)',
  'DROP TABLE users',
  'DROP VIEW active_orders',
  'DROP MATERIALIZED VIEW totals',
  'DROP INDEX shop.orders_ref',
  'DROP SEQUENCE invoice_no',
  'DROP TRIGGER orders_touch ON shop.orders',
  'DROP POLICY orders_all ON shop.orders',
];

let scratch: TestDatabase;
let db: pg.Client;

beforeAll(async () => {
  await loadParser();
  scratch = await createTestDatabase('locks');
  db = new pg.Client({ connectionString: scratch.url });
  await db.connect();
  await db.query(FIXTURE);
});

afterAll(async () => {
  await db?.end();
  await scratch?.drop();
});

/** relfilenode of the relation and of every index on it (or of the table an index belongs to). */
async function fileNodes(oid: number): Promise<Map<number, number>> {
  const { rows } = await db.query<{ oid: number; relfilenode: number }>(
    `SELECT c.oid::int, c.relfilenode::int FROM pg_class c
      WHERE c.oid = $1 OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = $1)`,
    [oid],
  );
  return new Map(rows.map((r) => [r.oid, r.relfilenode]));
}

describe.each(STATEMENTS)('%s', (sql) => {
  it('takes the lock and rewrites exactly as the plan says', async () => {
    const planned = classifyMigration(migrationFromText('app', '0001_x', '0001', 'x.sql', sql)).statements[0]!;
    expect(planned.relation).not.toBeNull();
    const oid = (await db.query<{ oid: number }>('SELECT to_regclass($1)::oid::int AS oid', [planned.relation]))
      .rows[0]!.oid;
    const before = await fileNodes(oid);
    await db.query('BEGIN');
    try {
      await db.query(sql);
      const { rows } = await db.query<{ mode: LockMode }>(
        "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' AND relation = $1",
        [oid],
      );
      const strongest = rows.map((r) => r.mode).sort((a, b) => LOCK_MODES.indexOf(b) - LOCK_MODES.indexOf(a))[0];
      expect(strongest).toBe(planned.lock);
      const after = await fileNodes(oid);
      if (after.size > 0) {
        const rewritten = [...before].some(([rel, node]) => after.has(rel) && after.get(rel) !== node);
        expect(rewritten).toBe(planned.rewrite);
      }
    } finally {
      await db.query('ROLLBACK');
    }
  });
});
