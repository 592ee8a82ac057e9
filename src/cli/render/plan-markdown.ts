/**
 * `deployctl plan --format markdown`: the plan as a table for a pull-request comment. The first
 * line is a marker a workflow finds to update its one comment instead of adding another.
 */
import type { Plan } from '../../core/plan/build.js';
import { majorOfServerVersion } from '../../core/schema/facts.js';

export const PLAN_COMMENT_MARKER = '<!-- deployctl-plan -->';

/** Longest SQL shown in a cell; the file and line point at the rest. */
const SQL_CHARS = 80;

export function renderPlanMarkdown(plan: Plan): string {
  const out = [PLAN_COMMENT_MARKER];
  const n = plan.problems.length;
  out.push(
    plan.ok
      ? `### deployctl plan: nothing blocks the release`
      : `### deployctl plan: blocked by ${n} problem${n === 1 ? '' : 's'}`,
    '',
  );
  if (plan.assumedServerVersion !== undefined)
    out.push(
      `Static plan (no database): classified for PostgreSQL ${majorOfServerVersion(plan.assumedServerVersion)}.`,
      '',
    );
  if (plan.migrations.length === 0) {
    out.push('No pending migrations.');
    return out.join('\n');
  }
  out.push('| Migration | Phase | Line | Statement | Lock | Rewrite | Scan | Rules |');
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const m of plan.migrations) {
    const name = `\`${cell(`${m.migration.app}/${m.migration.id}`)}\``;
    if (m.statements.length === 0) out.push(`| ${name} | ${m.phase} | | | | | | |`);
    m.statements.forEach((s, i) => {
      const sql = s.sql.replace(/\s+/g, ' ').trim();
      const rules = s.findings
        .filter((f) => f.rule !== 'session-statement')
        .map((f) => (f.allowed ? `~~${f.rule}~~ (allowed)` : f.rule));
      out.push(
        `| ${i === 0 ? name : ''} | ${phase(s.phase)} | ${s.line} | \`${cell(sql.length > SQL_CHARS ? `${sql.slice(0, SQL_CHARS - 1)}…` : sql)}\` | ${s.lock ? cell(`${s.lock}${s.relation ? ` on ${s.relation}` : ''}`) : '—'} | ${s.rewrite ? '**yes**' : 'no'} | ${s.scan ? 'yes' : 'no'} | ${cell(rules.join(', ')) || '—'} |`,
      );
    });
  }
  const list = (xs: string[]): string => (xs.length ? xs.map((x) => `\`${x}\``).join(', ') : '—');
  out.push('', `**Before the rollout (pre):** ${list(plan.stages.pre)}  `);
  out.push(`**After the rollout (post):** ${list(plan.stages.post)}  `);
  out.push(`**Blocked:** ${list(plan.stages.blocked)}`);
  if (n > 0) {
    out.push('', '#### Problems', '');
    for (const p of plan.problems) out.push(`- ${p.message.replace(/\n/g, ' ')}`);
    const fixes = plan.migrations.flatMap((m) =>
      m.statements.flatMap((s) =>
        s.findings
          .filter((f) => f.fix && !f.allowed && s.phase === 'unsafe')
          .map((f) => `**${m.migration.file}:${s.line}** (${f.rule})\n\n\`\`\`text\n${f.fix}\n\`\`\``),
      ),
    );
    if (fixes.length)
      out.push('', '<details><summary>How to fix</summary>', '', ...fixes.join('\n\n').split('\n'), '', '</details>');
  }
  return out.join('\n');
}

const phase = (p: string): string => (p === 'unsafe' ? '**unsafe**' : p);

/** Text safe inside a table cell: no pipes, no line breaks, no backticks closing the code span. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/`/g, "'").replace(/\n/g, ' ');
}
