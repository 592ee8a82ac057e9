/**
 * trace sees what the plan sees about held locks: it times each statement (through the Clock
 * port, driven here so nothing depends on real time) and reports an app-blocking lock that
 * would be held longer than lockTimeoutMs; a statement the plan calls pre then disagrees.
 */
import { classifyMigration } from '../../src/core/classify/classify.js';
import { migrationFromText } from '../../src/core/migration.js';
import { loadParser } from '../../src/core/sql/parse.js';
import { traceMigrations } from '../../src/engine/trace/trace.js';
import type { Clock } from '../../src/ports.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(() => loadParser());
beforeEach(async () => {
  db = await createTestDatabase('traceheld');
  await db.sql(
    'CREATE TABLE accounts (id int PRIMARY KEY, region text); INSERT INTO accounts SELECT g FROM generate_series(1, 100) g;',
  );
});
afterEach(() => db.drop());

/** Every reading of the clock is 1 s after the previous one. */
function steppingClock(): Clock {
  let t = 0;
  return { now: () => (t += 1000), sleep: () => Promise.resolve() };
}

const migration = (sql: string) =>
  classifyMigration(migrationFromText('app', '0001_backfill', '0001', 'migrations/0001_backfill.sql', sql));

it('reports the held lock and disagrees when the plan called the statement pre', async () => {
  // A key range the plan accepts as one batch; here it writes every row while the ADD COLUMN lock is held.
  const m = migration(
    "ALTER TABLE accounts ADD COLUMN note text;\nUPDATE accounts SET region = 'eu' WHERE id BETWEEN 1 AND 1000000;",
  );
  expect(m.statements[1]!.phase).toBe('pre');
  const r = await traceMigrations(db.url, [m], { clock: steppingClock(), lockTimeoutMs: 1500 });
  const update = r.migrations[0]!.statements[1]!;
  expect(update.durationMs).toBe(1000);
  expect(update.heldLock).toEqual({ lock: 'AccessExclusiveLock', relation: 'public.accounts', line: 1, heldMs: 3000 });
  expect(update.disagreements).toEqual([
    expect.stringMatching(
      /AccessExclusiveLock on public\.accounts \(taken at line 1\) was held for 3000 ms .* longer than lockTimeoutMs \(1500 ms\)/,
    ),
  ]);
  expect(r.ok).toBe(false);
});

it('agrees when the plan already blocks the statement, or the lock is held for less than lockTimeoutMs', async () => {
  const unsafe = migration(
    "ALTER TABLE accounts ADD COLUMN note text;\nUPDATE accounts SET region = 'eu' WHERE region IS NULL;",
  );
  expect(unsafe.statements[1]!.phase).toBe('unsafe');
  const r = await traceMigrations(db.url, [unsafe], { clock: steppingClock(), lockTimeoutMs: 1500 });
  expect(r.migrations[0]!.statements[1]!.heldLock?.heldMs).toBe(3000);
  expect(r.migrations[0]!.statements[1]!.disagreements).toEqual([]);
});

it('stays quiet under the timeout and in a no-transaction migration', async () => {
  const bounded =
    "ALTER TABLE accounts ADD COLUMN note text;\nUPDATE accounts SET region = 'eu' WHERE id BETWEEN 1 AND 10;";
  const r = await traceMigrations(db.url, [migration(bounded)], { clock: steppingClock(), lockTimeoutMs: 10_000 });
  expect(r.ok).toBe(true);
  await db.sql('ALTER TABLE accounts DROP COLUMN note');
  const loose = await traceMigrations(db.url, [migration(`-- deployctl:no-transaction\n${bounded}`)], {
    clock: steppingClock(),
    lockTimeoutMs: 1500,
  });
  expect(loose.migrations[0]!.statements[1]!.heldLock).toBeUndefined();
  expect(loose.ok).toBe(true);
});
