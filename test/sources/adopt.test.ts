/** `deployctl adopt`: the checks before anything is recorded, --through, other tools' ledgers, the CLI. */
import path from 'node:path';
import { systemClock } from '../../src/clock.js';
import { adoptCommand } from '../../src/engine/adopt.js';
import { loadConfig } from '../../src/config/config.js';
import { runCli } from '../support/cli.js';
import { shownPath } from '../../src/adapters/sources/tools/files.js';
import { createTestDatabase, migrationsDir, type TestDatabase } from '../support/db.js';
import { APPLIED_SCHEMA, fixtureProject, TOOL_FIXTURES } from './support.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('adopt');
});
afterEach(async () => {
  await db.drop();
});

const clock = { clock: systemClock };
const golang = TOOL_FIXTURES.find((x) => x.tool === 'golang-migrate')!;

const sqlConfig = (dir: string) => loadConfig({ env: {}, overrides: { databaseUrl: db.url, dirs: [dir] } });

describe('adopt verifies the catalog first', () => {
  it('refuses when an object an adopted file creates is missing, naming file:line; --force records anyway', async () => {
    const { root, config } = await fixtureProject(golang, db);
    await db.sql(APPLIED_SCHEMA);
    await db.sql('DROP INDEX orders_user_id_idx');
    await golang.seedLedger(db, root);
    const cfg = await config();
    const refused = adoptCommand(cfg, { from: 'golang-migrate' }, clock);
    await expect(refused).rejects.toMatchObject({
      code: 'ADOPT_UNVERIFIED',
      file: shownPath(process.cwd(), path.join(root, 'migrations/000002_create_orders.up.sql')),
      line: 7,
    });
    await expect(refused).rejects.toThrow(/index public\.orders_user_id_idx does not exist/);
    expect(await db.sql("SELECT to_regclass('deployctl.migration') AS t")).toEqual([{ t: null }]);
    const forced = await adoptCommand(cfg, { from: 'golang-migrate', force: true }, clock);
    expect(forced.missing.map((o) => o.name)).toEqual(['public.orders_user_id_idx']);
    expect(await db.sql('SELECT count(*)::int AS n FROM deployctl.migration')).toEqual([{ n: 2 }]);
  });

  it('refuses when a later file is partly applied (its column exists although the tool never recorded it)', async () => {
    const { root, config } = await fixtureProject(golang, db);
    await db.sql(APPLIED_SCHEMA);
    await db.sql('ALTER TABLE users ADD COLUMN email text');
    await golang.seedLedger(db, root);
    await expect(adoptCommand(await config(), { from: 'golang-migrate' }, clock)).rejects.toThrow(
      /000003_add_user_email\.up\.sql:1: column public\.users\.email already exists/,
    );
  });

  it('refuses while golang-migrate marks its version dirty', async () => {
    const { config } = await fixtureProject(golang, db);
    await db.sql(APPLIED_SCHEMA);
    await db.sql('CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)');
    await db.sql('INSERT INTO schema_migrations VALUES (2, true)');
    await expect(adoptCommand(await config(), { from: 'golang-migrate' }, clock)).rejects.toThrow(/dirty/);
  });

  it('tracks drops and renames: an object a later adopted file removed is not expected', async () => {
    const dir = await migrationsDir({
      '0001_tmp.sql': 'CREATE TABLE tmp (id int, a int);\nCREATE INDEX tmp_a ON tmp (a);\nCREATE TABLE t (x int);',
      '0002_rename.sql': 'ALTER TABLE t RENAME COLUMN x TO y;\nALTER TABLE t RENAME TO t2;\nDROP TABLE tmp;',
    });
    await db.sql('CREATE TABLE t2 (y int)');
    const result = await adoptCommand(await sqlConfig(dir), { through: '0002_rename' }, clock);
    expect(result.missing).toEqual([]);
    expect(result.adopted.map((a) => a.id)).toEqual(['0001_tmp', '0002_rename']);
  });
});

