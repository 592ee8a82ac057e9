/**
 * Least privilege: a role without CREATE on the database runs deployctl once an admin gave it its
 * own ledger schema; without that, the error names the missing privilege and the grant.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runCli } from '../support/cli.js';
import { createTestDatabase, migrationsDir, serverUrl, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let role: string;
let roleUrl: string;

beforeEach(async () => {
  db = await createTestDatabase('priv');
  role = `deployctl_role_${randomBytes(4).toString('hex')}`;
  await db.sql(`CREATE ROLE ${role} LOGIN PASSWORD 'limited-pw'`);
  // Its own schema for the app's tables; nothing on the database itself (no CREATE).
  await db.sql(`CREATE SCHEMA app AUTHORIZATION ${role}`);
  await db.sql(`REVOKE CREATE ON DATABASE ${db.name} FROM PUBLIC`);
  const u = new URL(db.url);
  u.username = role;
  u.password = 'limited-pw';
  roleUrl = u.toString();
});

afterEach(async () => {
  await db.drop();
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
  } finally {
    await admin.end();
  }
});

describe('a role without CREATE on the database', () => {
  it('is told which privilege is missing and how an admin grants the ledger schema, and nothing is applied', async () => {
    const dir = await migrationsDir({ '0001_t.sql': 'CREATE TABLE app.t (id bigint PRIMARY KEY);\n' });
    const r = await runCli(['migrate', '--phase', 'pre', '--dir', dir, '--database-url', roleUrl]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the database role ${role} lacks CREATE on database ${db.name}`);
    expect(r.stderr).toContain(`CREATE SCHEMA "deployctl" AUTHORIZATION "${role}"`);
    expect(r.stderr).not.toContain('internal error');
    expect(r.stderr).not.toContain('limited-pw');
    expect(await db.sql("SELECT to_regclass('app.t') IS NULL AS missing")).toEqual([{ missing: true }]);
  });

  it('runs once an admin created the ledger schema for it', async () => {
    await db.sql(`CREATE SCHEMA deployctl AUTHORIZATION ${role}`);
    const dir = await migrationsDir({ '0001_t.sql': 'CREATE TABLE app.t (id bigint PRIMARY KEY);\n' });
    const r = await runCli(['migrate', '--phase', 'pre', '--dir', dir, '--database-url', roleUrl]);
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(0);
    expect(await db.sql('SELECT id FROM deployctl.migration')).toEqual([{ id: '0001_t' }]);
    // A second run finds everything in place and creates nothing.
    expect((await runCli(['migrate', '--phase', 'pre', '--dir', dir, '--database-url', roleUrl])).code).toBe(0);
  });
});
