/**
 * Decide, then act: the plan is computed once from the migration files, what the ledger says is
 * applied, and catalog facts. It lists the pending migrations with their classification, the
 * stages they run in, and everything that blocks the release. Pure.
 */
import { ASSUMED_SERVER_VERSION, type CatalogFacts } from '../schema/facts.js';
import { classifyMigration, releaseDefinitions, type ClassifiedMigration } from '../classify/classify.js';
import { parseSql, type ParsedSql } from '../sql/parse.js';
import type { MigrationFile } from '../migration.js';
import { baselineStatus, partialBaselineMessage } from './baseline.js';
import { applyDecision, type MigrationDecision } from './decisions.js';

export interface AppliedMigration {
  app: string;
  id: string;
  checksum: string;
  phase: string;
  appliedAt: Date;
  releaseId: number | null;
}

export type ProblemKind = 'unsafe' | 'mixed' | 'checksum' | 'conflict' | 'out-of-order' | 'directive' | 'missing';

export interface PlanProblem {
  kind: ProblemKind;
  app: string;
  id?: string;
  file?: string;
  line?: number;
  message: string;
}

export interface Plan {
  ok: boolean;
  /** Pending migrations in execution order within each app. */
  migrations: ClassifiedMigration[];
  stages: { pre: string[]; post: string[]; blocked: string[] };
  problems: PlanProblem[];
  /** Applied migrations per the ledger, for status and rollback. */
  applied: AppliedMigration[];
  /** Static plan (no catalog): the server_version_num the classifier assumed. */
  assumedServerVersion?: number;
}

export interface PlanInput {
  /** `decisions`: per migration id, deployctl.yaml's `allow` / `phase` for it (decisions.ts). */
  sources: { app: string; files: MigrationFile[]; decisions?: Readonly<Record<string, MigrationDecision>> }[];
  applied: AppliedMigration[];
  catalog?: CatalogFacts;
  /** Without a catalog: the server_version_num to classify for (default ASSUMED_SERVER_VERSION). */
  assumedServerVersion?: number;
  allowOutOfOrder?: boolean;
  /**
   * Pending migrations (`app/id`) the ledger records as kept back on purpose: a post migration
   * staged after a later pre one, or left for the next release. They may sort before an applied one.
   */
  deferred?: ReadonlyMap<string, 'staged' | 'next-release'>;
  /** Planner row estimates (`EXPLAIN`, never executed) per migration file, by statement index. */
  estimates?: ReadonlyMap<string, ReadonlyMap<number, number>>;
}

export const stageKey = (app: string, id: string): string => `${app}/${id}`;

