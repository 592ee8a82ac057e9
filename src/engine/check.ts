/**
 * `deployctl check`: the gate a pull request must pass, with or without a database.
 * - latest_migrations.manifest is current;
 * - every migration file reads and parses, its directives are valid;
 * - no two pending migrations of one app share an id prefix (two branches each added one);
 * - with a database: no applied file was changed, no pending migration sorts before an applied one;
 * - the plan is `ok` (nothing unsafe or mixed);
 * - for a django source, the schema hygiene of its models and the freshness of its schema-hash
 *   module (engine/django-schema.ts), each finding an error or a warning as deployctl.yaml says.
 * Only errors fail the check. Reads only; changes nothing (a schema-hash check builds the release's
 * schema in a scratch database, always dropped).
 */
import path from 'node:path';
import type { Config } from '../config/config.js';
import { withConnection } from '../adapters/postgres/connect.js';
import { isDeployctlError } from '../errors.js';
import { readSnapshot } from './snapshot.js';
import { manifestStatus } from './manifest.js';
import type { ProblemKind } from '../core/plan/build.js';
import type { DjangoCheckId } from '../core/django/hygiene.js';
import { djangoCheckProblems } from './django-schema.js';

export type CheckKind = ProblemKind | 'manifest' | 'source' | DjangoCheckId;

export interface CheckProblem {
  kind: CheckKind;
  /** An error fails the check; a warning is reported and does not. */
  severity: 'error' | 'warning';
  app?: string;
  id?: string;
  /** Path as shown to the user (relative to the working directory when possible). */
  file?: string;
  /** 1-based line in `file`, when the problem has one. */
  line?: number;
  message: string;
  /** How to fix it, when the message alone does not say. */
  fix?: string;
}

export interface CheckOptions {
  /** Django sources: also report the models of django.contrib and installed packages. */
  includeThirdParty?: boolean;
}

export interface CheckReport {
  /** No problem is an error (warnings do not count). */
  ok: boolean;
  /** Whether a database was consulted (applied checksums and order are checked only then). */
  database: boolean;
  problems: CheckProblem[];
}

/** Errors that are a problem in the repository (a file that does not parse…), not in running the check. */
const SOURCE_ERRORS = new Set(['SQL_PARSE', 'DIRECTIVE_INVALID', 'SOURCE_INVALID']);

export async function checkCommand(
  config: Config,
  cwd = process.cwd(),
  options: CheckOptions = {},
): Promise<CheckReport> {
  const problems: CheckProblem[] = [];
  const sourceProblem = (e: unknown): boolean => {
    if (!isDeployctlError(e) || !SOURCE_ERRORS.has(e.code)) return false;
    if (!problems.some((p) => p.kind === 'source' && p.message === e.message)) {
      problems.push({ kind: 'source', severity: 'error', file: e.file, line: e.line, message: e.message });
    }
    return true;
  };

  try {
    const manifest = await manifestStatus(config, cwd);
    for (const d of manifest.differences) {
      problems.push({
        kind: 'manifest',
        severity: 'error',
        app: d.app || undefined,
        file: manifest.exists ? manifest.shown : undefined,
        line: d.line,
        message: d.message,
      });
    }
  } catch (e) {
    if (!sourceProblem(e)) throw e;
  }

  try {
    const { plan } = config.databaseUrl
      ? await withConnection(config.databaseUrl, (db) => readSnapshot(config, db))
      : await readSnapshot(config);
    for (const p of plan.problems)
      problems.push({
        kind: p.kind,
        severity: 'error',
        app: p.app,
        id: p.id,
        file: p.file,
        line: p.line,
        message: p.message,
      });
  } catch (e) {
    if (!sourceProblem(e)) throw e;
  }

  for (const source of config.sources.filter((s) => s.type === 'django')) {
    // A project Django cannot load was reported by the plan already: its models would fail alike.
    const unreadable = problems.some(
      (p) => p.kind === 'source' && p.file !== undefined && path.resolve(cwd, p.file) === source.manage,
    );
    if (unreadable) continue;
    try {
      problems.push(...(await djangoCheckProblems(config, source, { ...options, cwd })));
    } catch (e) {
      if (!sourceProblem(e)) throw e;
    }
  }
  return {
    ok: !problems.some((p) => p.severity === 'error'),
    database: config.databaseUrl !== undefined,
    problems,
  };
}
