/** Reading the plan helper's document, manage.py failures and Django migration directives: the edge cases. */
import { directiveHeader } from '../../src/adapters/sources/django/directives.js';
import { failureSummary, parsePlanDocument } from '../../src/adapters/sources/django/output.js';
import { toMigrationFile } from '../../src/adapters/sources/django/read.js';
import { classifyMigration } from '../../src/core/classify/classify.js';
import { loadParser } from '../../src/core/sql/parse.js';

beforeAll(() => loadParser());

const helperDocument = {
  format: 1,
  django: '3.2.25',
  vendor: 'postgresql',
  conflicts: [],
  migrations: [
    {
      app: 'shop',
      name: '0001_initial',
      file: '/srv/app/shop/migrations/0001_initial.py',
      applied: true,
      dependencies: [],
      atomic: true,
      replaces: [],
    },
    {
      app: 'shop',
      name: '0002_product_sku',
      file: '/srv/app/shop/migrations/0002_product_sku.py',
      applied: false,
      dependencies: ['shop.0001_initial'],
      atomic: true,
      replaces: [],
      operations: [
        {
          type: 'AddField',
          line: 9,
          description: 'Add field sku to product',
          sql: ['ALTER TABLE "shop_product" ADD COLUMN "sku" varchar(64) NULL;'],
        },
        { type: 'RunPython', line: 12, description: 'Raw Python operation', sql: null },
      ],
    },
  ],
};

describe('the plan helper document', () => {
  it('is read from the last line of the output, whatever the settings printed before it', () => {
    const doc = parsePlanDocument(`loading settings...\n${JSON.stringify(helperDocument)}\n`);
    expect(doc.migrations.map((m) => [`${m.app}.${m.name}`, m.applied])).toEqual([
      ['shop.0001_initial', true],
      ['shop.0002_product_sku', false],
    ]);
    expect(doc.migrations[1]!.operations![1]).toEqual({
      type: 'RunPython',
      line: 12,
      description: 'Raw Python operation',
      sql: null,
    });
  });

  it('is refused at the first field that is not what the helper writes, named by its path', () => {
    const broken = structuredClone(helperDocument) as typeof helperDocument & { migrations: Record<string, unknown>[] };
    (broken.migrations[1]!.operations as Record<string, unknown>[])[0]!.sql = 'ALTER TABLE x';
    expect(() => parsePlanDocument(JSON.stringify(broken))).toThrow(
      /^migrations\[1\]\.operations\[0\]\.sql: expected an array$/,
    );
    const pending = structuredClone(helperDocument) as typeof helperDocument & {
      migrations: Record<string, unknown>[];
    };
    delete pending.migrations[1]!.operations;
    expect(() => parsePlanDocument(JSON.stringify(pending))).toThrow(
      /migrations\[1\]\.operations: missing for a pending/,
    );
    expect(() => parsePlanDocument(JSON.stringify({ ...helperDocument, vendor: 'sqlite' }))).toThrow(
      /vendor: the project's default database is sqlite, not PostgreSQL/,
    );
    expect(() => parsePlanDocument(JSON.stringify({ ...helperDocument, format: 2 }))).toThrow(/^format: expected 1/);
    expect(() => parsePlanDocument('Traceback (most recent call last):\n  ...')).toThrow(/last line is not JSON/);
    const twice = { ...helperDocument, migrations: [helperDocument.migrations[0], helperDocument.migrations[0]] };
    expect(() => parsePlanDocument(JSON.stringify(twice))).toThrow(/shop\.0001_initial is listed twice/);
  });
});

