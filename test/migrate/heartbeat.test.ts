/**
 * A statement that runs long reports itself at each heartbeat: on a plain (CI) log a line says for
 * how long, and whom it waits for, read with pg_blocking_pids() on another connection. Real
 * PostgreSQL, a real lock held by a second session; the interval is shortened, the waits are
 * for the line to appear.
 */
import pg from 'pg';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/config.js';
import { migrateCommand } from '../../src/engine/migrate/migrate.js';
import { createReporter } from '../../src/cli/reporter.js';
import { PLAIN } from '../../src/cli/style.js';
import type { DeployEvent } from '../../src/ports.js';
import { createTestDatabase, migrationsDir, type TestDatabase } from '../support/db.js';
import { waitFor } from '../support/wait.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('heartbeat');
});
afterEach(async () => {
  await db.drop();
});

/** Runs `migrate --phase pre` on `files` through the engine, its events printed by the CI reporter. */
async function migrate(files: Record<string, string>) {
  const dir = await migrationsDir(files);
  const config = await loadConfig({ env: {}, overrides: { databaseUrl: db.url, dirs: [dir], lockTimeoutMs: 60_000 } });
  const lines: string[] = [];
  const events: DeployEvent[] = [];
  const reporter = createReporter(
    'plain',
    (s) => lines.push(s),
    (s) => s,
    PLAIN,
  );
  const done = migrateCommand(
    config,
    { phase: 'pre' },
    {
      clock: systemClock,
      heartbeatMs: 50,
      emit: (e) => {
        events.push(e);
        reporter.emit(e);
      },
    },
  );
  return { done, lines, events };
}

it('names the session holding the lock the statement waits for', async () => {
  await db.sql('CREATE TABLE orders (id bigint PRIMARY KEY)');
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT * FROM orders');
    const holderPid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    const run = await migrate({ '0001_note.sql': 'ALTER TABLE orders ADD COLUMN note text;' });
    const line = await waitFor('a heartbeat naming the lock holder', () =>
      run.lines.find((l) => l.includes('still running')),
    );
    expect(line).toMatch(
      new RegExp(
        `^\\S+ still running migrations/0001_note: \\d+ s, waiting on pid ${holderPid} \\(lock on orders\\)\\n$`,
      ),
    );
    await holder.query('COMMIT');
    const result = await run.done;
    expect(result.applied.map((a) => a.id)).toEqual(['0001_note']);
    // No heartbeat after the statement ended.
    const after = run.events.findIndex((e) => e.type === 'migration:applied');
    expect(run.events.slice(after).filter((e) => e.type === 'migration:running')).toEqual([]);
  } finally {
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.end();
  }
});

it('says "waiting on nothing" for a statement that is just slow', async () => {
  const run = await migrate({ '0001_slow.sql': 'SELECT pg_sleep(600);' });
  const failed = run.done.then(
    () => 'applied',
    (e: Error) => e.message,
  );
  const line = await waitFor('a heartbeat of the slow statement', () =>
    run.lines.find((l) => l.includes('still running')),
  );
  expect(line).toMatch(/^\S+ still running migrations\/0001_slow: \d+ s, waiting on nothing\n$/);
  // Ends the sleep: the statement is cancelled and the migration fails.
  await db.sql(
    "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(600)'",
  );
  expect(await failed).toContain('canceling statement due to user request');
});
