/**
 * `deployctl check`: the gate a pull request must pass, with or without a database.
 * - latest_migrations.manifest is current;
 * - every migration file reads and parses, its directives are valid;
 * - no two pending migrations of one app share an id prefix (two branches each added one);
 * - with a database: no applied file was changed, no pending migration sorts before an applied one;
 * - the plan is `ok` (nothing unsafe or mixed).
 * Reads only; changes nothing.
 */
import type { Config } from '../config/config.js';
import { withConnection } from '../adapters/postgres/connect.js';
import { isDeployctlError } from '../errors.js';
import { readSnapshot } from './snapshot.js';
import { manifestStatus } from './manifest.js';
import type { ProblemKind } from '../core/plan/build.js';

export type CheckKind = ProblemKind | 'manifest' | 'source';

export interface CheckProblem {
  kind: CheckKind;
  app?: string;
  id?: string;
  /** Path as shown to the user (relative to the working directory when possible). */
  file?: string;
  /** 1-based line in `file`, when the problem has one. */
  line?: number;
  message: string;
}

export interface CheckReport {
  ok: boolean;
  /** Whether a database was consulted (applied checksums and order are checked only then). */
  database: boolean;
  problems: CheckProblem[];
}

/** Errors that are a problem in the repository (a file that does not parse…), not in running the check. */
const SOURCE_ERRORS = new Set(['SQL_PARSE', 'DIRECTIVE_INVALID', 'SOURCE_INVALID']);

export async function checkCommand(config: Config, cwd = process.cwd()): Promise<CheckReport> {
  const problems: CheckProblem[] = [];
  const sourceProblem = (e: unknown): boolean => {
    if (!isDeployctlError(e) || !SOURCE_ERRORS.has(e.code)) return false;
    if (!problems.some((p) => p.kind === 'source' && p.message === e.message)) {
      problems.push({ kind: 'source', file: e.file, line: e.line, message: e.message });
    }
    return true;
  };

  try {
    const manifest = await manifestStatus(config, cwd);
    for (const d of manifest.differences) {
      problems.push({
        kind: 'manifest',
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
      problems.push({ kind: p.kind, app: p.app, id: p.id, file: p.file, line: p.line, message: p.message });
  } catch (e) {
    if (!sourceProblem(e)) throw e;
  }
  return { ok: problems.length === 0, database: config.databaseUrl !== undefined, problems };
}