export function buildPlan(input: PlanInput): Plan {
  const problems: PlanProblem[] = [];
  const migrations: ClassifiedMigration[] = [];
  const applied = new Map(input.applied.map((a) => [stageKey(a.app, a.id), a]));
  const assumedServerVersion = input.catalog ? undefined : (input.assumedServerVersion ?? ASSUMED_SERVER_VERSION);
  const pending: { app: string; file: MigrationFile; parsed: ParsedSql; decision?: MigrationDecision }[] = [];

  for (const { app, files, decisions = {} } of input.sources) {
    const ids = new Set(files.map((f) => f.id));
    for (const id of Object.keys(decisions).filter((d) => !ids.has(d)))
      problems.push({
        kind: 'directive',
        app,
        message: `deployctl.yaml decides about ${app}/${id}, but the source has no migration with that id; correct or remove it`,
      });
    const appliedHere = input.applied
      .filter((a) => a.app === app)
      .map((a) => a.id)
      .sort();
    const lastApplied = appliedHere[appliedHere.length - 1];
    const byPrefix = new Map<string, MigrationFile[]>();
    for (const f of files) byPrefix.set(f.prefix, [...(byPrefix.get(f.prefix) ?? []), f]);

    for (const f of files) {
      const done = applied.get(stageKey(app, f.id));
      if (done) {
        if (done.checksum !== f.checksum) {
          problems.push({
            kind: 'checksum',
            app,
            id: f.id,
            file: f.file,
            message: `${f.file} was changed after it was applied (checksum differs from the ledger's). Restore the applied version and put the change in a new migration.`,
          });
        }
        continue;
      }
      const baseline = baselineStatus(f.id, appliedHere);
      if (baseline === 'covered') continue;
      if (baseline === 'partial')
        problems.push({
          kind: 'out-of-order',
          app,
          id: f.id,
          file: f.file,
          message: partialBaselineMessage(f.file, f.id, lastApplied),
        });
      const twins = byPrefix.get(f.prefix)!;
      if (twins.length > 1) {
        problems.push({
          kind: 'conflict',
          app,
          id: f.id,
          file: f.file,
          message: `${f.file} shares the id ${f.prefix} with ${twins
            .filter((t) => t !== f)
            .map((t) => t.file)
            .join(', ')}: two branches each added a migration. Renumber one so that it sorts after the other.`,
        });
      }
      // A Django migration's order is its dependency graph, not its id (src/core/plan/django.ts).
      const deferred = input.deferred?.has(stageKey(app, f.id)) ?? false;
      if (lastApplied && f.id < lastApplied && !input.allowOutOfOrder && !f.framework && !deferred) {
        problems.push({
          kind: 'out-of-order',
          app,
          id: f.id,
          file: f.file,
          message: `${f.file} is pending but sorts before ${app}/${lastApplied}, which is already applied. Rename it so that it sorts last, or set allowOutOfOrder: true in deployctl.yaml.`,
        });
      }
      const decision = Object.hasOwn(decisions, f.id) ? decisions[f.id] : undefined;
      pending.push({ app, file: f, parsed: parseSql(f.up, f.file), decision });
    }
  }

  // The release is the unit: with a database (the ledger says what is pending), each migration is
  // classified knowing what the other pending ones define. A static plan cannot know what is
  // applied, so it judges each file as if the ones before it were (as the pull-request gate needs).
  const definitions = input.catalog
    ? releaseDefinitions(pending.map((p) => ({ file: p.file.file, parsed: p.parsed })))
    : undefined;
  pending.forEach(({ app, file: f, parsed, decision }, position) => {
    let classified = atSourceLines(
      classifyMigration(f, {
        catalog: input.catalog,
        assumedServerVersion,
        parsed,
        ...(definitions
          ? {
              release: {
                definitions,
                position,
                earlier: pending
                  .slice(0, position)
                  .map((p) => ({ file: p.file.file, statements: p.parsed.statements })),
              },
            }
          : {}),
        estimates: input.estimates?.get(f.file),
        earlier: migrations.slice(),
      }),
    );
    if (decision) classified = applyDecision(classified, decision, `deployctl.yaml decisions of ${app}/${f.id}`);
    migrations.push(classified);
    for (const s of classified.statements) {
      if (s.phase !== 'unsafe') continue;
      for (const finding of s.findings.filter((x) => x.phase === 'unsafe' && !x.allowed)) {
        problems.push({
          kind: 'unsafe',
          app,
          id: f.id,
          file: f.file,
          line: s.line,
          message: `${f.file}:${s.line}: ${finding.rule}: ${finding.message}`,
        });
      }
    }
    for (const p of classified.problems)
      problems.push({
        kind: p.kind,
        app,
        id: f.id,
        file: f.file,
        ...(p.line !== undefined ? { line: p.line } : {}),
        message: p.message,
      });
  });

  const blockedIds = new Set(problems.filter((p) => p.id).map((p) => stageKey(p.app, p.id!)));
  const key = (m: ClassifiedMigration): string => stageKey(m.migration.app, m.migration.id);
  const runnable = migrations.filter((m) => !blockedIds.has(key(m)));
  return {
    ok: problems.length === 0,
    migrations,
    stages: {
      pre: runnable.filter((m) => m.phase === 'pre').map(key),
      post: runnable.filter((m) => m.phase === 'post').map(key),
      blocked: migrations.filter((m) => blockedIds.has(key(m))).map(key),
    },
    problems,
    applied: input.applied,
    ...(assumedServerVersion !== undefined ? { assumedServerVersion } : {}),
  };
}

/** Statement lines as lines of the migration's file when its `up` was generated from it (MigrationFile.sourceLines). */
function atSourceLines(m: ClassifiedMigration): ClassifiedMigration {
  const lines = m.migration.sourceLines;
  if (!lines) return m;
  return { ...m, statements: m.statements.map((s) => ({ ...s, line: lines[s.line - 1] ?? s.line })) };
}
