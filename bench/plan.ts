/**
 * `npm run bench:plan`: times `deployctl plan --json` end to end against `squawk` (squawk-cli) on the
 * same generated files, in the same run:
 *   (a) 2,000 files × 5 statements   — target: deployctl no slower than squawk
 *   (b) one file of 20,000 statements — target: deployctl at least 10× faster
 * Each command runs BENCH_RUNS times (default 3); the median wall time is reported.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CLI = path.resolve('dist/src/cli/main.js');
const SQUAWK = path.resolve('node_modules/.bin/squawk');

/** Five statements of the kinds real migrations are made of; `n` keeps names unique. */
function statements(n: number): string[] {
  return [
    `CREATE TABLE t${n} (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now())`,
    `ALTER TABLE t${n} ADD COLUMN email text`,
    `CREATE INDEX CONCURRENTLY IF NOT EXISTS t${n}_email ON t${n} (email)`,
    `ALTER TABLE t${n} ADD CONSTRAINT t${n}_name_len CHECK (length(name) < 200) NOT VALID`,
    `ALTER TABLE t${n} DROP COLUMN IF EXISTS legacy`,
  ];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(cmd: string, args: string[]): number {
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    const r = spawnSync(cmd, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 1 << 30,
      env: { ...process.env, DATABASE_URL: '' },
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (r.error) throw r.error;
    // Both tools exit non-zero when they find problems; only a crash (signal) is a failure here.
    if (r.signal) throw new Error(`${cmd} died with ${r.signal}: ${r.stderr}`);
    runs.push(ms);
  }
  return median(runs);
}

function main(): void {
  const root = mkdtempSync(path.join(os.tmpdir(), 'deployctl-bench-plan-'));
  try {
    const many = path.join(root, 'many');
    mkdirSync(many);
    const manyFiles: string[] = [];
    for (let i = 1; i <= 2000; i++) {
      const file = path.join(many, `${String(i).padStart(5, '0')}_m${i}.sql`);
      writeFileSync(file, `${statements(i).join(';\n')};\n`);
      manyFiles.push(file);
    }
    const one = path.join(root, 'one');
    mkdirSync(one);
    const big = path.join(one, '00001_big.sql');
    const lines: string[] = [];
    for (let i = 1; i <= 4000; i++) lines.push(...statements(i));
    writeFileSync(big, `${lines.join(';\n')};\n`);

    const rows: { name: string; deployctlMs: number; squawkMs: number }[] = [];
    rows.push({
      name: '(a) 2,000 files × 5 statements',
      deployctlMs: time(process.execPath, [CLI, 'plan', '--json', '--dir', many]),
      squawkMs: time(SQUAWK, manyFiles),
    });
    rows.push({
      name: '(b) 1 file × 20,000 statements',
      deployctlMs: time(process.execPath, [CLI, 'plan', '--json', '--dir', one]),
      squawkMs: time(SQUAWK, [big]),
    });

    console.log(`plan benchmark: median of ${RUNS} runs, wall time end to end (process start to exit)`);
    console.log(
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
    );
    for (const r of rows) {
      const ratio = r.squawkMs / r.deployctlMs;
      console.log(
        `${r.name}: deployctl ${r.deployctlMs.toFixed(0)} ms, squawk ${r.squawkMs.toFixed(0)} ms, squawk/deployctl = ${ratio.toFixed(2)}×`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main();
