/** `deployctl plan` / `check` / `migrate` on the example Django project: built CLI, real Django, real PostgreSQL. */
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { describeWithDjango, djangoProject, manage } from './support.js';

interface PlanJson {
  ok: boolean;
  migrations: {
    id: string;
    file: string;
    phase: string;
    transactional: boolean;
    notes?: string[];
    statements: { sql: string; phase: string; rules: { id: string }[] }[];
  }[];
  stages: { pre: string[]; post: string[]; blocked: string[] };
  problems: { kind: string; id?: string; file?: string; message: string }[];
}

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('dj');
});
afterEach(async () => {
  await db.drop();
});

async function plan(settings?: string): Promise<{ code: number | null; json: PlanJson; stderr: string }> {
  const project = await djangoProject(db, { settings });
  const r = await runCli(['plan', '--json', '--config', project.config]);
  return { code: r.code, json: JSON.parse(r.stdout) as PlanJson, stderr: r.stderr };
}

describeWithDjango('django plan', () => {
  it('stages the example: additions and the data migration before the rollout, the dropped column after it', async () => {
    // What the previous release applied, with plain manage.py (deployctl's ledger has never seen it).
    manage(db, ['migrate', 'shop', '0001']);
    manage(db, ['migrate', 'accounts', '0001']);
    await db.sql("INSERT INTO shop_product (name, price_cents, legacy_code) VALUES ('lamp', 1200, 'L-1')");
    const { code, json } = await plan();
    expect(code).toBe(0);
    expect(json.ok).toBe(true);
    expect(json.stages).toEqual({
      pre: [
        'web/accounts.0002_customer_display_name',
        'web/accounts.0003_backfill_display_name',
        'web/accounts.0004_rename_email_to_login',
        'web/shop.0002_product_sku',
        'web/shop.0003_product_name_idx',
      ],
      post: ['web/shop.0004_remove_product_legacy_code', 'web/shop.0005_fill_sku'],
      blocked: [],
    });
    const byId = new Map(json.migrations.map((m) => [m.id, m]));
    const drop = byId.get('shop.0004_remove_product_legacy_code')!;
    expect(drop.file).toBe('examples/django/shop/migrations/0004_remove_product_legacy_code.py');
    expect(drop.statements.find((s) => s.phase === 'post')).toMatchObject({
      sql: 'ALTER TABLE "shop_product" DROP COLUMN "legacy_code" CASCADE',
      rules: [{ id: 'drop-column' }],
    });
    const index = byId.get('shop.0003_product_name_idx')!;
    expect(index.transactional).toBe(false);
    expect(index.statements.map((s) => s.rules.map((r) => r.id))).toEqual([['create-index-concurrently']]);
    expect(byId.get('accounts.0003_backfill_display_name')!.notes).toEqual([
      expect.stringMatching(
        /0003_backfill_display_name\.py:\d+: RunPython: deployctl cannot see inside it.*runs before the rollout.*# deployctl:phase post <reason>/,
      ),
    ]);
    expect(byId.get('shop.0005_fill_sku')).toMatchObject({
      phase: 'post',
      notes: [expect.stringMatching(/runs after the rollout, as the file's deployctl:phase says/)],
    });
  });

  it('blocks a plain AddIndex, a RenameField, a mixed migration and a pre migration that depends on a post one, saying how to fix each in Django', async () => {
    manage(db, ['migrate', 'reviews', '0001'], 'mysite.settings_problems');
    manage(db, ['migrate', 'loyalty', '0001'], 'mysite.settings_problems');
    // A table with rows: a blocking index build on it takes real time.
    await db.sql(
      "INSERT INTO reviews_review (body, rating, created_at) SELECT 'ok', 5, now() FROM generate_series(1, 2000)",
    );
    const { code, json } = await plan('mysite.settings_problems');
    expect(code).toBe(1);
    expect(json.ok).toBe(false);
    const problem = (id: string) => json.problems.filter((p) => p.id === id).map((p) => `${p.kind}: ${p.message}`);
    expect(problem('reviews.0002_review_created_idx')).toEqual([
      expect.stringMatching(
        /^unsafe: .*0002_review_created_idx\.py:\d+: create-index-blocking: .*AddIndexConcurrently.*atomic = False/,
      ),
    ]);
    expect(problem('reviews.0003_rename_body_to_text')).toEqual([
      expect.stringMatching(/^unsafe: .*rename-column: .*SeparateDatabaseAndState.*db_column/),
    ]);
    // RemoveField of a NOT NULL field without a default: the new code's INSERTs omit it until the drop runs.
    expect(problem('reviews.0004_review_score')).toEqual([
      expect.stringMatching(
        /^unsafe: .*0004_review_score\.py:\d+: drop-required-column: reviews_review\.rating is NOT NULL/,
      ),
    ]);
    expect(problem('loyalty.0003_member_points')).toEqual([
      expect.stringMatching(
        /^out-of-order: .*loyalty\.0003_member_points runs before the rollout \(pre\), but it depends on loyalty\.0002_remove_member_tier.*Django applies a migration's dependencies first/,
      ),
    ]);
    expect(json.stages.post).toEqual(['web/loyalty.0002_remove_member_tier']);
    expect(json.stages.blocked).toEqual(
      expect.arrayContaining(['web/loyalty.0003_member_points', 'web/reviews.0004_review_score']),
    );
  });

  it('reports conflicting leaf migrations as a conflict that blocks plan, check and migrate', async () => {
    const { code, json } = await plan('mysite.settings_conflict');
    expect(code).toBe(1);
    const conflicts = json.problems.filter((p) => p.kind === 'conflict');
    expect(conflicts).toEqual([
      expect.objectContaining({
        id: 'billing.0002_invoice_due_date',
        message: expect.stringMatching(
          /Django app 'billing' has 2 leaf migrations \(.*0002_invoice_due_date\.py, .*0002_invoice_paid_at\.py\).*makemigrations --merge billing/,
        ),
      }),
    ]);
    const project = await djangoProject(db, { settings: 'mysite.settings_conflict' });
    const check = await runCli(['check', '--json', '--config', project.config]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/"kind":\s*"conflict"/);
    const migrate = await runCli(['migrate', '--phase', 'pre', '--config', project.config]);
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toMatch(/leaf migrations/);
    expect(await db.sql("SELECT to_regclass('billing_invoice') AS t")).toEqual([{ t: null }]);
  });
});
