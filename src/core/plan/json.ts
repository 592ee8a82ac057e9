/** `deployctl plan --json`, version 1: the stable schema in DESIGN.md. Extra keys are additive. */
import type { Plan } from './build.js';
import { majorOfServerVersion } from '../schema/facts.js';

export interface PlanJson {
  version: 1;
  ok: boolean;
  migrations: {
    app: string;
    id: string;
    file: string;
    phase: string;
    transactional: boolean;
    /** The phase a `deployctl:phase` directive or a deployctl.yaml decision forces, and why. */
    forcedPhase?: { phase: string; reason: string };
    /** What the classifier cannot judge from the SQL (a Django RunPython operation…). */
    notes?: string[];
    statements: {
      index: number;
      line: number;
      sql: string;
      phase: string;
      lock: string | null;
      relation: string | null;
      rewrite: boolean;
      scan: boolean;
      /**
       * A lock an earlier statement of the same transaction took, still held while this one runs,
       * that the app's reads or writes wait for (`index`: that statement's index).
       */
      heldLock?: { lock: string; relation: string; index: number; line: number; blocks: string };
      rules: { id: string; message: string; fix?: string; allowed?: string }[];
    }[];
  }[];
  stages: { pre: string[]; post: string[]; blocked: string[] };
  problems: { kind: string; app: string; id?: string; file?: string; line?: number; message: string }[];
  /** Static plan only (no database): the PostgreSQL major version the classifier assumed. */
  assumedPgVersion?: number;
}

export function planToJson(plan: Plan): PlanJson {
  return {
    version: 1,
    ok: plan.ok,
    migrations: plan.migrations.map((m) => ({
      app: m.migration.app,
      id: m.migration.id,
      file: m.migration.file,
      phase: m.phase,
      transactional: m.transactional,
      ...(m.directives.phase
        ? { forcedPhase: { phase: m.directives.phase.phase, reason: m.directives.phase.reason } }
        : {}),
      ...(m.migration.notes ? { notes: m.migration.notes } : {}),
      statements: m.statements.map((s) => ({
        index: s.index,
        line: s.line,
        sql: s.sql,
        phase: s.phase,
        lock: s.lock,
        relation: s.relation,
        rewrite: s.rewrite,
        scan: s.scan,
        ...(s.heldLock ? { heldLock: { ...s.heldLock } } : {}),
        rules: s.findings.map((f) => ({
          id: f.rule,
          message: f.message,
          ...(f.fix ? { fix: f.fix } : {}),
          ...(f.allowed ? { allowed: f.allowed } : {}),
        })),
      })),
    })),
    stages: plan.stages,
    problems: plan.problems.map((p) => ({ ...p })),
    ...(plan.assumedServerVersion !== undefined
      ? { assumedPgVersion: majorOfServerVersion(plan.assumedServerVersion) }
      : {}),
  };
}