describe('adopt --through and other tools’ ledgers', () => {
  it('--through <id> records the files up to it on a database with no ledger', async () => {
    const dir = await migrationsDir({
      '0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);',
      '0002_email.sql': 'ALTER TABLE users ADD COLUMN email text;',
      '0003_name.sql': 'ALTER TABLE users ADD COLUMN name text;',
    });
    await db.sql('CREATE TABLE users (id bigint PRIMARY KEY, email text)');
    const result = await adoptCommand(await sqlConfig(dir), { through: '0002_email' }, clock);
    expect(result.adopted.map((a) => a.id)).toEqual(['0001_users', '0002_email']);
    await expect(adoptCommand(await sqlConfig(dir), { through: '0009_nope' }, clock)).rejects.toMatchObject({
      code: 'USAGE',
    });
  });

  it('--from flyway matches flyway_schema_history scripts (and a baseline) to a SQL folder', async () => {
    const dir = await migrationsDir({
      'V1__users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);',
      'V2__email.sql': 'ALTER TABLE users ADD COLUMN email text;',
      'V3__name.sql': 'ALTER TABLE users ADD COLUMN name text;',
    });
    await db.sql('CREATE TABLE users (id bigint PRIMARY KEY, email text)');
    await db.sql(`CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL,
      type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum int, installed_by varchar(100) NOT NULL,
      installed_on timestamp NOT NULL DEFAULT now(), execution_time int NOT NULL, success boolean NOT NULL)`);
    await db.sql(`INSERT INTO flyway_schema_history VALUES
      (1, '1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'ci', now(), 0, true),
      (2, '2', 'email', 'SQL', 'V2__email.sql', 12345, 'ci', now(), 5, true)`);
    const result = await adoptCommand(await sqlConfig(dir), { from: 'flyway' }, clock);
    expect(result.adopted.map((a) => a.id)).toEqual(['V1__users', 'V2__email']);
    expect(result.basis).toBe('flyway_schema_history');
  });

  it('--from knex matches knex_migrations names without their extension', async () => {
    const dir = await migrationsDir({
      '20240101_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);',
      '20240102_email.sql': 'ALTER TABLE users ADD COLUMN email text;',
    });
    await db.sql('CREATE TABLE users (id bigint PRIMARY KEY)');
    await db.sql(
      'CREATE TABLE knex_migrations (id serial PRIMARY KEY, name varchar(255), batch int, migration_time timestamptz)',
    );
    await db.sql("INSERT INTO knex_migrations (name, batch, migration_time) VALUES ('20240101_users.js', 1, now())");
    const result = await adoptCommand(await sqlConfig(dir), { from: 'knex' }, clock);
    expect(result.adopted.map((a) => a.id)).toEqual(['20240101_users']);
  });
});

describe('deployctl adopt (CLI)', () => {
  it('--dry-run shows what would be recorded; the real run records it; a second run changes nothing', async () => {
    const { root } = await fixtureProject(golang, db);
    await db.sql(APPLIED_SCHEMA);
    await golang.seedLedger(db, root);
    const adopt = (...extra: string[]) =>
      runCli(['adopt', '--from', 'golang-migrate', '--database-url', db.url, ...extra], { cwd: root });
    const dry = await adopt('--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("would record 2 migration(s) of app 'shop' as applied (from schema_migrations)");
    expect(await db.sql("SELECT to_regclass('deployctl.migration') AS t")).toEqual([{ t: null }]);
    const real = await adopt('--json');
    expect(real.code).toBe(0);
    expect(JSON.parse(real.stdout).adopted.map((a: { id: string }) => a.id)).toEqual([
      '000001_create_users',
      '000002_create_orders',
    ]);
    const second = await adopt();
    expect(second.stdout).toContain("nothing to record for app 'shop'");
    const usage = await runCli(['adopt', '--database-url', db.url], { cwd: root });
    expect(usage.code).toBe(2);
  });
});
