/**
 * The plan helper on the example project, through the runner (one manage.py shell): its document
 * passes validation and says what Django's own commands say, on a database where part of the
 * history is applied and a table has rows.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DjangoRunner } from '../../src/adapters/sources/django/runner.js';
import type { PlannedMigration } from '../../src/adapters/sources/django/output.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { describeWithDjango, djangoPython, exampleCopy, manage, MANAGE } from './support.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('djh');
});
afterEach(async () => {
  await db.drop();
});

const runner = (settings: string) =>
  new DjangoRunner({ manage: MANAGE, python: djangoPython(), settings, databaseUrl: db.url });

describeWithDjango('django plan helper', () => {
  it("lists every migration in migrate's order, and for the pending ones each operation with its .py line and SQL", async () => {
    manage(db, ['migrate', 'blog', '0002_post_slug'], 'mysite.settings_fresh');
    await db.sql(
      "INSERT INTO auth_user (password, last_login, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined) VALUES ('', now(), false, 'ada', '', '', '', false, true, now())",
    );
    await db.sql(
      "INSERT INTO blog_post (title, created_at, author_id, slug) SELECT 'p' || g, now(), 1, NULL FROM generate_series(1, 50) g",
    );
    const doc = await runner('mysite.settings_fresh').plan();
    expect(doc).toMatchObject({ format: 1, vendor: 'postgresql', conflicts: [] });
    const byKey = new Map(doc.migrations.map((m) => [`${m.app}.${m.name}`, m]));
    // The same migrations, in the same order, as showmigrations --plan.
    const shown = manage(db, ['showmigrations', '--plan'], 'mysite.settings_fresh')
      .split('\n')
      .filter((l) => l.startsWith('['))
      .map((l) => [l.slice(5).trim(), l.startsWith('[X]')]);
    expect(doc.migrations.map((m) => [`${m.app}.${m.name}`, m.applied])).toEqual(shown);
    const blog = (name: string): PlannedMigration => byKey.get(`blog.${name}`)!;
    expect(blog('0002_post_slug')).toMatchObject({ applied: true });
    expect(blog('0002_post_slug').operations).toBeUndefined();
    expect(blog('0002_post_summary')).toMatchObject({
      applied: false,
      file: path.resolve('examples/django/blog/migrations/0002_post_summary.py'),
      operations: [{ type: 'AddField', line: 9, sql: ['ALTER TABLE "blog_post" ADD COLUMN "summary" text NULL;'] }],
    });
    expect(blog('0003_merge')).toMatchObject({
      dependencies: ['blog.0002_post_slug', 'blog.0002_post_summary'],
      operations: [],
    });
    expect(blog('0004_placeholder').operations).toEqual([]);
    // The default goes in with the column and comes out in the same migration (Django's way).
    expect(blog('0005_post_is_public').operations).toEqual([
      expect.objectContaining({
        type: 'AddField',
        line: 8,
        sql: [
          'ALTER TABLE "blog_post" ADD COLUMN "is_public" boolean DEFAULT false NOT NULL;',
          'ALTER TABLE "blog_post" ALTER COLUMN "is_public" DROP DEFAULT;',
        ],
      }),
    ]);
    expect(blog('0006_post_slug_idx')).toMatchObject({
      atomic: false,
      operations: [
        {
          type: 'AddIndexConcurrently',
          line: 10,
          sql: ['CREATE INDEX CONCURRENTLY "blog_post_slug_idx" ON "blog_post" ("slug");'],
        },
      ],
    });
    expect(blog('0007_fill_slugs').operations).toEqual([
      { type: 'RunPython', line: 15, description: 'Raw Python operation', sql: null },
    ]);
    expect(blog('0008_rename_title_to_headline').operations).toEqual([
      expect.objectContaining({ type: 'SeparateDatabaseAndState', line: 9, sql: [] }),
    ]);
    // Nothing was written: the rows are as they were, the pending migrations still pending.
    expect(await db.sql('SELECT count(*)::int AS n FROM blog_post WHERE slug IS NULL')).toEqual([{ n: 50 }]);
    expect(await db.sql("SELECT to_regclass('blog_post_slug_idx') AS i")).toEqual([{ i: null }]);
  });

  it('carries the state from one pending migration to the next: a fresh database gets the SQL migrate would run', async () => {
    const doc = await runner('mysite.settings_fresh').plan();
    expect(doc.migrations.every((m) => !m.applied)).toBe(true);
    const sql = (key: string) =>
      doc.migrations.find((m) => `${m.app}.${m.name}` === key)!.operations!.flatMap((o) => o.sql ?? []);
    // The table does not exist yet; its SQL comes from the state the earlier migrations of the plan built.
    expect(sql('auth.0008_alter_user_username_max_length')).toEqual([
      'ALTER TABLE "auth_user" ALTER COLUMN "username" TYPE varchar(150);',
    ]);
    // Deferred statements (foreign keys, indexes of new tables) go to the operation that deferred them.
    expect(sql('blog.0001_initial')).toEqual([
      expect.stringMatching(/^CREATE TABLE "blog_post"/),
      expect.stringMatching(
        /^ALTER TABLE "blog_post" ADD CONSTRAINT .* FOREIGN KEY \("author_id"\) REFERENCES "auth_user"/,
      ),
      expect.stringMatching(/^CREATE INDEX "blog_post_author_id_\w+" ON "blog_post" \("author_id"\);$/),
    ]);
    expect(doc.migrations.find((m) => m.name === '0006_require_contenttypes_0002')).toMatchObject({
      app: 'auth',
      operations: [],
    });
  });

  it('reports a concurrent index build in an atomic migration as the error Django raises when it runs it', async () => {
    const manageCopy = await exampleCopy();
    const file = path.join(path.dirname(manageCopy), 'shop', 'migrations', '0003_product_name_idx.py');
    await writeFile(file, (await readFile(file, 'utf8')).replace('    atomic = False', '    atomic = True'));
    manage(db, ['migrate', 'shop', '0002'], 'mysite.settings', manageCopy);
    const doc = await new DjangoRunner({
      manage: manageCopy,
      python: djangoPython(),
      settings: 'mysite.settings',
      databaseUrl: db.url,
    }).plan();
    const index = doc.migrations.find((m) => m.name === '0003_product_name_idx')!;
    expect(index.atomic).toBe(true);
    expect(index.operations).toEqual([
      expect.objectContaining({
        type: 'AddIndexConcurrently',
        sql: null,
        error: expect.stringMatching(
          /^NotSupportedError: The AddIndexConcurrently operation cannot be executed inside a transaction/,
        ),
      }),
    ]);
    // The migrations after it still get their SQL.
    expect(doc.migrations.find((m) => m.name === '0004_remove_product_legacy_code')!.operations![0]!.sql).toEqual([
      expect.stringMatching(/DROP COLUMN "legacy_code"/),
    ]);
  });

  it("reports conflicting leaves from Django's graph", async () => {
    const doc = await runner('mysite.settings_conflict').plan();
    expect(doc.conflicts).toEqual([{ app: 'billing', leaves: ['0002_invoice_due_date', '0002_invoice_paid_at'] }]);
  });

  it('fails naming the command and the exception when the project cannot load', async () => {
    await expect(runner('mysite.no_such_settings').plan()).rejects.toThrow(
      /manage\.py shell \(reading the migration plan\)' failed: ModuleNotFoundError: No module named 'mysite\.no_such_settings'/,
    );
  });
});
