/**
 * Reads a `type: django` migration source: Django's migration graph (showmigrations), conflicting
 * leaves (migrate --plan), and for each migration Django has not applied the SQL it would run
 * (sqlmigrate, against the target database). What comes out is MigrationFiles for the same
 * classifier as SQL files, each carrying how to apply it (`apply`).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Config, SourceConfig } from '../../../config/config.js';
import { DeployctlError } from '../../../errors.js';
import type { PlanProblem } from '../../../core/plan/build.js';
import type { MigrationFile } from '../../../core/migration.js';
import { directiveHeader } from './directives.js';
import type { Exec } from './exec.js';
import { opaqueOperations, type LeafConflict, type PlannedMigration } from './output.js';
import { DjangoRunner } from './runner.js';
import { djangoApplier } from './apply.js';
import type { MigrationApplier } from '../../../ports.js';

export interface SourceRead {
  app: string;
  files: MigrationFile[];
  /** Problems of the source as a whole (Django's conflicting leaves), added to the plan's. */
  problems: PlanProblem[];
  /** Applies this source's migrations with `manage.py migrate`. */
  applier: MigrationApplier;
}

/** Each manage.py run loads Django (a few hundred ms of CPU): a few at a time. */
const SQLMIGRATE_CONCURRENCY = Math.max(1, Math.min(4, os.availableParallelism()));

export async function readDjangoSource(
  source: SourceConfig,
  config: Pick<Config, 'databaseUrl' | 'baseDir'>,
  options: { exec?: Exec; cwd?: string } = {},
): Promise<SourceRead> {
  const cwd = options.cwd ?? process.cwd();
  if (!config.databaseUrl) {
    throw new DeployctlError(
      'CONFIG_INVALID',
      `migration source '${source.app}' (type django) needs the database: Django reads which migrations are applied from it, and sqlmigrate asks it. Set database.url in deployctl.yaml, --database-url or DATABASE_URL.`,
      { key: 'database.url' },
    );
  }
  const python = source.python ?? 'python3';
  const project = {
    manage: source.manage!,
    // A path (`.venv/bin/python`) is relative to the config file, like every other path in it.
    python: python.includes('/') ? path.resolve(config.baseDir, python) : python,
    settings: source.settings,
  };
  const runner = new DjangoRunner({ ...project, databaseUrl: config.databaseUrl }, options.exec);
  const [planned, conflicts, paths] = await Promise.all([runner.plan(), runner.conflicts(), runner.migrationFiles()]);
  const shown = (abs: string): string => {
    const relative = path.relative(cwd, abs);
    return relative.startsWith('..') ? abs : relative;
  };
  const files = await mapLimit(planned, SQLMIGRATE_CONCURRENCY, async (p) => {
    const key = `${p.app}.${p.name}`;
    const py = paths.get(key);
    if (!py)
      throw new DeployctlError('SOURCE_INVALID', `Django lists the migration ${key} but its file could not be found`, {
        file: shown(source.manage!),
      });
    return toMigrationFile(source.app, p, shown(py), await readFile(py, 'utf8'), runner);
  });
  return {
    app: source.app,
    files,
    problems: conflictProblems(source.app, conflicts, files),
    applier: djangoApplier(project, options.exec),
  };
}

async function toMigrationFile(
  app: string,
  p: PlannedMigration,
  file: string,
  py: string,
  runner: DjangoRunner,
): Promise<MigrationFile> {
  const id = `${p.app}.${p.name}`;
  const header = directiveHeader(py, file);
  // An applied migration is only checked against the ledger's checksum: its SQL is not needed.
  const sql = p.applied ? '' : await runner.sqlMigrate(p.app, p.name);
  const forced = header.find((h) => h.startsWith('-- deployctl:phase '))?.split(/\s+/)[2];
  const notes = opaqueOperations(sql).map(
    (op) =>
      `${file}: '${op}': deployctl cannot see inside it (sqlmigrate shows no SQL for it). ` +
      (forced
        ? `It runs ${forced === 'post' ? 'after' : 'before'} the rollout, as the file's deployctl:phase says.`
        : `It runs before the rollout, while the old code still serves; if it needs the new code, mark the file with '# deployctl:phase post <reason>'.`),
  );
  return {
    app,
    id,
    // Django orders migrations by its dependency graph and reports conflicting leaves itself: the
    // whole id is the prefix, so the planner's same-prefix check never pairs two of them.
    prefix: id,
    file,
    text: py,
    checksum: createHash('sha256').update(py, 'utf8').digest('hex'),
    up: [...header, sql].join('\n'),
    framework: {
      kind: 'django',
      app: p.app,
      name: p.name,
      dependencies: p.dependencies,
      appliedByFramework: p.applied,
    },
    ...(notes.length ? { notes } : {}),
  };
}

function conflictProblems(app: string, conflicts: LeafConflict[], files: MigrationFile[]): PlanProblem[] {
  return conflicts.map((c) => {
    const leaves = files.filter((f) => f.framework?.app === c.app && c.leaves.includes(f.framework.name));
    const pending = leaves.find((f) => !f.framework?.appliedByFramework) ?? leaves[0];
    return {
      kind: 'conflict' as const,
      app,
      id: pending?.id,
      file: pending?.file,
      message:
        `Django app '${c.app}' has ${c.leaves.length} leaf migrations (${leaves.map((f) => f.file).join(', ') || c.leaves.join(', ')}): two branches each added a migration. ` +
        `Merge them with 'python manage.py makemigrations --merge ${c.app}' (a migration that depends on both), commit it, and run the release again.`,
    };
  });
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
