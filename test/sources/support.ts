/**
 * The tool-layout fixtures (test/fixtures/tools/<tool>/) and a database where that tool applied
 * the first migrations: the schema they build, and the tool's own ledger rows for them, written
 * as the tool's documentation specifies (not with deployctl's code).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config/config.js';
import { testTmp, type TestDatabase } from '../support/db.js';

export const FIXTURES = path.resolve('test/fixtures/tools');

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** What the already-applied migrations of every fixture build (the same schema in each layout). */
export const APPLIED_SCHEMA = `
  CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL, legacy text);
  CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL, total numeric NOT NULL);
  CREATE INDEX orders_user_id_idx ON orders (user_id);`;

export interface ToolFixture {
  tool: 'prisma' | 'drizzle' | 'golang-migrate' | 'dbmate' | 'node-pg-migrate';
  /** The migrations folder inside the fixture project. */
  dir: string;
  /** Migration ids in order; the first `applied` were applied by the tool before deployctl. */
  ids: string[];
  applied: number;
  /** The tool's ledger after it applied the first `applied` migrations. */
  seedLedger(db: TestDatabase, root: string): Promise<void>;
  /** The tool's ledger rows, in a stable order, as compared row by row. */
  readLedger(db: TestDatabase): Promise<Record<string, unknown>[]>;
  /** The rows the tool itself would hold after applying every migration. */
  expectedLedger(root: string): Record<string, unknown>[];
}

const prismaFile = (root: string, id: string) => path.join(root, 'prisma/migrations', id, 'migration.sql');
const drizzleJournal = (root: string) =>
  JSON.parse(readFileSync(path.join(root, 'drizzle/meta/_journal.json'), 'utf8')) as {
    entries: { tag: string; when: number }[];
  };

export const TOOL_FIXTURES: ToolFixture[] = [
  {
    tool: 'prisma',
    dir: 'prisma/migrations',
    ids: [
      '20240101000000_init',
      '20240102000000_orders',
      '20240103000000_orders_user_index',
      '20240201000000_user_email',
      '20240202000000_drop_user_legacy',
    ],
    applied: 3,
    async seedLedger(db, root) {
      await db.sql(`CREATE TABLE "_prisma_migrations" (
        "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
        "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
        "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
      for (const id of this.ids.slice(0, this.applied))
        await db.sql(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES (gen_random_uuid()::text, $1, now(), $2, now(), 1)`,
          [sha256(prismaFile(root, id)), id],
        );
    },
    readLedger: (db) =>
      db.sql(`SELECT migration_name, checksum, finished_at >= started_at AS finished, rolled_back_at, logs,
                     applied_steps_count, id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' AS uuid_v4
                FROM "_prisma_migrations" ORDER BY migration_name`),
    expectedLedger(root) {
      return this.ids.map((id) => ({
        migration_name: id,
        checksum: sha256(prismaFile(root, id)),
        finished: true,
        rolled_back_at: null,
        logs: null,
        applied_steps_count: 1,
        uuid_v4: true,
      }));
    },
  },
  {
    tool: 'drizzle',
    dir: 'drizzle',
    ids: ['0000_init_users', '0001_orders', '0002_user_email', '0003_drop_user_legacy'],
    applied: 2,
    async seedLedger(db, root) {
      await db.sql('CREATE SCHEMA IF NOT EXISTS "drizzle"');
      await db.sql(
        'CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)',
      );
      for (const e of drizzleJournal(root).entries.slice(0, this.applied))
        await db.sql('INSERT INTO "drizzle"."__drizzle_migrations" (hash, created_at) VALUES ($1, $2)', [
          sha256(path.join(root, 'drizzle', `${e.tag}.sql`)),
          e.when,
        ]);
    },
    readLedger: (db) =>
      db.sql('SELECT hash, created_at::text AS created_at FROM drizzle.__drizzle_migrations ORDER BY id'),
    expectedLedger: (root) =>
      drizzleJournal(root).entries.map((e) => ({
        hash: sha256(path.join(root, 'drizzle', `${e.tag}.sql`)),
        created_at: String(e.when),
      })),
  },
  {
    tool: 'golang-migrate',
    dir: 'migrations',
    ids: ['000001_create_users', '000002_create_orders', '000003_add_user_email', '000004_drop_user_legacy'],
    applied: 2,
    async seedLedger(db) {
      await db.sql('CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)');
      await db.sql('INSERT INTO schema_migrations (version, dirty) VALUES (2, false)');
    },
    readLedger: (db) => db.sql('SELECT version::text AS version, dirty FROM schema_migrations'),
    expectedLedger: () => [{ version: '4', dirty: false }],
  },
  {
    tool: 'dbmate',
    dir: 'db/migrations',
    ids: [
      '20240101000000_create_users',
      '20240102000000_create_orders',
      '20240201000000_add_user_email',
      '20240202000000_index_user_email',
      '20240203000000_drop_user_legacy',
    ],
    applied: 2,
    async seedLedger(db) {
      await db.sql('CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY)');
      await db.sql("INSERT INTO schema_migrations (version) VALUES ('20240101000000'), ('20240102000000')");
    },
    readLedger: (db) => db.sql('SELECT version FROM schema_migrations ORDER BY version'),
    expectedLedger() {
      return this.ids.map((id) => ({ version: id.slice(0, 14) }));
    },
  },
  {
    tool: 'node-pg-migrate',
    dir: 'migrations',
    ids: [
      '1704067200000_create-users',
      '1704153600000_create-orders',
      '1706745600000_add-user-email',
      '1706832000000_drop-user-legacy',
    ],
    applied: 2,
    async seedLedger(db) {
      await db.sql(
        'CREATE TABLE pgmigrations (id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)',
      );
      for (const name of this.ids.slice(0, this.applied))
        await db.sql('INSERT INTO pgmigrations (name, run_on) VALUES ($1, NOW())', [name]);
    },
    readLedger: (db) => db.sql('SELECT name, run_on IS NOT NULL AS ran FROM pgmigrations ORDER BY id'),
    expectedLedger() {
      return this.ids.map((name) => ({ name, ran: true }));
    },
  },
];

/** A copy of the fixture project (so a test may add files) and a deployctl.yaml naming its source. */
export async function fixtureProject(
  f: ToolFixture,
  db: TestDatabase,
  extra = '',
): Promise<{ root: string; config: () => Promise<Config> }> {
  const root = await mkdtemp(path.join(testTmp(), `deployctl-${f.tool}-`));
  await cp(path.join(FIXTURES, f.tool), root, { recursive: true });
  const file = path.join(root, 'deployctl.yaml');
  await writeFile(file, `migrations:\n  - app: shop\n    type: ${f.tool}\n    dir: ${f.dir}\n${extra}`);
  return {
    root,
    config: () => loadConfig({ file, cwd: root, env: {}, overrides: { databaseUrl: db.url } }),
  };
}
