/**
 * Releasing the example Django project: `deployctl release` with the `command` driver, Django
 * applying each stage's migrations in one process, real PostgreSQL. The deploy command records the columns it sees, so
 * the test proves the dropped column still existed while the new code rolled out.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config/config.js';
import { migrateCommand } from '../../src/engine/migrate/migrate.js';
import { readSnapshot } from '../../src/engine/snapshot.js';
import { connect } from '../../src/adapters/postgres/connect.js';
import type { DeployEvent } from '../../src/ports.js';
import { LedgerStore } from '../../src/adapters/ledger/store.js';
import { executeMigrations } from '../../src/engine/migrate/execute.js';
import { systemClock } from '../../src/clock.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { describeWithDjango, djangoProject, exampleCopy, manage } from './support.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('djr');
  // The previous release, applied with plain manage.py: deployctl's ledger has never seen it.
  manage(db, ['migrate', 'shop', '0001']);
  manage(db, ['migrate', 'accounts', '0001']);
  await db.sql(
    "INSERT INTO shop_product (name, price_cents, legacy_code) VALUES ('lamp', 1200, 'L-1'), ('desk', 9900, NULL)",
  );
  await db.sql("INSERT INTO accounts_customer (email) VALUES ('ada@example.com')");
});
afterEach(async () => {
  await db.drop();
});

const columns = async (table: string) =>
  (
    await db.sql<{ c: string }>(
      'SELECT column_name AS c FROM information_schema.columns WHERE table_name = $1 ORDER BY 1',
      [table],
    )
  ).map((r) => r.c);

/** Jest's limit for the test that releases twice (four Python processes each). */
const TWO_RELEASES_MS = 120_000;

