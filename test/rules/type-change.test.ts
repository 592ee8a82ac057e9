/**
 * ALTER COLUMN … TYPE judged by the catalog, checked against PostgreSQL itself: for each change
 * the classification (rewrite or not, which indexes are rebuilt) is compared with the relfilenode
 * of the table and of its index before and after running it, on the run's server (PostgreSQL 15)
 * and on an embedded PostgreSQL 18.
 */
import pg from 'pg';
import { readCatalog } from '../../src/adapters/postgres/catalog.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/adapters/postgres/embedded.js';
import { createScratch } from '../../src/adapters/postgres/scratch.js';
import { classifyMigration } from '../../src/core/classify/classify.js';
import { migrationFromText } from '../../src/core/migration.js';
import { loadParser } from '../../src/core/sql/parse.js';
import { serverUrl } from '../support/db.js';

interface Case {
  from: string;
  to: string;
  timeZone?: string;
  /** What PostgreSQL does, and so what the plan must say. */
  rewrite: boolean;
  indexRebuilt: boolean;
}

const CASES: Case[] = [
  { from: 'varchar(20)', to: 'text', rewrite: false, indexRebuilt: false },
  { from: 'varchar(20)', to: 'varchar(30)', rewrite: false, indexRebuilt: false },
  { from: 'text', to: 'varchar', rewrite: false, indexRebuilt: false },
  { from: 'cidr', to: 'inet', rewrite: false, indexRebuilt: false },
  { from: 'numeric(10,2)', to: 'numeric(12,2)', rewrite: false, indexRebuilt: false },
  { from: 'timestamp(3)', to: 'timestamp(6)', rewrite: false, indexRebuilt: false },
  { from: 'time(2)', to: 'time', rewrite: false, indexRebuilt: false },
  { from: 'varbit(5)', to: 'varbit(10)', rewrite: false, indexRebuilt: false },
  { from: 'bit(5)', to: 'varbit', rewrite: false, indexRebuilt: true },
  { from: 'timestamp', to: 'timestamptz', timeZone: 'UTC', rewrite: false, indexRebuilt: true },
  { from: 'timestamp', to: 'timestamptz', timeZone: 'Europe/Paris', rewrite: true, indexRebuilt: true },
  { from: 'integer', to: 'bigint', rewrite: true, indexRebuilt: true },
  { from: 'varchar(20)', to: 'char(30)', rewrite: true, indexRebuilt: true },
  { from: 'text', to: 'varchar(10)', rewrite: true, indexRebuilt: true },
  { from: 'numeric(10,2)', to: 'numeric(12,3)', rewrite: true, indexRebuilt: true },
];

const SERVERS: [string, () => Promise<{ url: string; stop(): Promise<void> }>][] = [
  ['the CI server', async () => ({ url: serverUrl(), stop: async () => undefined })],
  [
    'embedded PostgreSQL 18',
    async () => {
      const embedded: EmbeddedServer = await startEmbeddedPostgres();
      return { url: embedded.url, stop: () => embedded.stop() };
    },
  ],
];

describe.each(SERVERS)('type changes on %s', (_label, start) => {
  let server: { url: string; stop(): Promise<void> };
  let admin: pg.Client;

  beforeAll(async () => {
    await loadParser();
    server = await start();
    admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
  }, 180_000);

  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  }, 60_000);

  it.each(CASES.map((c) => [`${c.from} → ${c.to}${c.timeZone ? ` (TimeZone ${c.timeZone})` : ''}`, c] as const))(
    '%s',
    async (_name, c) => {
      const scratch = await createScratch(admin, server.url, 'trace');
      const db = new pg.Client({ connectionString: scratch.url });
      await db.connect();
      try {
        if (c.timeZone) await db.query(`SET TimeZone = '${c.timeZone}'`);
        await db.query(`CREATE TABLE x (id int, c ${c.from}); CREATE INDEX x_c ON x (c)`);
        await db.query('INSERT INTO x (id) SELECT generate_series(1, 2000)');
        const catalog = await readCatalog(db);
        // Over one page: the plan does not downgrade the lock as held on an empty table.
        expect(catalog.tables['public.x']!.bytes).toBeGreaterThan(8192);
        const sql = `ALTER TABLE x ALTER COLUMN c TYPE ${c.to}`;
        const plan = classifyMigration(migrationFromText('t', '0001', '0001', 'x.sql', sql), { catalog });
        const finding = plan.statements[0]!.findings.find((f) => f.rule === 'alter-column-type')!;

        const files = async () =>
          (
            await db.query<{ t: string; i: string }>(
              "SELECT (SELECT relfilenode FROM pg_class WHERE relname = 'x')::text AS t, (SELECT relfilenode FROM pg_class WHERE relname = 'x_c')::text AS i",
            )
          ).rows[0]!;
        const before = await files();
        await db.query(sql);
        const after = await files();
        const observed = { rewrite: before.t !== after.t, indexRebuilt: before.i !== after.i };
        expect(observed).toEqual({ rewrite: c.rewrite, indexRebuilt: c.indexRebuilt });

        expect(finding.rewrite === true).toBe(c.rewrite);
        if (!c.rewrite) expect(finding.message.includes('x_c (')).toBe(c.indexRebuilt);
        expect(finding.phase).toBe(c.rewrite || c.indexRebuilt ? 'unsafe' : 'pre');
      } finally {
        await db.end();
        await scratch.drop();
      }
    },
  );

  it('re-checks a CHECK constraint naming the column even when the type change needs no rewrite', async () => {
    const scratch = await createScratch(admin, server.url, 'trace');
    const db = new pg.Client({ connectionString: scratch.url });
    await db.connect();
    try {
      await db.query("CREATE TABLE x (c varchar(20) CHECK (c <> ''))");
      const catalog = await readCatalog(db);
      const plan = classifyMigration(
        migrationFromText('t', '0001', '0001', 'x.sql', 'ALTER TABLE x ALTER COLUMN c TYPE text'),
        { catalog: { ...catalog, tables: { 'public.x': { ...catalog.tables['public.x']!, bytes: 1e9 } } } },
      );
      expect(plan.statements[0]!.findings[0]).toMatchObject({ phase: 'unsafe', scan: true });
      expect(plan.statements[0]!.rewrite).toBe(false);
      expect(plan.statements[0]!.findings[0]!.message).toContain('re-checks the CHECK constraint');
    } finally {
      await db.end();
      await scratch.drop();
    }
  });
});

it('judges a second type change by the type the first one set', () => {
  const plan = classifyMigration(
    migrationFromText(
      't',
      '0001',
      '0001',
      'x.sql',
      'ALTER TABLE x ALTER COLUMN c TYPE text;\nALTER TABLE x ALTER COLUMN c TYPE varchar(12);\nALTER TABLE x ALTER COLUMN c TYPE varchar(40);',
    ),
    {
      catalog: {
        serverVersion: 150000,
        binaryCasts: ['varchar>text', 'text>varchar'],
        tables: {
          'public.x': {
            schema: 'public',
            name: 'x',
            rowEstimate: 1e6,
            bytes: 1e8,
            notNullChecks: [],
            columns: { c: { type: 'character varying(20)', notNull: false } },
          },
        },
      },
    },
  );
  expect(plan.statements.map((s) => s.phase)).toEqual(['pre', 'unsafe', 'pre']);
  expect(plan.statements[1]!.findings[0]!.message).toContain('text → varchar(12)');
});
