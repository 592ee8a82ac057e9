/** The three ways `deployctl check` reports: for people, for GitHub annotations, for machines. */
import type { Style } from '../style.js';
import type { CheckReport } from '../../engine/check.js';
import { errorAnnotation } from './github.js';

export type CheckFormat = 'human' | 'github' | 'json';

export function renderCheck(report: CheckReport, format: CheckFormat, style: Style): string {
  if (format === 'json') return JSON.stringify({ version: 1, ...report }, null, 2);
  if (format === 'github') {
    const lines = report.problems.map((p) => errorAnnotation(p.message, { file: p.file, line: p.line }));
    lines.push(summary(report));
    return lines.join('\n');
  }
  const lines = report.problems.map((p) => `${style.red('✗')} [${p.kind}] ${p.message}`);
  lines.push(report.ok ? style.green(summary(report)) : style.red(summary(report)));
  return lines.join('\n');
}

function summary(r: CheckReport): string {
  const scope = r.database ? 'with the database' : 'without a database (applied checksums and order not checked)';
  return r.ok
    ? `check passed ${scope}`
    : `check failed: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} (${scope})`;
}
