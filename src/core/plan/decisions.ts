/**
 * Decisions about a migration written in deployctl.yaml instead of in the file: for files a team
 * does not own (a Django app in site-packages, a vendored SQL folder), where a `deployctl:`
 * directive cannot be added. `allow` and `phase` have the effect of the directives of the same
 * name, over the whole migration: an allowed rule's findings are shown but no longer decide the
 * phase, and a forced phase replaces any phase but `unsafe`. Pure.
 */
import type { ClassifiedMigration, ClassifiedStatement } from '../classify/classify.js';
import type { Phase } from '../rules/rule.js';

export interface MigrationDecision {
  allow?: { rule: string; reason: string }[];
  phase?: 'pre' | 'post';
  /** Why the phase is forced; required with `phase`. */
  reason?: string;
}

const RANK: Record<Phase, number> = { pre: 0, post: 1, unsafe: 2 };
const strongest = (phases: Phase[]): Phase => phases.reduce<Phase>((a, b) => (RANK[b] > RANK[a] ? b : a), 'pre');

/**
 * `m` with `decision` applied. `where` names the decision in messages (`deployctl.yaml
 * migrations[0].decisions.sites.0002_alter_domain_unique`). An allow that matches no finding,
 * or a phase the file's own directive contradicts, is a problem of the migration.
 */
export function applyDecision(m: ClassifiedMigration, decision: MigrationDecision, where: string): ClassifiedMigration {
  const allows = decision.allow ?? [];
  const used = new Set<number>();
  const statements = m.statements.map((s): ClassifiedStatement => {
    let changed = false;
    const findings = s.findings.map((f) => {
      const i = allows.findIndex((a) => a.rule === f.rule);
      if (i === -1) return f;
      used.add(i);
      if (f.allowed) return f;
      changed = true;
      return { ...f, allowed: `${allows[i]!.reason} (${where})` };
    });
    if (!changed) return s;
    return { ...s, findings, phase: strongest(findings.filter((f) => !f.allowed).map((f) => f.phase)) };
  });
  const problems = m.problems.filter((p) => p.kind !== 'mixed');
  allows.forEach((a, i) => {
    if (!used.has(i))
      problems.push({
        kind: 'directive',
        message: `${where}.allow[${i}]: '${a.rule}' matches no finding of ${m.migration.id}; remove it`,
      });
  });
  let directives = m.directives;
  if (decision.phase) {
    const own = m.directives.phase;
    if (own && own.phase !== decision.phase)
      problems.push({
        kind: 'directive',
        message: `${where}.phase says ${decision.phase}, but ${m.migration.file}:${own.line} says 'deployctl:phase ${own.phase}'; keep one`,
      });
    else
      directives = {
        ...m.directives,
        phase: { phase: decision.phase, reason: `${decision.reason} (${where})`, line: 0 },
      };
  }
  const substantive = statements.filter((s) => !s.neutral);
  const pre = substantive.find((s) => s.phase === 'pre');
  const post = substantive.find((s) => s.phase === 'post');
  let phase: ClassifiedMigration['phase'] = strongest(substantive.map((s) => s.phase));
  if (directives.phase && phase !== 'unsafe') phase = directives.phase.phase;
  // The classifier's mixed verdict, taken again over the decided statements.
  if (!directives.phase && pre && post) {
    if (phase !== 'unsafe') phase = 'mixed';
    problems.push(
      m.problems.find((p) => p.kind === 'mixed') ?? {
        kind: 'mixed',
        message: `${m.migration.file} mixes a pre statement (line ${pre.line}) with a post statement (line ${post.line}): split them into two migrations.`,
      },
    );
  }
  return { ...m, statements, directives, phase, problems };
}
