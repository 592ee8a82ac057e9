/**
 * What Django emits for a field with a Python default and for removing a required field, on a
 * table the old code uses (examples/django `pricing`, mysite.settings_defaults): the plan blocks
 * both with the fix in Django's terms, and the split it suggests for the default — taken from the
 * message itself — plans the DROP DEFAULT after the rollout and releases. Built CLI, real Django,
 * real PostgreSQL.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { describeWithDjango, djangoProject, exampleCopy, manage } from './support.js';

const SETTINGS = 'mysite.settings_defaults';

interface PlanJson {
  ok: boolean;
  migrations: {
    id: string;
    phase: string;
    statements: { sql: string; phase: string; rules: { id: string }[] }[];
  }[];
  stages: { pre: string[]; post: string[]; blocked: string[] };
  problems: { kind: string; id?: string; message: string }[];
}

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('djdef');
});
afterEach(async () => {
  await db.drop();
});

async function planOf(manageFile?: string): Promise<PlanJson> {
  const project = await djangoProject(db, { settings: SETTINGS, ...(manageFile ? { manage: manageFile } : {}) });
  const r = await runCli(['plan', '--json', '--config', project.config]);
  return JSON.parse(r.stdout) as PlanJson;
}

describeWithDjango('django: field defaults and required fields on an existing table', () => {
  it('blocks AddField with a default (DROP DEFAULT after ADD COLUMN) and RemoveField of a NOT NULL field, in Django terms', async () => {
    manage(db, ['migrate', 'pricing', '0001'], SETTINGS);
    const plan = await planOf();
    expect(plan.ok).toBe(false);
    const currency = plan.migrations.find((m) => m.id === 'pricing.0002_plan_currency')!;
    expect(currency.phase).toBe('mixed');
    expect(currency.statements.map((s) => [s.phase, s.rules.map((r) => r.id)])).toEqual([
      ['pre', ['add-column']],
      ['post', ['alter-column-default']],
    ]);
    expect(currency.statements[0]!.sql).toMatch(/ADD COLUMN "currency" varchar\(3\) DEFAULT 'EUR' NOT NULL/);
    expect(currency.statements[1]!.sql).toMatch(/ALTER COLUMN "currency" DROP DEFAULT/);
    const problems = new Map(plan.problems.map((p) => [p.id, p]));
    const mixed = problems.get('pricing.0002_plan_currency')!;
    expect(mixed.kind).toBe('mixed');
    expect(mixed.message).toContain('AddField of a NOT NULL field with a default on an existing table');
    // This project runs Django 3.2: db_default is named as what Django 5 offers, the split as what works now.
    expect(mixed.message).toMatch(/Django 5 or later can keep the default in the database instead \(db_default=/);
    expect(mixed.message).toContain('this project runs Django 3.');
    expect(mixed.message).toContain('SeparateDatabaseAndState(state_operations=[migrations.AddField(...)]');
    expect(problems.get('pricing.0003_remove_plan_legacy_code')).toMatchObject({
      kind: 'unsafe',
      message: expect.stringContaining(
        'RemoveField of a NOT NULL field: make it nullable (null=True) in an earlier release',
      ),
    });
    expect(plan.stages.blocked).toEqual(['web/pricing.0002_plan_currency', 'web/pricing.0003_remove_plan_legacy_code']);
  });

  it('the split the message suggests plans ADD COLUMN before the rollout and DROP DEFAULT after it, and releases', async () => {
    manage(db, ['migrate', 'pricing', '0001'], SETTINGS);
    const message = (await planOf()).problems.find((p) => p.id === 'pricing.0002_plan_currency')!.message;
    const [addSql, dropSql] = [...message.matchAll(/RunSQL\("""(.*?)"""\)/g)].map((m) => m[1]!);
    expect(addSql).toMatch(/ADD COLUMN/);
    expect(dropSql).toMatch(/DROP DEFAULT/);

    // A copy of the example with pricing's 0002 written that way and without the RemoveField.
    const manageCopy = await exampleCopy();
    const root = path.dirname(manageCopy);
    const migrations = path.join(root, 'pricing', 'migrations');
    await rm(path.join(migrations, '0003_remove_plan_legacy_code.py'));
    await writeFile(
      path.join(root, 'pricing', 'models.py'),
      [
        'from django.db import models',
        '',
        '',
        'class Plan(models.Model):',
        '    name = models.CharField(max_length=100)',
        '    legacy_code = models.CharField(max_length=20)',
        '    currency = models.CharField(max_length=3, default="EUR")',
        '',
      ].join('\n'),
    );
    await writeFile(
      path.join(migrations, '0002_plan_currency.py'),
      [
        'from django.db import migrations, models',
        '',
        '',
        'class Migration(migrations.Migration):',
        '    dependencies = [("pricing", "0001_initial")]',
        '    operations = [',
        '        migrations.SeparateDatabaseAndState(',
        '            state_operations=[',
        '                migrations.AddField(model_name="plan", name="currency", field=models.CharField(max_length=3, default="EUR")),',
        '            ],',
        `            database_operations=[migrations.RunSQL("""${addSql}""")],`,
        '        ),',
        '    ]',
        '',
      ].join('\n'),
    );
    await writeFile(
      path.join(migrations, '0003_plan_currency_drop_default.py'),
      [
        'from django.db import migrations',
        '',
        '',
        'class Migration(migrations.Migration):',
        '    dependencies = [("pricing", "0002_plan_currency")]',
        `    operations = [migrations.RunSQL("""${dropSql}""")]`,
        '',
      ].join('\n'),
    );
    const plan = await planOf(manageCopy);
    expect(plan.problems).toEqual([]);
    expect(plan.stages).toEqual({
      pre: ['web/pricing.0002_plan_currency'],
      post: ['web/pricing.0003_plan_currency_drop_default'],
      blocked: [],
    });

    const project = await djangoProject(db, {
      settings: SETTINGS,
      manage: manageCopy,
      healthSql: 'select count(*) >= 0 from pricing_plan',
    });
    const r = await runCli(['release', '--artifact', 'v2', '--config', project.config], { cwd: project.root });
    expect(r.code).toBe(0);
    expect(
      await db.sql(
        "SELECT column_default AS d FROM information_schema.columns WHERE table_name = 'pricing_plan' AND column_name = 'currency'",
      ),
    ).toEqual([{ d: null }]);
    expect(await db.sql('SELECT id, phase FROM deployctl.migration ORDER BY id')).toEqual([
      { id: 'pricing.0002_plan_currency', phase: 'pre' },
      { id: 'pricing.0003_plan_currency_drop_default', phase: 'post' },
    ]);
    // Django's state has the field with its default: models and migrations agree.
    expect(manage(db, ['makemigrations', '--check', '--dry-run'], SETTINGS, manageCopy)).toContain(
      'No changes detected',
    );
  });
});
