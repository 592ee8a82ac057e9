/**
 * `npm run bench:trace`: how long `deployctl trace` takes on a realistic backlog.
 *
 * A target database gets one applied migration (through `deployctl migrate`, so the ledger
 * records it) and BENCH_MIGRATIONS pending ones (default 200) in the mix a team writes: CREATE
 * TABLE, ADD COLUMN, CREATE INDEX CONCURRENTLY, ADD CONSTRAINT … NOT VALID, VALIDATE CONSTRAINT,
 * DROP COLUMN. Then the built CLI runs `deployctl trace --json` on them, end to end (process
 * start to exit: scratch database, ledger replay, every statement observed, scratch dropped),
 * BENCH_RUNS times (default 3). Uses DATABASE_URL when set, else an embedded PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { withDatabase } from '../src/adapters/postgres/url.js';
import { startEmbeddedPostgres } from '../src/adapters/postgres/embedded.js';

const MIGRATIONS = Number(process.env.BENCH_MIGRATIONS ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TARGET_MS = 20_000;
const CLI = path.resolve('dist/src/cli/main.js');

/** The n-th pending migration: blocks of six steps on one new table each. */
function migration(n: number): { name: string; sql: string } {
  const t = `t${Math.floor(n / 6)}`;
  const steps = [
    ['create', `CREATE TABLE ${t} (id bigint PRIMARY KEY, name text, user_id bigint);`],
    ['add_note', `ALTER TABLE ${t} ADD COLUMN note text;`],
    ['index_name', `CREATE INDEX CONCURRENTLY ${t}_name ON ${t} (name);`],
    [
      'fk_not_valid',
      `ALTER TABLE ${t} ADD CONSTRAINT ${t}_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;`,
    ],
    ['validate_fk', `ALTER TABLE ${t} VALIDATE CONSTRAINT ${t}_user_fk;`],
    ['drop_note', `ALTER TABLE ${t} DROP COLUMN note;`],
  ] as const;
  const [label, sql] = steps[n % 6]!;
  return { name: `${String(n + 2).padStart(4, '0')}_${t}_${label}.sql`, sql: `SET lock_timeout = '2s';\n${sql}\n` };
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
  });
}

async function main(): Promise<void> {
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
  const serverUrl = process.env.DATABASE_URL ?? embedded!.url;
  const name = `deployctl_bench_trace_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const version = (await admin.query('SHOW server_version')).rows[0].server_version as string;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(serverUrl, name);
  const root = mkdtempSync(path.join(os.tmpdir(), 'deployctl-bench-trace-'));
  const dir = path.join(root, 'migrations');
  mkdirSync(dir);
  try {
    writeFileSync(path.join(dir, '0001_users.sql'), 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n');
    const applied = await run(['migrate', '--phase', 'pre', '--dir', dir, '--database-url', url]);
    if (applied.code !== 0) throw new Error(`applying the base migration failed:\n${applied.stderr}`);
    for (let n = 0; n < MIGRATIONS; n++) {
      const m = migration(n);
      writeFileSync(path.join(dir, m.name), m.sql);
    }
    const times: number[] = [];
    let statements = 0;
    let disagreements = 0;
    let baseline = '';
    for (let i = 0; i < RUNS; i++) {
      const r = await run(['trace', '--dir', dir, '--database-url', url, '--json']);
      if (r.code !== 0 && r.code !== 1) throw new Error(`trace failed (exit ${r.code}):\n${r.stderr}`);
      const report = JSON.parse(r.stdout) as {
        baseline: { source: string };
        migrations: { statements: { disagreements: string[]; method: string }[] }[];
      };
      const all = report.migrations.flatMap((m) => m.statements).filter((s) => s.method !== 'skipped');
      statements = all.length;
      disagreements = all.filter((s) => s.disagreements.length > 0).length;
      baseline = report.baseline.source;
      times.push(r.ms);
      process.stderr.write(`run ${i + 1}: ${Math.round(r.ms)} ms\n`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(`PostgreSQL ${version}${embedded ? ' (embedded)' : ''}, ${os.cpus().length} CPUs`);
    console.log(
      `${MIGRATIONS} pending migrations, ${statements} statements traced (scratch schema from the ${baseline}), ${disagreements} disagreements`,
    );
    console.log(`runs: ${times.map((t) => `${Math.round(t)} ms`).join(', ')}`);
    console.log(
      `median ${Math.round(median)} ms end to end = ${(median / MIGRATIONS).toFixed(1)} ms per migration, ${(median / statements).toFixed(1)} ms per statement`,
    );
    console.log(`target < ${TARGET_MS / 1000} s: ${median < TARGET_MS ? 'met' : 'NOT met'}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await embedded?.stop();
  }
}

await main();
