/**
 * What the plan must add for Django sources, around the common planner. Pure.
 * - A migration Django has applied but the ledger does not know (applied before deployctl, by
 *   hand, or by a run that died before recording it) is not pending: Django will not run it again.
 * - Django applies a migration's dependencies first, so a `pre` migration that depends on a
 *   deferred `post` one would run the `post` one before the rollout: blocked, with the way out.
 * - Django's conflicting leaves (read with the source) block the plan.
 * - Findings get the Django way to fix them (AddIndexConcurrently, SeparateDatabaseAndState…).
 */
import type { ClassifiedMigration } from '../classify/classify.js';
import { buildPlan, stageKey, type Plan, type PlanInput, type PlanProblem } from './build.js';
import type { MigrationFile } from '../migration.js';
import type { MigrationDecision } from './decisions.js';

export interface PlanSource {
  app: string;
  files: MigrationFile[];
  /** deployctl.yaml's decisions per migration id (decisions.ts). */
  decisions?: Readonly<Record<string, MigrationDecision>>;
  /** Problems found while reading the source (Django's conflicting leaves). */
  problems?: PlanProblem[];
}

/** Rule id → how to do it safely in a Django migration. */
const DJANGO_FIXES: Record<string, string> = {
  'create-index-blocking':
    'In Django: replace AddIndex with AddIndexConcurrently (from django.contrib.postgres.operations) and set atomic = False on the migration.',
  'rename-column':
    "In Django: rename the field in Django's state only and keep the column: migrations.SeparateDatabaseAndState(state_operations=[migrations.RenameField(...), migrations.AlterField(..., field=...(db_column='<old name>'))], database_operations=[]).",
  'drop-required-column':
    'In Django: RemoveField of a NOT NULL field: make it nullable (null=True) in an earlier release (AlterField, which Django runs as DROP NOT NULL, before the rollout), then remove it.',
};

export function buildPlanWithDjango(input: Omit<PlanInput, 'sources'> & { sources: PlanSource[] }): Plan {
  const recorded = new Set(input.applied.map((a) => stageKey(a.app, a.id)));
  const sources = input.sources.map(({ app, files, decisions }) => {
    const kept = files.filter((f) => !f.framework?.appliedByFramework || recorded.has(stageKey(f.app, f.id)));
    // A decision about a migration Django has applied is history, not a typo: it stays out of the planner's check.
    const dropped = new Set(files.filter((f) => !kept.includes(f)).map((f) => f.id));
    const live = decisions && Object.fromEntries(Object.entries(decisions).filter(([id]) => !dropped.has(id)));
    return { app, files: kept, ...(live ? { decisions: live } : {}) };
  });
  const plan = buildPlan({ ...input, sources });
  if (!input.sources.some((s) => s.files.some((f) => f.framework))) return plan;
  const problems = [
    ...plan.problems.map((p) => withDjangoFix(p, plan.migrations)),
    ...input.sources.flatMap((s) => s.problems ?? []),
    ...dependencyProblems(plan, input.deferred),
  ];
  return restage(plan, problems);
}

/** Blocks each `pre` Django migration that (transitively) depends on a pending `post` one. */
function dependencyProblems(plan: Plan, deferred: PlanInput['deferred']): PlanProblem[] {
  const pending = new Map<string, ClassifiedMigration>();
  for (const m of plan.migrations) if (m.migration.framework) pending.set(stageKey(m.migration.app, m.migration.id), m);
  // A post migration an earlier release left for the next one runs first in this release's
  // preflight, before any pre migration, so a pre migration may depend on it.
  const post = new Set(plan.stages.post.filter((k) => deferred?.get(k) !== 'next-release'));
  const problems: PlanProblem[] = [];
  for (const key of plan.stages.pre) {
    const m = pending.get(key);
    if (!m) continue;
    const chain = postDependency(m, pending, post);
    if (!chain) continue;
    const culprit = chain[chain.length - 1]!;
    const { app, id, file } = m.migration;
    problems.push({
      kind: 'out-of-order',
      app,
      id,
      file,
      message:
        `${file}: ${id} runs before the rollout (pre), but it depends on ${chain.map((c) => c.migration.id).join(' → ')}, and ${culprit.migration.file} may run only after the rollout (post). ` +
        `Django applies a migration's dependencies first, so applying ${id} now would run ${culprit.migration.id} while the old code still serves. ` +
        `Release ${culprit.migration.id} first and ${id} in a later release ('deployctl release --artifact <version>' without ${id} runs ${culprit.migration.id} after that rollout; with --defer-post the next release runs it in its preflight, before ${id}), or, if ${id} does not need it, make ${id} come before it in the graph (edit the dependencies of both).`,
    });
  }
  return problems;
}

