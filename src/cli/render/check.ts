/** The three ways `deployctl check` reports: for people, for GitHub annotations, for machines. */
import type { Style } from '../style.js';
import type { CheckProblem, CheckReport } from '../../engine/check.js';
import { errorAnnotation, warningAnnotation } from './github.js';
import { DJANGO_CHECK_IDS, type DjangoCheckId } from '../../core/django/hygiene.js';

export type CheckFormat = 'human' | 'github' | 'json';

export function renderCheck(report: CheckReport, format: CheckFormat, style: Style): string {
  if (format === 'json') return JSON.stringify({ version: 1, ...report }, null, 2);
  if (format === 'github') {
    const lines = report.problems.map((p) =>
      (p.severity === 'warning' ? warningAnnotation : errorAnnotation)(withFix(p, ' Fix: '), {
        file: p.file,
        line: p.line,
      }),
    );
    lines.push(summary(report));
    return lines.join('\n');
  }
  const lines = report.problems.map((p) => {
    const mark = p.severity === 'warning' ? style.yellow('⚠') : style.red('✗');
    const where = p.file ? `${p.file}${p.line ? `:${p.line}` : ''}: ` : '';
    const kind = `[${p.kind}] `;
    // The other problems name their file in the message; a model's finding is named here.
    const text = DJANGO_CHECK_IDS.includes(p.kind as DjangoCheckId) ? `${where}${p.message}` : p.message;
    return `${mark} ${kind}${text}${p.fix ? `\n    ${style.dim(`fix: ${p.fix}`)}` : ''}`;
  });
  lines.push(report.ok ? style.green(summary(report)) : style.red(summary(report)));
  return lines.join('\n');
}

function withFix(p: CheckProblem, glue: string): string {
  return p.fix ? `${p.message}${glue}${p.fix}` : p.message;
}

function summary(r: CheckReport): string {
  const scope = r.database ? 'with the database' : 'without a database (applied checksums and order not checked)';
  const errors = r.problems.filter((p) => p.severity === 'error').length;
  const warnings = r.problems.length - errors;
  const warned = warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '';
  return r.ok
    ? `check passed${warned ? ` (${warned})` : ''} ${scope}`
    : `check failed: ${errors} problem${errors === 1 ? '' : 's'}${warned ? `, ${warned}` : ''} (${scope})`;
}
