/**
 * Prisma, Drizzle, golang-migrate, dbmate and node-pg-migrate projects on real PostgreSQL: a
 * database the tool migrated part-way is adopted, then released with the new migrations, and the
 * tool's own ledger is compared row by row with what the tool itself would have written.
 */
import { readFile, writeFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { systemClock } from '../../src/clock.js';
import { adoptCommand } from '../../src/engine/adopt.js';
import { migrateCommand } from '../../src/engine/migrate/migrate.js';
import { readSnapshot } from '../../src/engine/snapshot.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { shownPath } from '../../src/adapters/sources/tools/files.js';
import { APPLIED_SCHEMA, FIXTURES, fixtureProject, sha256, TOOL_FIXTURES } from './support.js';
import { detectPrisma } from '../../src/adapters/sources/tools/prisma.js';
import { detectDrizzle } from '../../src/adapters/sources/tools/drizzle.js';
import { detectGolangMigrate } from '../../src/adapters/sources/tools/golang-migrate.js';
import { detectDbmate } from '../../src/adapters/sources/tools/dbmate.js';
import { detectNodePgMigrate } from '../../src/adapters/sources/tools/node-pg-migrate.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('tool');
});
afterEach(async () => {
  await db.drop();
});

const deps = { clock: systemClock, emit: () => undefined };

