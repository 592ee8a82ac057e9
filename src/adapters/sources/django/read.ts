/**
 * Reads a `type: django` migration source with one Python process (the plan helper): Django's
 * migration graph, conflicting leaves, and for each migration Django has not applied the SQL of
 * each operation, against the target database. What comes out is MigrationFiles for the same
 * classifier as SQL files, and the applier that runs each stage of them in one Django process.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config, SourceConfig } from '../../../config/config.js';
import { DeployctlError } from '../../../errors.js';
import type { PlanProblem } from '../../../core/plan/build.js';
import type { MigrationFile } from '../../../core/migration.js';
import { directiveHeader } from './directives.js';
import type { Exec, Start } from './exec.js';
import type { LeafConflict, PlannedMigration } from './output.js';
import { DjangoRunner } from './runner.js';
import { djangoApplier } from './apply.js';
import type { MigrationApplier } from '../../../ports.js';

export interface SourceRead {
  app: string;
  files: MigrationFile[];
  /** Problems of the source as a whole (Django's conflicting leaves), added to the plan's. */
  problems: PlanProblem[];
  /** Applies this source's migrations with Django, one process per stage. */
  applier: MigrationApplier;
}

export async function readDjangoSource(
  source: SourceConfig,
  config: Pick<Config, 'databaseUrl' | 'baseDir'>,
  options: { exec?: Exec; start?: Start; cwd?: string } = {},
): Promise<SourceRead> {
  const cwd = options.cwd ?? process.cwd();
  if (!config.databaseUrl) {
    throw new DeployctlError(
      'CONFIG_INVALID',
      `migration source '${source.app}' (type django) needs the database: Django reads which migrations are applied from it, and the SQL of the pending ones depends on it. Set database.url in deployctl.yaml, --database-url or DATABASE_URL.`,
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
  const document = await runner.plan();
  const shown = (abs: string): string => {
    const relative = path.relative(cwd, abs);
    return relative.startsWith('..') ? abs : relative;
  };
  const files = await Promise.all(
    document.migrations.map(async (p) => {
      if (!p.file)
        throw new DeployctlError(
          'SOURCE_INVALID',
          `Django lists the migration ${p.app}.${p.name} but not the file it was loaded from`,
          { file: shown(source.manage!) },
        );
      return toMigrationFile(source.app, p, shown(p.file), await readFile(p.file, 'utf8'), document.django);
    }),
  );
  return {
    app: source.app,
    files,
    problems: conflictProblems(source.app, document.conflicts, files),
    applier: djangoApplier(project, options.start),
  };
}

/**
 * A Django migration as the classifier reads it: `up` is the directives of the .py file as SQL
 * comments, then each operation's SQL, and `sourceLines` sends every line of it back to the .py
 * line that declares the operation (or the directive).
 */
export function toMigrationFile(
  app: string,
  p: PlannedMigration,
  file: string,
  py: string,
  djangoVersion?: string,
): MigrationFile {
  const id = `${p.app}.${p.name}`;
  const header = directiveHeader(py, file);
  const forced = header.find((h) => h.text.startsWith('-- deployctl:phase '))?.text.split(/\s+/)[2];
  const up: string[] = header.map((h) => h.text);
  const sourceLines: number[] = header.map((h) => h.line);
  if (!p.atomic) {
    // Django runs it without a transaction: its statements hold no lock past their own end.
    const at = py.split('\n').findIndex((l) => /^\s*atomic\s*=\s*False\b/.test(l));
    up.push('-- deployctl:no-transaction the Django migration sets atomic = False');
    sourceLines.push(at >= 0 ? at + 1 : 1);
  }
  const notes: string[] = [];
  for (const op of p.operations ?? []) {
    const at = op.line ?? 1;
    const where = `${file}:${at}: ${op.type}`;
    if (op.sql === null) {
      const why = op.error
        ? `its SQL could not be worked out ahead of time against this database (${op.error}), so deployctl has not checked it`
        : `deployctl cannot see inside it (it is Python: '${op.description}')`;
      notes.push(
        `${where}: ${why}. ` +
          (forced
            ? `It runs ${forced === 'post' ? 'after' : 'before'} the rollout, as the file's deployctl:phase says.`
            : `It runs before the rollout, while the old code still serves; if it needs the new code, mark the file with '# deployctl:phase post <reason>'.`),
      );
      continue;
    }
    for (const sql of op.sql) {
      sourceLines.push(...sql.split('\n').map(() => at));
      up.push(sql);
    }
  }
  return {
    app,
    id,
    // Django orders migrations by its dependency graph and reports conflicting leaves itself: the
    // whole id is the prefix, so the planner's same-prefix check never pairs two of them.
    prefix: id,
    file,
    text: py,
    checksum: createHash('sha256').update(py, 'utf8').digest('hex'),
    up: up.join('\n'),
    ...(p.operations ? { sourceLines } : {}),
    framework: {
      kind: 'django',
      app: p.app,
      name: p.name,
      dependencies: p.dependencies,
      appliedByFramework: p.applied,
      ...(djangoVersion ? { version: djangoVersion } : {}),
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
