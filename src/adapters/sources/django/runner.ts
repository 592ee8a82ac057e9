/**
 * Runs manage.py for one Django project: lists migrations, prints their SQL, applies them. Every
 * command gets the target database through DATABASE_URL (the project's settings read it) and the
 * configured settings module through DJANGO_SETTINGS_MODULE. Processes go through the Exec port.
 */
import path from 'node:path';
import { DeployctlError } from '../../../errors.js';
import { spawnExec, type Exec, type ExecResult } from './exec.js';
import {
  diedOfLockTimeout,
  failureSummary,
  parseConflicts,
  parseShowMigrationsPlan,
  type LeafConflict,
  type PlannedMigration,
} from './output.js';

export interface DjangoProject {
  /** Absolute path of manage.py; commands run in its folder. */
  manage: string;
  /** The interpreter that has Django installed (`python3`, `.venv/bin/python`). */
  python: string;
  /** DJANGO_SETTINGS_MODULE; manage.py's own default when absent. */
  settings?: string;
  databaseUrl: string;
}

/** A failed `manage.py migrate`. `code` is the SQLSTATE when the output shows it, so the executor's lock-timeout retry applies. */
export class DjangoMigrateError extends Error {
  readonly code?: string;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'DjangoMigrateError';
    this.code = code;
  }
}

/** lock_not_available: what psycopg's LockNotAvailable stands for. */
const LOCK_NOT_AVAILABLE = '55P03';

/** Asks Django where each migration's .py file is (apps may live anywhere on the Python path). */
const MIGRATION_FILES_SCRIPT = [
  'import json, sys',
  'from django.db.migrations.loader import MigrationLoader',
  'files = {}',
  'for (app, name), migration in MigrationLoader(None, ignore_no_migrations=True).disk_migrations.items():',
  '    files[app + "." + name] = sys.modules[migration.__module__].__file__',
  'print(json.dumps(files))',
].join('\n');

export class DjangoRunner {
  constructor(
    private readonly project: DjangoProject,
    private readonly exec: Exec = spawnExec,
  ) {}

  /** Every migration in the order Django applies them, with whether it is applied and what it depends on. */
  async plan(): Promise<PlannedMigration[]> {
    const out = await this.succeed(['showmigrations', '--plan', '-v', '2']);
    try {
      return parseShowMigrationsPlan(out);
    } catch (e) {
      throw this.failure('showmigrations --plan', (e as Error).message);
    }
  }

  /**
   * Apps with more than one leaf migration. `migrate --plan` checks exactly this before anything
   * else and changes nothing (`makemigrations --check` also fails on model changes without a migration).
   */
  async conflicts(): Promise<LeafConflict[]> {
    const r = await this.run(['migrate', '--plan']);
    if (r.exitCode === 0) return [];
    const conflicts = parseConflicts(`${r.stderr}\n${r.stdout}`);
    if (conflicts) return conflicts;
    throw this.failure('migrate --plan', failureSummary(r.stderr || r.stdout));
  }

  /** The SQL Django runs for one migration, against the target database's state. */
  sqlMigrate(app: string, name: string): Promise<string> {
    return this.succeed(['sqlmigrate', app, name]);
  }

  /** `<app>.<name>` → absolute path of the migration's .py file. */
  async migrationFiles(): Promise<Map<string, string>> {
    const out = await this.succeed(['shell', '-c', MIGRATION_FILES_SCRIPT]);
    const last = out.trim().split('\n').pop() ?? '';
    try {
      return new Map(Object.entries(JSON.parse(last) as Record<string, string>));
    } catch {
      throw this.failure('shell (listing migration files)', `unexpected output ${JSON.stringify(last.slice(0, 200))}`);
    }
  }

  /**
   * Applies one migration (and any of its dependencies not yet applied) with Django. lock_timeout
   * and statement_timeout reach Django's connection through libpq's PGOPTIONS, so its own DDL
   * gives up instead of queueing the app's queries behind it.
   */
  async migrate(
    app: string,
    name: string,
    limits: { lockTimeoutMs: number; statementTimeoutMs: number },
    signal?: AbortSignal,
  ): Promise<void> {
    const r = await this.run(['migrate', app, name, '--no-input'], {
      env: { PGOPTIONS: `-c lock_timeout=${limits.lockTimeoutMs} -c statement_timeout=${limits.statementTimeoutMs}` },
      signal,
    });
    if (r.exitCode === 0) return;
    const output = `${r.stderr}\n${r.stdout}`;
    const why = r.exitCode === null ? 'interrupted' : failureSummary(r.stderr || r.stdout);
    throw new DjangoMigrateError(
      `manage.py migrate ${app} ${name} failed: ${why}`,
      diedOfLockTimeout(output) ? LOCK_NOT_AVAILABLE : undefined,
    );
  }

  private async succeed(args: string[]): Promise<string> {
    const r = await this.run(args);
    if (r.exitCode !== 0) throw this.failure(args[0]!, failureSummary(r.stderr || r.stdout));
    return r.stdout;
  }

  private async run(
    args: string[],
    extra: { env?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<ExecResult> {
    const { manage, python, settings, databaseUrl } = this.project;
    const env: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      ...(settings ? { DJANGO_SETTINGS_MODULE: settings } : {}),
      ...extra.env,
    };
    try {
      return await this.exec(python, [manage, ...args], { cwd: path.dirname(manage), env, signal: extra.signal });
    } catch (e) {
      throw new DeployctlError(
        'SOURCE_INVALID',
        `could not run '${python} ${this.shown()}': ${(e as Error).message}. Set 'python' of the django source in deployctl.yaml to an interpreter with Django installed, e.g. python: .venv/bin/python`,
        { file: this.shown(), cause: e },
      );
    }
  }

  private failure(command: string, why: string): DeployctlError {
    return new DeployctlError('SOURCE_INVALID', `'${this.shown()} ${command}' failed: ${why}`, { file: this.shown() });
  }

  private shown(): string {
    const relative = path.relative(process.cwd(), this.project.manage);
    return relative.startsWith('..') ? this.project.manage : relative;
  }
}
