/**
 * A whole site on a new database: Django's contrib apps (admin, auth, contenttypes, sessions,
 * messages, sites, flatpages, redirects) and the example's own apps, whose histories have a merge,
 * empty migrations, RunPython, a field with a default, AddIndexConcurrently and
 * SeparateDatabaseAndState. Built CLI, real Django, real PostgreSQL.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { describeWithDjango, djangoProject, djangoPython, manage, MANAGE } from './support.js';

const SETTINGS = 'mysite.settings_fresh';
/** Jest's limit for a test that releases every migration (over 40 of them, in one Django process). */
const RELEASE_ALL_MS = 120_000;

interface PlanJson {
  ok: boolean;
  migrations: {
    id: string;
    phase: string;
    forcedPhase?: { phase: string; reason: string };
    statements: {
      line: number;
      sql: string;
      phase: string;
      relation: string | null;
      rules: { id: string; allowed?: string }[];
    }[];
  }[];
  stages: { pre: string[]; post: string[]; blocked: string[] };
  problems: { kind: string; id?: string; line?: number; message: string }[];
}

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('djf');
});
afterEach(async () => {
  await db.drop();
});

/** Every migration Django knows for the fresh-install settings, in its order. */
const djangoMigrations = (): string[] =>
  manage(db, ['showmigrations', '--plan'], SETTINGS)
    .split('\n')
    .filter((l) => l.startsWith('['))
    .map((l) => l.slice(5).trim());

/** The exit status of a manage.py command that answers with it (`migrate --check`: 0 when nothing is unapplied). */
function status(args: string[]): number | null {
  return spawnSync(djangoPython(), [MANAGE, ...args], {
    cwd: path.dirname(MANAGE),
    env: { ...process.env, DATABASE_URL: db.url, DJANGO_SETTINGS_MODULE: SETTINGS },
  }).status;
}

describeWithDjango('django fresh install', () => {
  it('plans in one Python process, with every migration, the empty ones as no-ops, and findings at the .py line of their operation', async () => {
    const project = await djangoProject(db, { settings: SETTINGS });
    const r = await runCli(['plan', '--json', '--config', project.config]);
    expect(await project.manageCalls()).toEqual(['shell plan']);
    const json = JSON.parse(r.stdout) as PlanJson;
    const all = djangoMigrations();
    expect(all.length).toBeGreaterThan(40);
    expect(json.migrations.map((m) => m.id)).toEqual(all);
    const byId = new Map(json.migrations.map((m) => [m.id, m]));
    for (const empty of ['auth.0006_require_contenttypes_0002', 'blog.0003_merge', 'blog.0004_placeholder']) {
      expect(byId.get(empty)).toMatchObject({ phase: 'pre', statements: [] });
      expect(json.stages.pre).toContain(`web/${empty}`);
    }
    // Both statements of the slug field (its index and the pattern index) name the AddField's line.
    expect(byId.get('blog.0002_post_slug')!.statements.map((s) => s.line)).toEqual([8, 8, 8]);
    // Every statement of the unique domain (constraint, pattern index) names the AlterField's line.
    expect([...new Set(byId.get('sites.0002_alter_domain_unique')!.statements.map((s) => s.line))]).toEqual([12]);
    // Every table is created by the same release: nothing is blocked or deferred on a new database.
    expect(json.problems).toEqual([]);
    expect(json.stages.blocked).toEqual([]);
    expect(await db.sql("SELECT to_regclass('django_migrations') AS t")).toEqual([{ t: null }]);
  });

  it(
    'releases in one go without any decision in deployctl.yaml; Django then has nothing left to do',
    async () => {
      const project = await djangoProject(db, { settings: SETTINGS });
      const r = await runCli(['release', '--artifact', 'v1', '--config', project.config], { cwd: project.root });
      expect(r.stdout).toContain('succeeded');
      expect(r.code).toBe(0);
      const all = djangoMigrations();
      // One process read the plan; one applied the pre stage (every migration but one), one the
      // post stage (shop.0005_fill_sku, a data migration the file itself puts after the rollout).
      expect(await project.manageCalls()).toEqual(['shell plan', 'shell apply', 'shell apply']);
      expect(
        (await db.sql<{ id: string }>("SELECT id FROM deployctl.migration WHERE phase = 'post'")).map((r) => r.id),
      ).toEqual(['shop.0005_fill_sku']);
      expect(manage(db, ['showmigrations', '--plan'], SETTINGS)).not.toContain('[ ]');
      expect(status(['migrate', '--check'])).toBe(0);
      expect(status(['makemigrations', '--check', '--dry-run'])).toBe(0);
      // The stage ended as `migrate` ends: post_migrate created the content types and permissions.
      expect(
        await db.sql(
          "SELECT count(*)::int AS n FROM auth_permission p JOIN django_content_type t ON t.id = p.content_type_id WHERE t.app_label = 'shop' AND t.model = 'product'",
        ),
      ).toEqual([{ n: 4 }]);
      // The empty migrations are recorded by Django itself and by the ledger.
      expect(
        await db.sql(
          "SELECT app || '.' || name AS id FROM django_migrations WHERE (app, name) IN (('auth', '0006_require_contenttypes_0002'), ('blog', '0003_merge'), ('blog', '0004_placeholder')) ORDER BY 1",
        ),
      ).toEqual([
        { id: 'auth.0006_require_contenttypes_0002' },
        { id: 'blog.0003_merge' },
        { id: 'blog.0004_placeholder' },
      ]);
      expect((await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM deployctl.migration'))[0]!.n).toBe(
        all.length,
      );
      expect(
        await db.sql("SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'blog_post_slug_idx'::regclass"),
      ).toEqual([{ valid: true }]);
    },
    RELEASE_ALL_MS,
  );
});