describeWithDjango('django release', () => {
  it(
    'applies pre migrations with Django, rolls out while the old column still exists, then drops it and runs the post data migration',
    async () => {
      const project = await djangoProject(db);
      const r = await runCli(['release', '--artifact', 'v2', '--config', project.config], { cwd: project.root });
      expect(r.stdout).toContain('succeeded');
      expect(r.code).toBe(0);
      // The release read its source once, in one process (the plan helper in `manage.py shell`),
      // whatever the number of stages, then applied each stage's migrations in one process.
      expect(await project.manageCalls()).toEqual(['shell plan', 'shell apply', 'shell apply']);
      // At rollout time: the pre migrations had run (sku), the dropped column was still there.
      expect(await project.columnsAtRollout()).toEqual(['id', 'legacy_code', 'name', 'price_cents', 'sku']);
      expect(await columns('shop_product')).toEqual(['id', 'name', 'price_cents', 'sku']);
      expect(await db.sql('SELECT name, sku FROM shop_product ORDER BY id')).toEqual([
        { name: 'lamp', sku: 'SKU-000001' },
        { name: 'desk', sku: 'SKU-000002' },
      ]);
      expect(await db.sql('SELECT display_name FROM accounts_customer')).toEqual([{ display_name: 'ada' }]);
      expect(
        await db.sql(
          "SELECT i.indisvalid AS valid FROM pg_index i WHERE i.indexrelid = 'shop_product_name_idx'::regclass",
        ),
      ).toEqual([{ valid: true }]);
      expect(await db.sql('SELECT id, phase FROM deployctl.migration ORDER BY applied_at, id')).toEqual([
        { id: 'accounts.0002_customer_display_name', phase: 'pre' },
        { id: 'accounts.0003_backfill_display_name', phase: 'pre' },
        { id: 'accounts.0004_rename_email_to_login', phase: 'pre' },
        { id: 'shop.0002_product_sku', phase: 'pre' },
        { id: 'shop.0003_product_name_idx', phase: 'pre' },
        { id: 'shop.0004_remove_product_legacy_code', phase: 'post' },
        { id: 'shop.0005_fill_sku', phase: 'post' },
      ]);
      // Django recorded its own rows too: it sees nothing left to do.
      expect(manage(db, ['showmigrations', '--plan'])).not.toContain('[ ]');
      const again = await runCli(['release', '--artifact', 'v3', '--config', project.config], { cwd: project.root });
      expect(again.code).toBe(0);
      expect((await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM deployctl.migration'))[0]!.n).toBe(7);
    },
    TWO_RELEASES_MS,
  );

  it(
    'a migration that fails mid-stage leaves the ones before it applied and recorded; the next release continues from it',
    async () => {
      const project = await djangoProject(db);
      // A table holding the name of the index shop.0003_product_name_idx builds: CREATE INDEX fails (42P07).
      await db.sql('CREATE TABLE shop_product_name_idx (id int)');
      const failed = await runCli(['release', '--artifact', 'v2', '--config', project.config], { cwd: project.root });
      expect(failed.code).toBe(1);
      expect(failed.stderr + failed.stdout).toMatch(/shop\.0003_product_name_idx.*already exists/);
      const before = [
        'accounts.0002_customer_display_name',
        'accounts.0003_backfill_display_name',
        'accounts.0004_rename_email_to_login',
        'shop.0002_product_sku',
      ];
      expect((await db.sql<{ id: string }>('SELECT id FROM deployctl.migration ORDER BY id')).map((r) => r.id)).toEqual(
        before,
      );
      // Django's own table agrees with the ledger: the failed migration is in neither.
      expect(
        (
          await db.sql<{ id: string }>(
            "SELECT app || '.' || name AS id FROM django_migrations WHERE app IN ('shop', 'accounts') AND name <> '0001_initial' ORDER BY 1",
          )
        ).map((r) => r.id),
      ).toEqual(before);
      // The stage ran in one process, which stopped at the failure; the rollout never happened.
      expect(await project.manageCalls()).toEqual(['shell plan', 'shell apply']);
      expect(await project.columnsAtRollout()).toBeUndefined();

      // Removing the table is a schema change deployctl saw happen outside it: accepted explicitly.
      await db.sql('DROP TABLE shop_product_name_idx');
      const next = await runCli(['release', '--artifact', 'v2', '--accept-drift', '--config', project.config], {
        cwd: project.root,
      });
      expect(next.code).toBe(0);
      expect((await db.sql<{ id: string }>('SELECT id FROM deployctl.migration ORDER BY id')).map((r) => r.id)).toEqual(
        [...before, 'shop.0003_product_name_idx', 'shop.0004_remove_product_legacy_code', 'shop.0005_fill_sku'],
      );
      expect(manage(db, ['migrate', '--check'])).toBeDefined();
    },
    TWO_RELEASES_MS,
  );

  it(
    'a Django process killed mid-stage leaves the ledger and django_migrations agreeing; the next release continues',
    async () => {
      // A copy of the example whose RunPython kills its own process while a CRASH file exists.
      const manageCopy = await exampleCopy();
      const root = path.dirname(manageCopy);
      const backfill = path.join(root, 'accounts', 'migrations', '0003_backfill_display_name.py');
      await writeFile(
        backfill,
        (await readFile(backfill, 'utf8')).replace(
          'def backfill(apps, schema_editor):\n',
          [
            'def backfill(apps, schema_editor):',
            '    import os, signal',
            '    if os.path.exists(os.path.join(os.path.dirname(__file__), "..", "..", "CRASH")):',
            '        os.kill(os.getpid(), signal.SIGKILL)',
            '',
          ].join('\n'),
        ),
      );
      await writeFile(path.join(root, 'CRASH'), '');
      const project = await djangoProject(db, { manage: manageCopy });
      const crashed = await runCli(['release', '--artifact', 'v2', '--config', project.config], { cwd: project.root });
      expect(crashed.code).toBe(1);
      expect(crashed.stderr + crashed.stdout).toMatch(
        /the Django process applying migrations .* stopped: it was ended by a signal/,
      );
      const applied = async () => ({
        ledger: (await db.sql<{ id: string }>('SELECT id FROM deployctl.migration ORDER BY id')).map((r) => r.id),
        django: (
          await db.sql<{ id: string }>(
            "SELECT app || '.' || name AS id FROM django_migrations WHERE app IN ('shop', 'accounts') AND name <> '0001_initial' ORDER BY 1",
          )
        ).map((r) => r.id),
      });
      // The migration before the crash is applied and recorded in both; the killed one in neither.
      expect(await applied()).toEqual({
        ledger: ['accounts.0002_customer_display_name'],
        django: ['accounts.0002_customer_display_name'],
      });
      expect(await db.sql('SELECT display_name FROM accounts_customer')).toEqual([{ display_name: null }]);

      await rm(path.join(root, 'CRASH'));
      const next = await runCli(['release', '--artifact', 'v2', '--config', project.config], { cwd: project.root });
      expect(next.code).toBe(0);
      const all = [
        'accounts.0002_customer_display_name',
        'accounts.0003_backfill_display_name',
        'accounts.0004_rename_email_to_login',
        'shop.0002_product_sku',
        'shop.0003_product_name_idx',
        'shop.0004_remove_product_legacy_code',
        'shop.0005_fill_sku',
      ];
      expect(await applied()).toEqual({ ledger: all, django: all });
      expect(await db.sql('SELECT display_name FROM accounts_customer')).toEqual([{ display_name: 'ada' }]);
      expect(manage(db, ['migrate', '--check'], 'mysite.settings', manageCopy)).toBeDefined();
    },
    TWO_RELEASES_MS,
  );

  it('retries a migration whose lock Django could not get within lock_timeout (LockNotAvailable), then applies it', async () => {
    const project = await djangoProject(db, { lockTimeoutMs: 100 });
    const config = await loadConfig({ file: project.config });
    // An open transaction that read shop_product: ADD COLUMN waits for it, lock_timeout ends the wait.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT count(*) FROM shop_product');
    const events: DeployEvent[] = [];
    try {
      const result = await migrateCommand(
        config,
        { phase: 'pre' },
        {
          clock: systemClock,
          emit: (e) => {
            events.push(e);
            if (e.type === 'migration:retry' && e.id === 'shop.0002_product_sku') void blocker.query('COMMIT');
          },
        },
      );
      const sku = result.applied.find((a) => a.id === 'shop.0002_product_sku');
      expect(sku?.attempts).toBeGreaterThanOrEqual(2);
    } finally {
      await blocker.end();
    }
    const retry = events.find((e) => e.type === 'migration:retry');
    expect(retry).toMatchObject({
      id: 'shop.0002_product_sku',
      error: expect.stringMatching(/Django could not apply shop\.0002_product_sku: OperationalError: .*lock timeout/),
      reason: 'lock-timeout',
    });
    // Django's connection waited behind the open transaction, and the retry ran in the same process.
    expect(retry && retry.type === 'migration:retry' && retry.blockers.length).toBeGreaterThan(0);
    expect(await project.manageCalls()).toEqual(['shell plan', 'shell apply']);
    expect(await columns('shop_product')).toContain('sku');
  });

  it('records without re-running a migration Django applied after the plan was made (a run that died before recording it)', async () => {
    const project = await djangoProject(db);
    const config = await loadConfig({ file: project.config });
    const conn = await connect(db.url);
    try {
      const { plan, appliers } = await readSnapshot(config, conn);
      const sku = plan.migrations.filter((m) => m.migration.id === 'shop.0002_product_sku');
      manage(db, ['migrate', 'shop', '0002']);
      const events: DeployEvent[] = [];
      await new LedgerStore(conn, 'deployctl').upgrade();
      const applied = await executeMigrations(
        sku,
        { lockTimeoutMs: 1000, statementTimeoutMs: 0, retry: config.retry, releaseId: null, schema: 'deployctl' },
        { url: db.url, clock: systemClock, emit: (e) => events.push(e), appliers },
      );
      expect(applied.map((a) => a.id)).toEqual(['shop.0002_product_sku']);
      expect(events).toContainEqual({
        type: 'info',
        message: expect.stringMatching(/django_migrations already records it/),
      });
      expect(
        await db.sql(
          "SELECT count(*)::int AS n FROM django_migrations WHERE app = 'shop' AND name = '0002_product_sku'",
        ),
      ).toEqual([{ n: 1 }]);
      expect(await db.sql('SELECT id FROM deployctl.migration')).toEqual([{ id: 'shop.0002_product_sku' }]);
    } finally {
      await conn.end();
    }
  });
});
