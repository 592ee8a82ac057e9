/**
 * `npm run bench:lockqueue`: what a migration waiting for a lock does to the app's queries.
 *
 * A table of BENCH_ROWS rows (default 1,000,000) serves indexed point reads from BENCH_READERS
 * connections (default 4, closed loop). A long transaction holds ACCESS SHARE on the table for
 * BENCH_HOLD_MS (default 20 s) — a report query, a stuck worker. Meanwhile
 * `ALTER TABLE items ADD COLUMN …` is run twice on identical tables:
 *   deployctl — through `deployctl migrate` (lock_timeout 1000 ms, retried with backoff)
 *   plain     — the same statement with no lock_timeout, as psql would run it
 * The ALTER queues for ACCESS EXCLUSIVE behind the holder, and every read queues behind the ALTER.
 * Reported per mode: read latency p50/p99/max, reads in the worst 1-second window, and whether the
 * migration got through after the holder committed.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { withDatabase } from '../src/adapters/postgres/url.js';
import { startEmbeddedPostgres } from '../src/adapters/postgres/embedded.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const READERS = Number(process.env.BENCH_READERS ?? 4);
const HOLD_MS = Number(process.env.BENCH_HOLD_MS ?? 20_000);
const LOCK_TIMEOUT_MS = 1000;
const CLI = path.resolve('dist/src/cli/main.js');

interface Sample {
  at: number;
  ms: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function seed(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL)');
  await c.query(`INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, ${ROWS}) g`);
  await c.query('ANALYZE items');
  await c.end();
}

/** Closed-loop readers until `stop()`; each sample is one query's latency and completion time. */
function startReaders(url: string): { stop(): Promise<Sample[]> } {
  let running = true;
  const samples: Sample[] = [];
  const loops = Array.from({ length: READERS }, async () => {
    const c = new pg.Client({ connectionString: url, application_name: 'bench-app' });
    await c.connect();
    while (running) {
      const started = performance.now();
      await c.query('SELECT v FROM items WHERE id = $1', [1 + Math.floor(Math.random() * ROWS)]);
      const now = performance.now();
      samples.push({ at: now, ms: now - started });
    }
    await c.end();
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return samples;
    },
  };
}

async function deployctlMigrate(url: string, dir: string): Promise<void> {
  const root = path.dirname(dir);
  writeFileSync(
    path.join(root, 'deployctl.yaml'),
    [
      `database: { url: '${url}' }`,
      'migrations: [{ app: bench, dir: migrations }]',
      `lockTimeoutMs: ${LOCK_TIMEOUT_MS}`,
      'retry: { attempts: 40, minDelayMs: 250, maxDelayMs: 2000 }',
    ].join('\n'),
  );
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [CLI, 'migrate', '--phase', 'pre', '--config', path.join(root, 'deployctl.yaml')],
      { stdio: 'ignore', env: { ...process.env, CI: 'true' } },
    );
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`deployctl migrate exited ${code}`))));
  });
}

async function plainMigrate(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(sql);
  await c.end();
}

async function runMode(mode: 'deployctl' | 'plain', url: string, dir: string, sql: string) {
  const readers = startReaders(url);
  await sleep(1000);
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query('SELECT count(*) FROM items WHERE id < 10');
  const holdStart = performance.now();
  const release = sleep(HOLD_MS).then(async () => {
    await holder.query('COMMIT');
    await holder.end();
  });
  await sleep(500);
  const migration = mode === 'deployctl' ? deployctlMigrate(url, dir) : plainMigrate(url, sql);
  await Promise.all([release, migration]);
  const migratedAfterMs = performance.now() - holdStart;
  await sleep(1000);
  const samples = await readers.stop();
  const during = samples.filter((s) => s.at >= holdStart && s.at <= holdStart + HOLD_MS);
  const lat = samples.map((s) => s.ms).sort((a, b) => a - b);
  let worstWindow = Infinity;
  for (let t = holdStart; t + 1000 <= holdStart + HOLD_MS; t += 100) {
    worstWindow = Math.min(worstWindow, during.filter((s) => s.at >= t && s.at < t + 1000).length);
  }
  return {
    mode,
    reads: samples.length,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: lat[lat.length - 1] ?? 0,
    worstReadsPerSecond: worstWindow === Infinity ? 0 : worstWindow,
    migratedAfterMs,
  };
}

async function main(): Promise<void> {
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
  const server = process.env.DATABASE_URL ?? embedded!.url;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  const root = mkdtempSync(path.join(os.tmpdir(), 'deployctl-bench-lockqueue-'));
  const dir = path.join(root, 'migrations');
  mkdirSync(dir);
  const sql = 'ALTER TABLE items ADD COLUMN note text';
  writeFileSync(path.join(dir, '0001_add_note.sql'), `${sql};\n`);
  const names = {
    deployctl: `deployctl_bench_lq_${randomBytes(4).toString('hex')}`,
    plain: `deployctl_bench_lq_${randomBytes(4).toString('hex')}`,
  };
  try {
    const results = [];
    for (const mode of ['deployctl', 'plain'] as const) {
      await admin.query(`CREATE DATABASE ${names[mode]}`);
      const url = withDatabase(server, names[mode]);
      await seed(url);
      results.push(await runMode(mode, url, dir, sql));
    }
    console.log(
      `lockqueue benchmark: ${ROWS.toLocaleString('en-US')} rows, ${READERS} closed-loop readers, ACCESS SHARE held ${HOLD_MS} ms, lock_timeout ${LOCK_TIMEOUT_MS} ms`,
    );
    console.log(
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, server ${(await admin.query('SHOW server_version')).rows[0].server_version}`,
    );
    for (const r of results) {
      console.log(
        `${r.mode.padEnd(9)} reads ${r.reads}  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  max ${r.max.toFixed(0)} ms  worst 1 s window ${r.worstReadsPerSecond} reads  ALTER done ${(r.migratedAfterMs / 1000).toFixed(1)} s after the holder began`,
      );
    }
  } finally {
    for (const name of Object.values(names))
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(root, { recursive: true, force: true });
    await embedded?.stop();
  }
}

await main();