describe('a pending migration as the classifier reads it', () => {
  const py = '# deployctl:lock-timeout 5000\nfrom django.db import migrations\n';
  const planned = parsePlanDocument(JSON.stringify(helperDocument)).migrations[1]!;

  it("is the directives, then each operation's SQL, every line pointing back at the .py line of its operation", () => {
    const f = toMigrationFile('web', planned, 'shop/migrations/0002_product_sku.py', py);
    expect(f.up).toBe('-- deployctl:lock-timeout 5000\nALTER TABLE "shop_product" ADD COLUMN "sku" varchar(64) NULL;');
    expect(f.sourceLines).toEqual([1, 9]);
    expect(f.notes).toEqual([
      expect.stringMatching(
        /^shop\/migrations\/0002_product_sku\.py:12: RunPython: deployctl cannot see inside it \(it is Python: 'Raw Python operation'\)\. It runs before the rollout/,
      ),
    ]);
  });

  it('names an operation whose SQL could not be worked out, with the exception Django raised', () => {
    const failed = {
      ...planned,
      operations: [
        {
          type: 'AlterUniqueTogether',
          line: 7,
          description: 'Alter unique_together for post (0 constraint(s))',
          sql: null,
          error: 'ValueError: Found wrong number (0) of constraints for blog_post(slug)',
        },
      ],
    };
    const f = toMigrationFile('web', failed, 'blog/migrations/0009_x.py', 'from django.db import migrations\n');
    expect(f.up).toBe('');
    expect(f.notes).toEqual([
      expect.stringMatching(
        /^blog\/migrations\/0009_x\.py:7: AlterUniqueTogether: its SQL could not be worked out ahead of time against this database \(ValueError: Found wrong number/,
      ),
    ]);
  });

  it('runs outside a transaction when Django does (atomic = False): its locks end with each statement', () => {
    const nonAtomic = {
      ...planned,
      atomic: false,
      operations: [
        {
          type: 'AddField',
          line: 8,
          description: 'Add field note',
          sql: ['ALTER TABLE "shop_product" ADD COLUMN "note" text NULL;'],
        },
        {
          type: 'RunSQL',
          line: 9,
          description: 'Raw SQL operation',
          sql: ['UPDATE "shop_product" SET "note" = \'\';'],
        },
      ],
    };
    const py = 'class Migration(migrations.Migration):\n    atomic = False\n';
    const f = toMigrationFile('web', nonAtomic, 'shop/migrations/0009_note.py', py);
    expect(f.up.split('\n')[0]).toBe('-- deployctl:no-transaction the Django migration sets atomic = False');
    expect(f.sourceLines).toEqual([2, 8, 9]);
    const m = classifyMigration(f);
    expect(m.transactional).toBe(false);
    // In a transaction, the full-table UPDATE would run under ADD COLUMN's ACCESS EXCLUSIVE lock.
    expect(m.statements[1]!.findings.map((x) => x.rule)).not.toContain('slow-under-held-lock');
    expect(classifyMigration(toMigrationFile('web', { ...nonAtomic, atomic: true }, 'x.py', py)).transactional).toBe(
      true,
    );
  });

  it('with no operations (a merge, makemigrations --empty) has an empty up', () => {
    const f = toMigrationFile('web', { ...planned, operations: [] }, 'shop/migrations/0003_merge.py', 'x = 1\n');
    expect(f).toMatchObject({ up: '', sourceLines: [], id: 'shop.0002_product_sku' });
    expect(f.notes).toBeUndefined();
  });
});

describe('failed manage.py migrate', () => {
  const traceback = [
    'Traceback (most recent call last):',
    '  File "/usr/lib/python3/dist-packages/django/db/backends/utils.py", line 82, in _execute',
    '    return self.cursor.execute(sql)',
    'psycopg2.errors.LockNotAvailable: canceling statement due to lock timeout',
    '',
    'The above exception was the direct cause of the following exception:',
    '',
    'django.db.utils.OperationalError: canceling statement due to lock timeout',
  ].join('\n');

  it('summarises with the last exception line', () => {
    expect(failureSummary(traceback)).toBe('django.db.utils.OperationalError: canceling statement due to lock timeout');
    expect(failureSummary('\nsomething odd\n')).toBe('something odd');
  });
});

describe('directives in a migration file', () => {
  it('become the SQL comments the classifier reads', () => {
    expect(
      directiveHeader(
        '# deployctl:phase post the new code fills it\n# deployctl:lock-timeout 5000\nfrom django.db import migrations\n',
        'm.py',
      ),
    ).toEqual([
      { line: 1, text: '-- deployctl:phase post the new code fills it' },
      { line: 2, text: '-- deployctl:lock-timeout 5000' },
    ]);
  });

  it('are validated with the line of the .py file', () => {
    expect(() =>
      directiveHeader('from django.db import migrations\n# deployctl:phase post\n', 'shop/migrations/0002_x.py'),
    ).toThrow(/^shop\/migrations\/0002_x\.py:2: 'deployctl:phase post' needs a reason/);
  });

  it('that name one statement are refused with the Django way to say it', () => {
    expect(() => directiveHeader('# deployctl:allow drop-column fine\n', 'm.py')).toThrow(
      /m\.py:1: 'deployctl:allow' does not apply to a Django migration.*migrations\.RunSQL/,
    );
    expect(() => directiveHeader('# deployctl:no-transaction\n', 'm.py')).toThrow(/atomic = False/);
  });
});
