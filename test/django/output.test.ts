/** Reading manage.py output and Django migration directives: the edge cases, on Django's real text. */
import { directiveHeader } from '../../src/adapters/sources/django/directives.js';
import {
  diedOfLockTimeout,
  failureSummary,
  opaqueOperations,
  parseConflicts,
  parseShowMigrationsPlan,
} from '../../src/adapters/sources/django/output.js';

describe('showmigrations --plan -v 2', () => {
  it('reads state and every dependency, in Django order', () => {
    const text = [
      '[X]  contenttypes.0001_initial',
      '[ ]  shop.0002_product_sku ... (shop.0001_initial)',
      '[ ]  shop.0003_merge ... (shop.0002_a, shop.0002_b, accounts.0001_initial)',
      '',
    ].join('\n');
    expect(parseShowMigrationsPlan(text)).toEqual([
      { app: 'contenttypes', name: '0001_initial', applied: true, dependencies: [] },
      { app: 'shop', name: '0002_product_sku', applied: false, dependencies: ['shop.0001_initial'] },
      {
        app: 'shop',
        name: '0003_merge',
        applied: false,
        dependencies: ['shop.0002_a', 'shop.0002_b', 'accounts.0001_initial'],
      },
    ]);
  });

  it('refuses a line it does not understand instead of dropping a migration', () => {
    expect(() => parseShowMigrationsPlan('shop\n [X] 0001_initial\n')).toThrow(/unexpected line.*"shop"/);
  });
});

describe('conflicting leaves', () => {
  it('reads every app of the CommandError', () => {
    const err =
      "CommandError: Conflicting migrations detected; multiple leaf nodes in the migration graph: (0002_a, 0002_b in billing; 0003_x, 0003_y, 0003_z in shop).\nTo fix them run 'python manage.py makemigrations --merge'\n";
    expect(parseConflicts(err)).toEqual([
      { app: 'billing', leaves: ['0002_a', '0002_b'] },
      { app: 'shop', leaves: ['0003_x', '0003_y', '0003_z'] },
    ]);
    expect(parseConflicts('CommandError: No installed app with label "x".')).toBeUndefined();
  });
});

describe('sqlmigrate output', () => {
  it('names each operation that has no SQL (Django 3.2 and later print the marker with or without a colon)', () => {
    const sql =
      'BEGIN;\n--\n-- MIGRATION NOW PERFORMS OPERATION THAT CANNOT BE WRITTEN AS SQL:\n-- Raw Python operation\n--\nALTER TABLE "t" ADD COLUMN "c" int NULL;\n--\n-- MIGRATION NOW PERFORMS OPERATION THAT CANNOT BE WRITTEN AS SQL\n-- Raw Python operation\n--\nCOMMIT;\n';
    expect(opaqueOperations(sql)).toEqual(['Raw Python operation', 'Raw Python operation']);
    expect(
      opaqueOperations(
        'BEGIN;\n--\n-- Add field sku to product\n--\nALTER TABLE "p" ADD COLUMN "sku" varchar(64) NULL;\nCOMMIT;',
      ),
    ).toEqual([]);
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

  it('recognises lock_timeout by the error class psycopg raises, not by the message', () => {
    expect(diedOfLockTimeout(traceback)).toBe(true);
    expect(
      diedOfLockTimeout(traceback.replace('psycopg2.errors.LockNotAvailable', 'psycopg.errors.LockNotAvailable')),
    ).toBe(true);
    expect(diedOfLockTimeout('django.db.utils.OperationalError: canceling statement due to lock timeout')).toBe(false);
    expect(diedOfLockTimeout('psycopg2.errors.DeadlockDetected: deadlock detected')).toBe(false);
  });

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
    ).toEqual(['-- deployctl:phase post the new code fills it', '-- deployctl:lock-timeout 5000']);
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
