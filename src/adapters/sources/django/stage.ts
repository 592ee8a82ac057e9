/**
 * One Python process that applies a stage's Django migrations (apply_helper.py inside the
 * project's `manage.py shell`), driven one migration at a time: deployctl asks for a migration,
 * waits until Django reports it applied (its django_migrations row committed), records it in its
 * own ledger, and only then asks for the next. A failed migration leaves the process waiting, so a
 * lock timeout is retried in the same process; the ones before it stay applied and recorded.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeployctlError } from '../../../errors.js';
import { spawnStart, type ExecResult, type RunningProcess, type Start } from './exec.js';
import { failureSummary } from './output.js';
import { DjangoMigrateError, type DjangoProject } from './runner.js';

/** Shipped beside this module (copied into dist/ by the build). */
const APPLY_HELPER = fileURLToPath(new URL('./apply_helper.py', import.meta.url));

export interface Limits {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

/** A line the helper writes: `{"deployctl": "<kind>", ...}`. */
interface Message {
  deployctl: string;
  migration?: string;
  pid?: number;
  ms?: number;
  error?: string;
  sqlstate?: string | null;
  pending?: string[];
}

export class DjangoStageProcess {
  private readonly queue: Message[] = [];
  private waiting?: () => void;
  private ended?: ExecResult | Error;
  private failed = false;

  private constructor(
    private readonly process: RunningProcess,
    private readonly project: DjangoProject,
  ) {
    process.onLine((line) => {
      const message = parse(line);
      if (!message) return;
      this.queue.push(message);
      this.waiting?.();
    });
    process.exited.then(
      (r) => {
        this.ended = r;
        this.waiting?.();
      },
      (e: unknown) => {
        this.ended = e instanceof Error ? e : new Error(String(e));
        this.waiting?.();
      },
    );
  }

  /**
   * Starts the process for `keys` (`<app>.<name>`, in plan order) and waits until Django has
   * loaded the project and checked the stage: every migration's dependencies are applied or come
   * earlier in it. `limits` are the stage's defaults, for what Django runs before the first migration.
   */
  static async start(
    project: DjangoProject,
    keys: readonly string[],
    limits: Limits,
    start: Start = spawnStart,
  ): Promise<DjangoStageProcess> {
    const bootstrap = `import runpy; runpy.run_path(${JSON.stringify(APPLY_HELPER)}, run_name='__deployctl_apply__')`;
    const env: Record<string, string> = {
      DATABASE_URL: project.databaseUrl,
      PGOPTIONS: `-c lock_timeout=${limits.lockTimeoutMs} -c statement_timeout=${limits.statementTimeoutMs}`,
      ...(project.settings ? { DJANGO_SETTINGS_MODULE: project.settings } : {}),
    };
    let running: RunningProcess;
    try {
      running = start(project.python, [project.manage, 'shell', '-c', bootstrap], {
        cwd: path.dirname(project.manage),
        env,
      });
    } catch (e) {
      throw startFailure(project, e);
    }
    const stage = new DjangoStageProcess(running, project);
    stage.process.write(`${JSON.stringify({ stage: keys })}\n`);
    const ready = await stage.next().catch((e: unknown) => {
      if (e instanceof DjangoMigrateError) throw e;
      throw startFailure(project, e);
    });
    if (ready.deployctl !== 'ready') throw stage.unexpected(ready, 'ready');
    return stage;
  }

  /** True while the process runs and has not reported a failure that ends it. */
  get alive(): boolean {
    return !this.ended && !this.failed;
  }

  /**
   * Applies `key` and resolves once Django has committed it. `onStarted` gets the server pid of
   * Django's connection when the migration starts (to report who blocks it). A failure rejects
   * with a DjangoMigrateError carrying the SQLSTATE (`code`), and the process waits for a retry.
   */
  async run(key: string, limits: Limits, onStarted?: (pid: number) => void): Promise<void> {
    this.process.write(
      `${JSON.stringify({ run: key, lock_timeout_ms: limits.lockTimeoutMs, statement_timeout_ms: limits.statementTimeoutMs })}\n`,
    );
    for (;;) {
      const m = await this.next();
      if (m.migration !== key) throw this.unexpected(m, `a report on ${key}`);
      if (m.deployctl === 'started') {
        if (typeof m.pid === 'number') onStarted?.(m.pid);
        continue;
      }
      if (m.deployctl === 'applied') return;
      if (m.deployctl === 'failed')
        throw new DjangoMigrateError(
          `Django could not apply ${key}: ${m.error ?? 'no reason given'}`,
          m.sqlstate ?? undefined,
        );
      throw this.unexpected(m, `a report on ${key}`);
    }
  }

  /** The stage is complete: Django marks squashed migrations and sends post_migrate, then the process exits. */
  async finish(): Promise<void> {
    this.process.write(`${JSON.stringify({ finish: true })}\n`);
    const m = await this.next();
    if (m.deployctl !== 'finished') throw this.unexpected(m, 'finished');
    this.process.endInput();
    await this.process.exited;
  }

  /** Ends the process without post_migrate (a stage that failed or was interrupted), after the migration in progress. */
  async close(): Promise<void> {
    this.process.endInput();
    await this.process.exited.catch(() => undefined);
  }

  private async next(): Promise<Message> {
    for (;;) {
      const m = this.queue.shift();
      if (m) {
        if (m.deployctl === 'fatal') {
          this.failed = true;
          throw new DjangoMigrateError(`Django could not run the stage: ${m.error ?? 'no reason given'}`);
        }
        return m;
      }
      if (this.ended) {
        this.failed = true;
        if (this.ended instanceof Error) throw this.ended;
        const why =
          this.ended.exitCode === null
            ? 'it was ended by a signal'
            : `it exited with code ${this.ended.exitCode}: ${failureSummary(this.ended.stderr || this.ended.stdout)}`;
        throw new DjangoMigrateError(`the Django process applying migrations (${this.shown()}) stopped: ${why}`);
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = undefined;
    }
  }

  private unexpected(m: Message, wanted: string): DjangoMigrateError {
    this.failed = true;
    this.process.endInput();
    return new DjangoMigrateError(
      `the Django process applying migrations (${this.shown()}) said ${JSON.stringify(m)} where deployctl expected ${wanted}`,
    );
  }

  private shown(): string {
    return `${this.project.python} ${path.relative(process.cwd(), this.project.manage) || this.project.manage} shell`;
  }
}

function parse(line: string): Message | undefined {
  if (!line.startsWith('{"')) return undefined;
  try {
    const v = JSON.parse(line) as unknown;
    if (typeof v === 'object' && v !== null && typeof (v as Message).deployctl === 'string') return v as Message;
  } catch {
    return undefined;
  }
  return undefined;
}

function startFailure(project: DjangoProject, e: unknown): DeployctlError {
  return new DeployctlError(
    'SOURCE_INVALID',
    `could not run '${project.python} ${project.manage}': ${(e as Error).message}. Set 'python' of the django source in deployctl.yaml to an interpreter with Django installed, e.g. python: .venv/bin/python`,
    { file: project.manage, cause: e },
  );
}
