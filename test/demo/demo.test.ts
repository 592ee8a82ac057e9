/**
 * `deployctl demo` end to end at small scale: the built CLI, the example shop's real processes,
 * real PostgreSQL. The deployctl release fails no request; the naive one breaks version 1; and
 * nothing the demo started — app versions, databases, temporary folders — outlives it, also
 * when it is interrupted.
 */
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { gone } from '../drivers/processes.js';
import { runCli, startCli } from '../support/cli.js';
import { serverUrl } from '../support/db.js';

const SHOP_MIGRATIONS = path.resolve('examples/shop/migrations');

/** A fresh TMPDIR for the demo, so "nothing left behind" is checkable; the embedded server's user must be able to enter it. */
async function tempRoot(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deployctl-demo-test-'));
  await chmod(dir, 0o755);
  return dir;
}

async function demoDatabases(): Promise<string[]> {
  const c = new pg.Client({ connectionString: serverUrl() });
  await c.connect();
  try {
    return (
      await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'deployctl\\_demo\\_%'")
    ).rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}

interface RunJson {
  mode: string;
  requests: { sent: number; ok: number; failed: number; errors: Record<string, number> };
  latency_ms: { p50: number; p95: number; p99: number; max: number };
  baseline_p99_ms: number;
  max_lock_wait_ms: number;
  stages: { name: string; ms: number; requests: { sent: number }; over_1_5x_baseline_p99: number }[];
  statements: { migration: string; statement: string; ms: number; requests: { sent: number } }[];
  throttled: boolean;
  throttle: { batches: number; pauses: number; paused_ms: number; rest_ms: number } | null;
  release_status: string;
  release_overhead_ms: number | null;
  checks: { legacy_code_dropped: boolean; migration_files: number; migrations_recorded: number };
  app_processes: { artifact: string; pid: number }[];
}

describe('deployctl demo', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await tempRoot();
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('--compare: deployctl fails no request and completes the ledger; naive breaks version 1; nothing is left behind', async () => {
    const before = await demoDatabases();
    const r = await runCli(
      [
        'demo',
        '--compare',
        '--json',
        '--rows',
        '20000',
        '--rps',
        '40',
        '--duration',
        '2',
        '--database-url',
        serverUrl(),
      ],
      { env: { TMPDIR: tmp } },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { runs } = JSON.parse(r.stdout) as { runs: RunJson[] };
    const [deployctl, naive] = runs;
    const files = (await readdir(SHOP_MIGRATIONS)).filter((f) => f.endsWith('.sql')).length;

    expect(deployctl!.mode).toBe('deployctl');
    expect(deployctl!.requests.sent).toBeGreaterThan(100);
    expect(deployctl!.requests.failed).toBe(0);
    expect(deployctl!.requests.errors).toEqual({});
    expect(deployctl!.release_status).toBe('succeeded');
    expect(deployctl!.checks).toEqual({
      legacy_code_dropped: true,
      migration_files: files,
      migrations_recorded: files,
    });
    expect(deployctl!.stages.map((s) => s.name)).toEqual([
      'warm-up',
      'baseline',
      'preflight',
      'migrate:pre',
      'verify:pre',
      'rollout',
      'verify:rollout',
      'migrate:post',
      'verify:post',
      'after',
    ]);
    expect(deployctl!.release_overhead_ms).toBeGreaterThanOrEqual(0);
    // App latency is attributed to each statement that ran, each backfill batch on its own.
    expect(deployctl!.throttled).toBe(true);
    const statements = deployctl!.statements;
    expect(
      statements.some(
        (s) => s.migration === 'shop/0002_index_customer_orders' && /CREATE INDEX CONCURRENTLY/.test(s.statement),
      ),
    ).toBe(true);
    expect(
      statements.some(
        (s) => s.migration === 'shop/0004_validate_total_nonnegative' && /VALIDATE CONSTRAINT/.test(s.statement),
      ),
    ).toBe(true);
    const batches = statements.filter((s) => s.migration === 'shop/0005_backfill_currency');
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((b) => /^batch \d+$/.test(b.statement))).toBe(true);
    // The throttle's totals count the same batches the statements show.
    expect(deployctl!.throttle).toMatchObject({ batches: batches.length });
    expect(deployctl!.throttle!.paused_ms).toBeGreaterThanOrEqual(0);
    expect(naive!.throttle).toBeNull();
    for (const stage of deployctl!.stages) {
      expect(stage.over_1_5x_baseline_p99).toBeGreaterThanOrEqual(0);
      expect(stage.over_1_5x_baseline_p99).toBeLessThanOrEqual(stage.requests.sent);
    }
    expect(naive!.statements).toEqual([]);
    expect(deployctl!.app_processes.map((p) => p.artifact)).toEqual(['v1', 'v2']);

    expect(naive!.mode).toBe('naive');
    expect(naive!.requests.failed).toBeGreaterThan(0);
    expect(
      Object.keys(naive!.requests.errors).every((kind) => /legacy_code.*does not exist \(42703\)/.test(kind)),
    ).toBe(true);
    expect(naive!.checks.legacy_code_dropped).toBe(true);
    expect(naive!.checks.migrations_recorded).toBe(0);

    for (const p of [...deployctl!.app_processes, ...naive!.app_processes]) expect(await gone(p.pid)).toBe(true);
    expect(await demoDatabases()).toEqual(before);
    expect(await readdir(tmp)).toEqual([]);
  }, 90000);

  it('on SIGINT stops the load and the app, stops the embedded server and removes its folder', async () => {
    // No --database-url and no DATABASE_URL: the demo starts its own embedded PostgreSQL.
    const { child, done } = startCli(['demo', '--rows', '5000', '--rps', '20', '--duration', '60'], {
      env: { TMPDIR: tmp },
    });
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    for (let i = 0; i < 800 && !stderr.includes('▶ baseline'); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stderr).toContain('▶ baseline');
    expect(stderr).toMatch(/started an embedded PostgreSQL/);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/demo interrupted/);
    const pids = [...r.stderr.matchAll(/started v\d on port \d+ \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    expect(pids.length).toBe(1);
    for (const pid of pids) expect(await gone(pid)).toBe(true);
    expect(await readdir(tmp)).toEqual([]);
  }, 60000);
});