describe.each(TOOL_FIXTURES)('$tool project', (f) => {
  it('is adopted from its own ledger, then released with the new migrations; its ledger matches what the tool writes', async () => {
    const { root, config } = await fixtureProject(f, db);
    await db.sql(APPLIED_SCHEMA);
    await f.seedLedger(db, root);
    const cfg = await config();

    // Before adopting, every file looks pending.
    expect((await readSnapshot(cfg)).plan.migrations.map((m) => m.migration.id)).toEqual(f.ids);

    const dry = await adoptCommand(cfg, { from: f.tool, dryRun: true }, { clock: systemClock });
    expect(dry.adopted.map((a) => a.id)).toEqual(f.ids.slice(0, f.applied));
    expect(await db.sql("SELECT to_regclass('deployctl.migration') AS t")).toEqual([{ t: null }]);

    const adopted = await adoptCommand(cfg, { from: f.tool }, { clock: systemClock });
    expect(adopted.missing).toEqual([]);
    expect(adopted.partial).toEqual([]);
    expect(adopted.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const rows = await db.sql<{ id: string; phase: string; checksum: string }>(
      'SELECT id, phase, checksum FROM deployctl.migration ORDER BY id',
    );
    expect(rows).toEqual(
      adopted.adopted.map((a) => ({ id: a.id, phase: 'baseline', checksum: sha256(path.resolve(root, a.file)) })),
    );
    expect(await db.sql('SELECT reason, hash FROM deployctl.schema_fingerprint')).toEqual([
      { reason: 'accepted', hash: adopted.fingerprint },
    ]);

    // Idempotent: a second run records nothing.
    const again = await adoptCommand(cfg, { from: f.tool }, { clock: systemClock });
    expect(again.adopted).toEqual([]);
    expect(again.alreadyRecorded).toEqual(f.ids.slice(0, f.applied));
    expect(await db.sql('SELECT count(*)::int AS n FROM deployctl.schema_fingerprint')).toEqual([{ n: 1 }]);

    // The next plan shows only what is really pending; then the release runs it.
    const pending = f.ids.slice(f.applied);
    const pre = await migrateCommand(cfg, { phase: 'pre' }, deps);
    const post = await migrateCommand(cfg, { phase: 'post' }, deps);
    expect([...pre.selected, ...post.selected]).toEqual(pending.map((id) => `shop/${id}`));
    expect(post.selected).toEqual([`shop/${f.ids.at(-1)}`]);

    expect(await f.readLedger(db)).toEqual(f.expectedLedger(root));
    expect(
      await db.sql("SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1"),
    ).toEqual([{ column_name: 'email' }, { column_name: 'id' }, { column_name: 'name' }]);
    expect(
      await db.sql('SELECT id, phase FROM deployctl.migration WHERE phase <> $1 ORDER BY id', ['baseline']),
    ).toEqual(pending.map((id) => ({ id, phase: id === f.ids.at(-1) ? 'post' : 'pre' })));
  });

  // Prisma writes CREATE INDEX into its own migration: on a fresh database the table it indexes is
  // created earlier in the same release, so the blocking build is harmless there.
  it('applies every migration on an empty database and writes the tool ledger from scratch', async () => {
    const { root, config } = await fixtureProject(f, db);
    const cfg = await config();
    await migrateCommand(cfg, { phase: 'pre' }, deps);
    await migrateCommand(cfg, { phase: 'post' }, deps);
    expect(await f.readLedger(db)).toEqual(f.expectedLedger(root));
  });
});

describe('a migration that fails', () => {
  it('leaves neither deployctl’s row nor the tool’s row behind', async () => {
    const f = TOOL_FIXTURES.find((x) => x.tool === 'prisma')!;
    const { root, config } = await fixtureProject(f, db);
    await db.sql(APPLIED_SCHEMA);
    await f.seedLedger(db, root);
    const bad = path.join(root, 'prisma/migrations/20240301000000_bad');
    await mkdir(bad);
    await writeFile(path.join(bad, 'migration.sql'), 'ALTER TABLE "users" ADD COLUMN "nickname" TEXT;\nSELECT 1/0;\n');
    const cfg = await config();
    await adoptCommand(cfg, { from: 'prisma' }, { clock: systemClock });
    await expect(migrateCommand(cfg, { phase: 'pre' }, deps)).rejects.toMatchObject({ code: 'MIGRATION_FAILED' });
    const names = await db.sql<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations"');
    expect(names.map((n) => n.migration_name)).not.toContain('20240301000000_bad');
    expect(await db.sql("SELECT count(*)::int AS n FROM deployctl.migration WHERE id = '20240301000000_bad'")).toEqual([
      { n: 0 },
    ]);
    expect(
      await db.sql("SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name = 'nickname'"),
    ).toEqual([{ n: 0 }]);
  });
});

describe('golang-migrate outside a transaction', () => {
  it('marks the version dirty while it runs, leaves it dirty when it fails, and never moves the version back', async () => {
    const f = TOOL_FIXTURES.find((x) => x.tool === 'golang-migrate')!;
    // 000004 is a post migration that runs after 000005 (a pre one), in a later `migrate` run.
    const { root, config } = await fixtureProject(f, db, 'allowOutOfOrder: true\n');
    const file = path.join(root, 'migrations/000005_index_user_name.up.sql');
    await writeFile(file, 'CREATE INDEX CONCURRENTLY users_name_idx ON users (no_such_column);\n');
    const cfg = await config();
    await expect(migrateCommand(cfg, { phase: 'pre' }, deps)).rejects.toMatchObject({ code: 'MIGRATION_FAILED' });
    expect(await f.readLedger(db)).toEqual([{ version: '5', dirty: true }]);
    expect(await db.sql("SELECT count(*)::int AS n FROM deployctl.migration WHERE id LIKE '000005%'")).toEqual([
      { n: 0 },
    ]);

    await writeFile(file, 'CREATE INDEX CONCURRENTLY users_name_idx ON users (name);\n');
    await migrateCommand(await config(), { phase: 'pre' }, deps);
    expect(await f.readLedger(db)).toEqual([{ version: '5', dirty: false }]);
    // 000004 (a post migration) runs after 000005: golang-migrate's version stays 5.
    await migrateCommand(await config(), { phase: 'post' }, deps);
    expect(await f.readLedger(db)).toEqual([{ version: '5', dirty: false }]);
  });
});

describe('reading the layouts', () => {
  it('each layout is detected in its own fixture project and in no other', async () => {
    const detectors = {
      prisma: detectPrisma,
      drizzle: detectDrizzle,
      'golang-migrate': detectGolangMigrate,
      dbmate: detectDbmate,
      'node-pg-migrate': detectNodePgMigrate,
    };
    for (const f of TOOL_FIXTURES) {
      const root = path.join(FIXTURES, f.tool);
      const found = await Promise.all(
        Object.entries(detectors).map(async ([tool, detect]) => [tool, await detect(root)] as const),
      );
      expect(found.filter(([, dir]) => dir !== undefined)).toEqual([[f.tool, path.join(root, f.dir)]]);
    }
  });

  it('prisma: refuses migrations written for another provider, naming migration_lock.toml:line', async () => {
    const f = TOOL_FIXTURES.find((x) => x.tool === 'prisma')!;
    const { root, config } = await fixtureProject(f, db);
    const lock = path.join(root, 'prisma/migrations/migration_lock.toml');
    await writeFile(lock, (await readFile(lock, 'utf8')).replace('"postgresql"', '"mysql"'));
    await expect(readSnapshot(await config())).rejects.toMatchObject({
      code: 'SOURCE_INVALID',
      file: shownPath(process.cwd(), lock),
      line: 3,
    });
  });

  it('dbmate: the up section keeps the file’s line numbers, transaction:false runs outside a transaction, down is kept', async () => {
    const f = TOOL_FIXTURES.find((x) => x.tool === 'dbmate')!;
    const { config } = await fixtureProject(f, db);
    const { plan, sources } = await readSnapshot(await config());
    const index = plan.migrations.find((m) => m.migration.id === '20240202000000_index_user_email')!;
    expect(index.transactional).toBe(false);
    expect(index.directives.noTransaction).toEqual({ reason: 'dbmate transaction:false', line: 1 });
    expect(index.statements.map((s) => [s.parsed.line, s.parsed.sql])).toEqual([
      [2, 'create index concurrently if not exists users_email_idx on users (email)'],
    ]);
    const users = sources[0]!.files[0]!;
    expect(users.down).toEqual({ sql: 'drop table users;\n', firstLine: 9 });
    expect(users.up).not.toContain('drop table');
  });

  it('prisma: reads a migration created without a name (`<timestamp>_`) and skips files beside the folders', async () => {
    const f = TOOL_FIXTURES.find((x) => x.tool === 'prisma')!;
    const { root, config } = await fixtureProject(f, db);
    await mkdir(path.join(root, 'prisma/migrations/20240301000000_'));
    await writeFile(path.join(root, 'prisma/migrations/20240301000000_/migration.sql'), 'SELECT 1;\n');
    await writeFile(path.join(root, 'prisma/migrations/README.md'), '# notes\n');
    const { sources } = await readSnapshot(await config());
    expect(sources[0]!.files.map((m) => m.id)).toEqual([...f.ids, '20240301000000_']);
  });

  it('node-pg-migrate: refuses a JavaScript migration in the folder', async () => {
    const f = TOOL_FIXTURES.find((x) => x.tool === 'node-pg-migrate')!;
    const { root, config } = await fixtureProject(f, db);
    await writeFile(path.join(root, 'migrations/1707000000000_seed.js'), 'exports.up = (pgm) => {};\n');
    await expect(readSnapshot(await config())).rejects.toMatchObject({ code: 'SOURCE_INVALID' });
  });

  it('drizzle: a file missing from the journal is an error; the ledger table is configurable', async () => {
    const f = TOOL_FIXTURES.find((x) => x.tool === 'drizzle')!;
    const { root, config } = await fixtureProject(
      f,
      db,
      '    migrationsSchema: app_meta\n    migrationsTable: drizzle_log\n',
    );
    const cfg = await config();
    // On a new database the whole history is one release: the DROP of a column it creates is not a contract step.
    await migrateCommand(cfg, { phase: 'pre' }, deps);
    expect(await db.sql('SELECT count(*)::int AS n FROM app_meta.drizzle_log')).toEqual([{ n: 4 }]);
    expect(await db.sql("SELECT to_regclass('drizzle.__drizzle_migrations') AS t")).toEqual([{ t: null }]);
    await writeFile(path.join(root, 'drizzle/0004_stray.sql'), 'SELECT 1;\n');
    await expect(readSnapshot(cfg)).rejects.toMatchObject({
      code: 'SOURCE_INVALID',
      file: shownPath(process.cwd(), path.join(root, 'drizzle/0004_stray.sql')),
    });
    await rm(path.join(root, 'drizzle/0004_stray.sql'));
  });
});
