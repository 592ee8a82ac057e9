/** Renders demo reports as text: one run with its stages, or two runs side by side with ratios. */
import type { DemoReport } from './compare.js';
import type { RunReport, StageFigures, StatementFigures } from './measure.js';

export function renderReport(report: DemoReport): string {
  const [first, second] = report.runs;
  const head = [
    `shop v1 → v2 under load: ${report.seed.rows.toLocaleString('en-US')} orders (seeded in ${seconds(report.seed.ms)}), ${first?.load.rps ?? 0} requests/s`,
    `load: ${first?.load.method ?? ''}`,
    '',
  ];
  const body = report.runs.flatMap((r) => [...renderRun(r), '']);
  return [...head, ...body, ...(first && second ? renderComparison(first, second) : [])].join('\n').trimEnd();
}

function renderRun(r: RunReport): string[] {
  const title =
    r.mode === 'deployctl'
      ? 'deployctl release (phased, lock_timeout, retries)'
      : 'naive release (every migration first, as psql -f runs them, then the rollout)';
  const lines = [
    `── ${r.mode}: ${title}${r.mode === 'deployctl' ? (r.throttled ? ', throttled' : ', unthrottled') : ''}`,
    stageHeader(),
    ...r.stages.map(stageLine),
    ...statementLines(r.statements),
  ];
  const ratio = r.baseline_p99_ms > 0 ? ` = ${(r.release_p99_ms / r.baseline_p99_ms).toFixed(2)}× baseline` : '';
  lines.push(
    `requests: ${r.requests.sent} sent, ${r.requests.ok} ok, ${r.requests.failed} failed`,
    ...Object.entries(r.requests.errors).map(([kind, n]) => `  ${n} × ${kind}`),
    `latency ms: p50 ${r.latency_ms.p50}  p95 ${r.latency_ms.p95}  p99 ${r.latency_ms.p99}  max ${r.latency_ms.max}`,
    `p99 during the release ${r.release_p99_ms} ms vs baseline p99 ${r.baseline_p99_ms} ms${ratio}`,
    `longest app lock wait: ${r.max_lock_wait_ms} ms${r.lock_timeout_ms !== null ? ` (lock_timeout ${r.lock_timeout_ms} ms)` : ' (no lock_timeout)'}${r.max_lock_wait_query ? ` — ${r.max_lock_wait_query.slice(0, 80)}` : ''}`,
    `release: ${seconds(r.release_ms)}, ${r.release_status}${r.release_overhead_ms !== null ? `; deployctl's own overhead ${r.release_overhead_ms} ms (time not in migrations, rollout or health checks)` : ''}`,
    ...(r.throttle
      ? [
          `throttle: ${r.throttle.batches} backfill batches, ${r.throttle.pauses} pause${r.throttle.pauses === 1 ? '' : 's'} (${seconds(r.throttle.paused_ms)} paused), ${seconds(r.throttle.rest_ms)} resting between batches`,
        ]
      : []),
    `end state: legacy_code ${r.checks.legacy_code_dropped ? 'dropped' : 'still there'}; ledger ${r.checks.migrations_recorded}/${r.checks.migration_files} migrations recorded`,
  );
  return lines;
}

/**
 * Where the release's latency came from: app p99 while each migration statement ran; a
 * backfill's batches are summed up (their count, time, and the worst batch's p99).
 */
function statementLines(statements: StatementFigures[]): string[] {
  if (statements.length === 0) return [];
  const lines = ['  app latency by migration statement (requests meant to be sent while it ran):'];
  const row = (label: string, ms: number, sent: number, p99: number, max: number): string =>
    `    ${label.length > 60 ? `${label.slice(0, 59)}…` : label.padEnd(60)}${seconds(ms).padStart(8)}${String(sent).padStart(7)}  p99 ${p99.toFixed(1).padStart(6)}  max ${max.toFixed(1).padStart(6)}`;
  const migrations = [...new Set(statements.map((s) => s.migration))];
  for (const migration of migrations) {
    const own = statements.filter((s) => s.migration === migration);
    const batches = own.filter((s) => /^batch \d+$/.test(s.statement));
    for (const s of own.filter((x) => !batches.includes(x)))
      lines.push(row(`${migration} ${s.statement}`, s.ms, s.requests.sent, s.latency_ms.p99, s.latency_ms.max));
    if (batches.length) {
      const worst = batches.reduce((a, b) => (b.latency_ms.p99 > a.latency_ms.p99 ? b : a));
      const ms = batches.reduce((sum, b) => sum + b.ms, 0);
      const sent = batches.reduce((sum, b) => sum + b.requests.sent, 0);
      const max = Math.max(...batches.map((b) => b.latency_ms.max));
      lines.push(
        row(`${migration} ${batches.length} batches (worst: ${worst.statement})`, ms, sent, worst.latency_ms.p99, max),
      );
    }
  }
  return lines;
}

function stageHeader(): string {
  return `  ${'stage'.padEnd(22)}${'time'.padStart(8)}${'sent'.padStart(7)}${'failed'.padStart(8)}${'p50'.padStart(8)}${'p95'.padStart(8)}${'p99'.padStart(8)}${'max'.padStart(8)}${'lock wait'.padStart(11)}`;
}

function stageLine(s: StageFigures): string {
  const ms = (v: number): string => v.toFixed(1).padStart(8);
  return (
    `  ${s.name.padEnd(22)}${seconds(s.ms).padStart(8)}${String(s.requests.sent).padStart(7)}${String(s.requests.failed).padStart(8)}` +
    `${ms(s.latency_ms.p50)}${ms(s.latency_ms.p95)}${ms(s.latency_ms.p99)}${ms(s.latency_ms.max)}${`${s.max_lock_wait_ms} ms`.padStart(11)}`
  );
}

function renderComparison(a: RunReport, b: RunReport): string[] {
  const rows: [string, number, number][] = [
    ['failed requests', a.requests.failed, b.requests.failed],
    ['latency p50 ms', a.latency_ms.p50, b.latency_ms.p50],
    ['latency p95 ms', a.latency_ms.p95, b.latency_ms.p95],
    ['latency p99 ms', a.latency_ms.p99, b.latency_ms.p99],
    ['latency max ms', a.latency_ms.max, b.latency_ms.max],
    ['baseline p99 ms', a.baseline_p99_ms, b.baseline_p99_ms],
    ['p99 during release ms', a.release_p99_ms, b.release_p99_ms],
    ['longest lock wait ms', a.max_lock_wait_ms, b.max_lock_wait_ms],
    ['release time s', a.release_ms / 1000, b.release_ms / 1000],
  ];
  const ratio = (x: number, y: number): string => (x === 0 ? (y === 0 ? '=' : '—') : `${(y / x).toFixed(2)}×`);
  return [
    `── side by side (same data, same request sequence)`,
    `  ${''.padEnd(24)}${a.mode.padStart(12)}${b.mode.padStart(12)}${`${b.mode}/${a.mode}`.padStart(18)}`,
    ...rows.map(
      ([label, x, y]) => `  ${label.padEnd(24)}${fmt(x).padStart(12)}${fmt(y).padStart(12)}${ratio(x, y).padStart(18)}`,
    ),
  ];
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
