/** The human form of a plan: one block per migration, then the stages and what blocks them. */
import type { Style } from '../style.js';
import type { ClassifiedStatement } from '../../core/classify/classify.js';
import type { Plan } from '../../core/plan/build.js';
import { majorOfServerVersion } from '../../core/schema/facts.js';

export function renderPlan(plan: Plan, style: Style): string {
  const out: string[] = [];
  const phaseColour = (phase: string): string =>
    phase === 'pre' ? style.green(phase) : phase === 'post' ? style.yellow(phase) : style.red(phase);

  if (plan.assumedServerVersion !== undefined)
    out.push(
      style.dim(
        `static plan: no database, assuming PostgreSQL ${majorOfServerVersion(plan.assumedServerVersion)} (set --pg-version)`,
      ),
      '',
    );
  if (plan.migrations.length === 0) out.push('No pending migrations.');
  for (const m of plan.migrations) {
    const tx = m.transactional ? 'in one transaction' : 'statement by statement, no transaction';
    out.push(
      `${style.bold(`${m.migration.app}/${m.migration.id}`)}  ${phaseColour(m.phase)}  ${style.dim(`${m.migration.file} · ${tx}`)}`,
    );
    if (m.directives.phase)
      out.push(`  ${style.dim(`phase forced to ${m.directives.phase.phase}: ${m.directives.phase.reason}`)}`);
    for (const note of m.migration.notes ?? []) out.push(`  ${style.yellow('note:')} ${note}`);
    for (const s of m.statements) out.push(...renderStatement(s, style, phaseColour));
    out.push('');
  }
  const list = (xs: string[]): string => (xs.length ? xs.join(', ') : '—');
  out.push(style.bold('Stages'));
  out.push(`  pre   (before the rollout): ${list(plan.stages.pre)}`);
  out.push(`  post  (after the rollout):  ${list(plan.stages.post)}`);
  out.push(`  blocked:                    ${list(plan.stages.blocked)}`);
  if (plan.problems.length > 0) {
    out.push(
      '',
      style.bold(style.red(`Blocked by ${plan.problems.length} problem${plan.problems.length === 1 ? '' : 's'}:`)),
    );
    for (const p of plan.problems) out.push(`  ✗ ${p.message}`);
  } else {
    out.push('', style.green('Plan OK: nothing blocks the release.'));
  }
  return out.join('\n');
}

function renderStatement(s: ClassifiedStatement, style: Style, phaseColour: (p: string) => string): string[] {
  const sql = s.sql.replace(/\s+/g, ' ');
  const facts = [
    phaseColour(s.phase),
    s.lock ? `${s.lock}${s.relation ? ` on ${s.relation}` : ''}` : 'no table lock',
    s.rewrite ? style.red('rewrites table') : 'no rewrite',
    s.scan ? style.yellow('scans table') : 'no scan',
    ...(s.heldLock ? [`${s.heldLock.lock} on ${s.heldLock.relation} held since L${s.heldLock.line}`] : []),
  ];
  const lines = [`  L${s.line}  ${sql.length > 100 ? `${sql.slice(0, 97)}...` : sql}`, `        ${facts.join(' · ')}`];
  for (const f of s.findings) {
    if (f.rule === 'session-statement') continue;
    const tag = f.allowed ? style.dim(`[allowed: ${f.allowed}]`) : '';
    lines.push(`        ${style.cyan(f.rule)}: ${f.message} ${tag}`.trimEnd());
    if (f.fix && !f.allowed) for (const line of f.fix.split('\n')) lines.push(`          ${style.dim('fix:')} ${line}`);
  }
  return lines;
}
