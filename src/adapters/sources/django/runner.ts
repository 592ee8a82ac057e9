/**
 * Runs manage.py for one Django project: reads its migration plan (one process; stage.ts applies them). Every
 * command gets the target database through DATABASE_URL (the project's settings read it) and the
 * configured settings module through DJANGO_SETTINGS_MODULE. Processes go through the Exec port.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeployctlError } from '../../../errors.js';
import { spawnExec, type Exec, type ExecResult } from './exec.js';
import { failureSummary, parsePlanDocument, PlanDocumentError, type DjangoPlanDocument } from './output.js';

export interface DjangoProject {
  /** Absolute path of manage.py; commands run in its folder. */
  manage: string;
  /** The interpreter that has Django installed (`python3`, `.venv/bin/python`). */
  python: string;
  /** DJANGO_SETTINGS_MODULE; manage.py's own default when absent. */
  settings?: string;
  databaseUrl: string;
}

/** A migration Django could not apply. `code` is the SQLSTATE of the database error, so the executor's lock-timeout retry applies. */
export class DjangoMigrateError extends Error {
  readonly code?: string;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'DjangoMigrateError';
    this.code = code;
  }
}

/**
 * The plan helper shipped beside this module (copied into dist/ by the build), run inside the
 * project's `manage.py shell` so the project's own settings and sys.path apply.
 */
const PLAN_HELPER = fileURLToPath(new URL('./plan_helper.py', import.meta.url));

export class DjangoRunner {
  constructor(
    private readonly project: DjangoProject,
    private readonly exec: Exec = spawnExec,
  ) {}

  /**
   * Django's plan for the target database, in one process: every migration in the order
   * `migrate` applies them, and for each pending one its operations with their .py lines and SQL.
   */
  async plan(): Promise<DjangoPlanDocument> {
    const bootstrap = `import runpy; runpy.run_path(${JSON.stringify(PLAN_HELPER)}, run_name='__deployctl_plan__')`;
    const out = await this.succeed(['shell', '-c', bootstrap], 'shell (reading the migration plan)');
    try {
      return parsePlanDocument(out);
    } catch (e) {
      if (e instanceof PlanDocumentError)
        throw this.failure('shell (reading the migration plan)', `the plan helper's output is not valid: ${e.message}`);
      throw e;
    }
  }

  /** Runs `manage.py <args>` and returns its stdout; a non-zero exit is SOURCE_INVALID naming `command`. */
  async succeed(args: string[], command: string): Promise<string> {
    const r = await this.run(args);
    if (r.exitCode !== 0) throw this.failure(command, failureSummary(r.stderr || r.stdout));
    return r.stdout;
  }

  private async run(args: string[]): Promise<ExecResult> {
    const { manage, python, settings, databaseUrl } = this.project;
    const env: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      ...(settings ? { DJANGO_SETTINGS_MODULE: settings } : {}),
    };
    try {
      return await this.exec(python, [manage, ...args], { cwd: path.dirname(manage), env });
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

  /** manage.py as messages show it: relative to the working directory when under it. */
  shown(): string {
    const relative = path.relative(process.cwd(), this.project.manage);
    return relative.startsWith('..') ? this.project.manage : relative;
  }
}
