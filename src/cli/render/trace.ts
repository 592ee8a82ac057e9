/** The two forms of a trace report: text for people, a stable JSON document for tools. */
import type { Style } from '../style.js';
import type { TraceReport } from '../../engine/trace/command.js';
import type { TracedStatement } from '../../engine/trace/trace.js';

export const TRACE_JSON_VERSION = 1;

/** Stable: field names and meaning only ever grow. The scratch database's random name is left out. */
export function traceToJson(report: TraceReport): unknown {
  return {
    version: TRACE_JSON_VERSION,
    ok: report.ok,
    serverVersion: report.serverVersion,
    baseline: { source: report.baseline.source, notes: report.baseline.notes },
    migrations: report.migrations.map((m) => ({
      app: m.app,
      id: m.id,
      file: m.file,
      statements: m.statements.map((s) => ({
        index: s.index,
        line: s.line,
        sql: s.sql,
        method: s.method,
        predicted: s.predicted,
        observed: s.observed,
        agrees: s.disagreements.length === 0 && s.error === undefined,
        disagreements: s.disagreements,
        ...(s.error === undefined ? {} : { error: s.error }),
        ...(s.durationMs === undefined ? {} : { durationMs: Math.round(s.durationMs) }),
        ...(s.heldLock ? { heldLock: { ...s.heldLock, heldMs: Math.round(s.heldLock.heldMs) } } : {}),
      })),
    })),
  };
}

export function renderTrace(report: TraceReport, style: Style): string {
  const out: string[] = [];
  out.push(
    style.dim(
      `PostgreSQL ${formatVersion(report.serverVersion)} · scratch schema from the ${report.baseline.source === 'ledger' ? "ledger's applied migrations" : "target's catalog"}`,
    ),
  );
  for (const note of report.baseline.notes) out.push(style.dim(`  ${note}`));
  if (report.migrations.length === 0) out.push('No pending migrations.');
  for (const m of report.migrations) {
    out.push('', style.bold(`${m.app}/${m.id}`) + style.dim(`  ${m.file}`));
    for (const s of m.statements) out.push(...renderStatement(s, style));
  }
  const disagreeing = report.migrations.flatMap((m) => m.statements).filter((s) => s.disagreements.length > 0).length;
  const failed = report.migrations.flatMap((m) => m.statements).find((s) => s.error !== undefined);
  out.push('');
  if (failed)
    out.push(
      style.red(`A statement failed on the scratch database (line ${failed.line}); later statements were not traced.`),
    );
  if (disagreeing > 0)
    out.push(style.red(`${disagreeing} statement${disagreeing === 1 ? '' : 's'} did not do what the plan predicted.`));
  if (report.ok) out.push(style.green('Every statement took the locks and rewrites the plan predicted.'));
  return out.join('\n');
}

function renderStatement(s: TracedStatement, style: Style): string[] {
  const sql = s.sql.replace(/\s+/g, ' ');
  const lines = [`  L${s.line}  ${sql.length > 100 ? `${sql.slice(0, 97)}...` : sql}`];
  if (s.method === 'skipped') return [...lines, style.dim('        not run: the executor owns the transaction')];
  const lock = (mode: string | null, relation: string | null): string =>
    mode ? `${mode}${relation ? ` on ${short(relation)}` : ''}` : 'no lock';
  lines.push(
    s.predicted.assumed
      ? `        plan:     ${style.yellow('unknown statement')}${s.predicted.lock ? `, assumed at most ${s.predicted.lock}` : ''}`
      : `        plan:     ${lock(s.predicted.lock, s.predicted.relation)} · ${s.predicted.rewrite ? 'rewrite' : 'no rewrite'}`,
  );
  if (s.observed) {
    lines.push(
      `        observed: ${lock(s.observed.lock, s.observed.relation)} · ${s.observed.rewrite ? `rewrite (${s.observed.rewritten.map(short).join(', ')})` : 'no rewrite'}` +
        style.dim(s.method === 'watched' ? '  (outside a transaction, sampled while it waited)' : ''),
    );
  }
  if (s.error !== undefined) lines.push(style.red(`        failed: ${s.error}`));
  for (const d of s.disagreements) lines.push(style.red(`        ✗ ${d}`));
  if (s.error === undefined && s.disagreements.length === 0) lines.push(style.green('        ✓ agrees'));
  return lines;
}

const short = (relation: string): string =>
  relation.startsWith('public.') ? relation.slice('public.'.length) : relation;

function formatVersion(num: number): string {
  return num >= 100000
    ? `${Math.floor(num / 10000)}.${num % 10000}`
    : `${Math.floor(num / 10000)}.${Math.floor(num / 100) % 100}.${num % 100}`;
}
