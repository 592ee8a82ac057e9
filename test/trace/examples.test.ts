/**
 * Proves the classifier against PostgreSQL itself: every rule example (each `fires` and each
 * `silent` snippet) runs through trace — on a scratch database, statement by statement, with the
 * locks read from pg_locks and rewrites from relfilenode — on the run's server (PostgreSQL 15 in
 * CI) and on an embedded PostgreSQL 18 started here. Any statement whose observed lock mode or
 * rewrite differs from the plan's prediction fails the test, as does one that fails to run.
 * The objects an example references are created first (fixture-setup.ts).
 */
import pg from 'pg';
import { readCatalog } from '../../src/adapters/postgres/catalog.js';
import { classifyMigration } from '../../src/core/classify/classify.js';
import { systemClock } from '../../src/clock.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/adapters/postgres/embedded.js';
import { RULES, UNRECOGNIZED } from '../../src/core/rules/index.js';
import type { Example } from '../../src/core/rules/rule.js';
import { loadParser } from '../../src/core/sql/parse.js';
import { migrationFromText } from '../../src/core/migration.js';
import { createScratch } from '../../src/adapters/postgres/scratch.js';
import { traceMigrations } from '../../src/engine/trace/trace.js';
import { serverUrl } from '../support/db.js';
import { FIXTURE_ROLES, fixtureSetup } from './fixture-setup.js';

/** Examples that cannot run on a scratch database, and why. Each must name an existing example. */
const NOT_TRACEABLE: Record<string, string> = {
  'ALTER TABLE events SET TABLESPACE archive': 'a tablespace needs a directory on the database host',
  'ALTER TABLE IF EXISTS ONLY "Log"."Events" SET TABLESPACE "Fast", SET (fillfactor = 90)':
    'a tablespace needs a directory on the database host',
  'ALTER TABLE users ADD COLUMN n int DEFAULT (SELECT max(id) FROM users)':
    'PostgreSQL rejects a subquery in DEFAULT; the example checks the classifier reads it as volatile',
  'ALTER SEQUENCE IF EXISTS "Billing".seq OWNED BY invoices.id':
    'PostgreSQL rejects a sequence owned by a table in another schema; the example checks the parse only',
  'CREATE ROLE app': 'roles are server-wide and this test creates app for the examples that grant to it',
  'DO $$ BEGIN PERFORM backfill(); END $$': 'calls a function from a PL/pgSQL body, which the fixture does not read',
  'ALTER TABLE measurements DETACH PARTITION measurements_2023 FINALIZE':
    'FINALIZE needs a concurrent detach interrupted half-way, which a scratch database cannot stage',
  "DO LANGUAGE plperl 'spi_exec_query(q{DELETE FROM t})'": 'the test servers have no plperl language',
};

/** Syntax newer than some servers: traced only where the server accepts it. */
const MIN_SERVER_VERSION: Record<string, number> = {
  'ALTER TABLE users ADD CONSTRAINT email_nn NOT NULL email': 180000,
};

/** Server build options an example needs: traced only where the probe returns true. */
const NEEDS_BUILD: Record<string, string> = {
  'ALTER TABLE users ALTER COLUMN bio SET STORAGE EXTERNAL, ALTER COLUMN bio SET COMPRESSION lz4':
    "SELECT 'lz4' = ANY (enumvals) AS ok FROM pg_settings WHERE name = 'default_toast_compression'",
};

interface Case {
  rule: string;
  kind: 'fires' | 'silent';
  sql: string;
  minVersion: number;
}

const CASES: Case[] = [...RULES, UNRECOGNIZED]
  .flatMap((rule) =>
    (['fires', 'silent'] as const).flatMap((kind) =>
      rule.examples[kind].map((e: Example) => {
        const sql = typeof e === 'string' ? e : e.sql;
        // An example written for a newer server than the one running it (VIRTUAL columns: 18) is traced only there.
        const declared = typeof e === 'string' ? 0 : (e.serverVersion ?? 0);
        return {
          rule: rule.id,
          kind,
          sql,
          minVersion: Math.max(MIN_SERVER_VERSION[sql] ?? 0, declared > 170000 ? declared : 0),
        };
      }),
    ),
  )
  .filter((c) => !(c.sql in NOT_TRACEABLE));

it('lists only existing examples as not traceable', () => {
  const all = new Set(
    [...RULES, UNRECOGNIZED].flatMap((r) =>
      [...r.examples.fires, ...r.examples.silent].map((e) => (typeof e === 'string' ? e : e.sql)),
    ),
  );
  for (const sql of [...Object.keys(NOT_TRACEABLE), ...Object.keys(MIN_SERVER_VERSION), ...Object.keys(NEEDS_BUILD)])
    expect(all).toContain(sql);
});

interface Server {
  url: string;
  version: number;
  stop(): Promise<void>;
}

const SERVERS: [string, () => Promise<Server>][] = [
  ['the CI server', async () => ({ url: serverUrl(), version: 0, stop: async () => undefined })],
  [
    'embedded PostgreSQL 18',
    async () => {
      const embedded: EmbeddedServer = await startEmbeddedPostgres();
      return { url: embedded.url, version: 0, stop: () => embedded.stop() };
    },
  ],
];

describe.each(SERVERS)('every rule example on %s', (_label, start) => {
  let server: Server;
  let admin: pg.Client;
  const createdRoles: string[] = [];

  beforeAll(async () => {
    await loadParser();
    server = await start();
    admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    server.version = Number((await admin.query('SHOW server_version_num')).rows[0].server_version_num);
    for (const role of FIXTURE_ROLES) {
      const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      if (exists.rowCount) continue;
      await admin.query(`CREATE ROLE ${role} NOLOGIN`);
      createdRoles.push(role);
    }
  }, 180_000);

  afterAll(async () => {
    for (const role of createdRoles) await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await admin?.end();
    await server?.stop();
  }, 60_000);

  it.each(CASES.map((c) => [`${c.rule} ${c.kind}: ${c.sql}`, c] as const))('%s', async (_name, c) => {
    if (server.version < c.minVersion) return;
    const probe = NEEDS_BUILD[c.sql];
    if (probe && !(await admin.query(probe)).rows[0]?.ok) return;
    const scratch = await createScratch(admin, server.url, 'trace');
    try {
      const db = new pg.Client({ connectionString: scratch.url });
      await db.connect();
      let catalog;
      try {
        for (const statement of await fixtureSetup(c.sql, db)) await db.query(statement);
        catalog = await readCatalog(db);
      } finally {
        await db.end();
      }
      const migration = classifyMigration(migrationFromText('test', '0001_example', '0001', 'example.sql', c.sql), {
        catalog,
      });
      const result = await traceMigrations(scratch.url, [migration], { clock: systemClock });
      const problems = result.migrations
        .flatMap((m) => m.statements)
        .filter((s) => s.error !== undefined || s.disagreements.length > 0)
        .map((s) => `${s.sql}: ${s.error ?? s.disagreements.join('; ')}`);
      expect(problems).toEqual([]);
    } finally {
      await scratch.drop();
    }
  });
});