function postDependency(
  m: ClassifiedMigration,
  pending: Map<string, ClassifiedMigration>,
  post: Set<string>,
): ClassifiedMigration[] | undefined {
  const seen = new Set<string>();
  const walk = (at: ClassifiedMigration, path: ClassifiedMigration[]): ClassifiedMigration[] | undefined => {
    for (const dep of at.migration.framework?.dependencies ?? []) {
      const key = stageKey(at.migration.app, dep);
      const next = pending.get(key);
      if (!next || seen.has(key)) continue;
      seen.add(key);
      if (post.has(key)) return [...path, next];
      const found = walk(next, [...path, next]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(m, []);
}

/** A Django migration's mixed or unsafe problem, with the way to fix it in Django. */
function withDjangoFix(p: PlanProblem, migrations: ClassifiedMigration[]): PlanProblem {
  const m = migrations.find((x) => x.migration.framework && x.migration.app === p.app && x.migration.id === p.id);
  if (!m) return p;
  if (p.kind === 'mixed') return { ...p, message: mixedMessage(m) };
  if (p.kind !== 'unsafe') return p;
  // Several statements share a line when one Django operation emits them (AddField with db_index).
  const fixes = m.statements
    .filter((s) => s.line === p.line)
    .flatMap((s) => s.findings)
    .filter((f) => f.phase === 'unsafe' && !f.allowed)
    .map((f) => DJANGO_FIXES[f.rule])
    .filter(Boolean);
  return fixes.length ? { ...p, message: `${p.message} ${[...new Set(fixes)].join(' ')}` } : p;
}

function mixedMessage(m: ClassifiedMigration): string {
  const substantive = m.statements.filter((s) => !s.neutral);
  const pre = substantive.find((s) => s.phase === 'pre');
  const post = substantive.find((s) => s.phase === 'post');
  const flat = (sql = ''): string => sql.replace(/\s+/g, ' ');
  const { file, id } = m.migration;
  const droppedDefault = post?.findings.find((f) => f.rule === 'alter-column-default' && f.phase === 'post');
  if (pre && post && droppedDefault) return defaultMessage(m, flat(pre.sql), flat(post.sql), post.line);
  return (
    `${file} (${id}) mixes a change that must run before the rollout (${flat(pre?.sql)}) with one that may run only after it (${flat(post?.sql)}). ` +
    `Django applies a migration as a whole, so split it: keep the first operations here and move the others into a new migration that depends on this one ` +
    `('python manage.py makemigrations --empty ${m.migration.framework!.app}', then move the operations). ` +
    `To drop a field the old code still reads: in this release remove it from Django's state only — migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField(...)], database_operations=[]) — so the new code stops using it (if the column is NOT NULL, make it nullable or give it a default in the same release: the new code's inserts leave it out), ` +
    `and drop the column in a later migration (RunSQL 'ALTER TABLE ... DROP COLUMN ...'), which deployctl runs after the rollout.`
  );
}

/**
 * Django adds a field that has a Python default as ADD COLUMN … DEFAULT x NOT NULL and drops the
 * default in the same migration (Django keeps defaults in Python only). The DROP DEFAULT is a
 * contract step (alter-column-default): the old code's INSERTs leave the column out. Django 5's
 * db_default keeps the default in the database; before it, the drop goes to a later migration.
 */
function defaultMessage(m: ClassifiedMigration, addSql: string, dropSql: string, line: number): string {
  const { file, id } = m.migration;
  const major = Number(m.migration.framework?.version?.split('.')[0]);
  const dbDefault =
    major >= 5
      ? `On Django ${m.migration.framework!.version}: give the field db_default=<the value> instead of default=… (makemigrations again): Django then keeps the default in the database and never drops it.`
      : `Django 5 or later can keep the default in the database instead (db_default=<the value> on the field${Number.isFinite(major) ? `; this project runs Django ${m.migration.framework!.version}` : ''}).`;
  return (
    `${file}:${line} (${id}): AddField of a NOT NULL field with a default on an existing table. Django adds the column with the default (${addSql}), which runs before the rollout, ` +
    `and drops the default in the same migration (${dropSql}), which may run only after it: the old code's INSERTs leave the column out and rely on the default. ` +
    `${dbDefault} ` +
    `Or split it in two migrations: in this one, add the field but keep the database default — migrations.SeparateDatabaseAndState(state_operations=[migrations.AddField(...)], database_operations=[migrations.RunSQL("""${addSql}""")]) — ` +
    `and drop the default in a new migration that depends on it (migrations.RunSQL("""${dropSql}""")), which deployctl runs after the rollout.`
  );
}

/** The plan with `problems`: what they name is blocked, and any problem blocks the release. */
function restage(plan: Plan, problems: PlanProblem[]): Plan {
  const blocked = new Set(problems.filter((p) => p.id).map((p) => stageKey(p.app, p.id!)));
  const keys = plan.migrations.map((m) => stageKey(m.migration.app, m.migration.id));
  return {
    ...plan,
    ok: problems.length === 0,
    problems,
    stages: {
      pre: plan.stages.pre.filter((k) => !blocked.has(k)),
      post: plan.stages.post.filter((k) => !blocked.has(k)),
      blocked: keys.filter((k) => blocked.has(k)),
    },
  };
}
