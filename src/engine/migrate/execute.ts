/**
 * Runs migrations so the app never stalls behind them:
 * - every migration runs with lock_timeout (and statement_timeout) set, so a lock request that
 *   would queue app queries behind it gives up after lockTimeoutMs instead;
 * - on lock_not_available (55P03) it is retried with exponential backoff and jitter (p-retry),
 *   and the sessions in the way are reported; the last attempt still has a lock_timeout;
 * - a transactional migration and its ledger row commit together: applied fully or not at all;
 * - a non-transactional one (CONCURRENTLY…) runs statement by statement and is recorded after
 *   its last statement; an INVALID index left by a failed concurrent build is dropped before the
 *   build is tried again (also after a crash);
 * - a lost connection is re-opened and the ledger re-read before anything is retried.
 */
import pRetry, { AbortError } from 'p-retry';
import type { Clock } from '../../ports.js';
import type { ClassifiedMigration } from '../../core/classify/classify.js';
import { connect } from '../../adapters/postgres/connect.js';
import type { Db, ExternalLedger, MigrationApplier } from '../../ports.js';
import { DeployctlError } from '../../errors.js';
import type { Emit } from '../../ports.js';
import { LedgerStore } from '../../adapters/ledger/store.js';
import type { ParsedStatement } from '../../core/sql/parse.js';
import { isTransactionControl } from '../../core/sql/transaction.js';
import { readLockWait, watchBlockers } from '../../adapters/postgres/blockers.js';
import { dropInvalidIndexBefore } from '../../adapters/postgres/invalid-index.js';
import { errorLine, isConnectionLoss, isLockTimeout } from '../../adapters/postgres/pg-errors.js';
import type { ThrottleConfig, ThrottleProbeConfig } from '../../config/throttle.js';
import { openProbe } from '../../adapters/health/probe.js';
import { backfillStatement } from '../../core/throttle/backfill.js';
import type { ClassifiedStatement } from '../../core/classify/classify.js';
import { runBackfill } from './backfill.js';
import { ThrottleRun } from './throttle.js';

export interface ExecuteOptions {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  retry: { attempts: number; minDelayMs: number; maxDelayMs: number };
  releaseId: number | null;
  schema: string;
  /** The throttle (config/throttle.ts) with its probe resolved; undefined: none. */
  throttle?: ThrottleConfig & { probeConfig: ThrottleProbeConfig };
}

export interface ExecuteDeps {
  url: string;
  clock: Clock;
  emit: Emit;
  /** An idle connection (the advisory-lock one) used to read who blocks a waiting migration. */
  monitor?: Db;
  /** A statement running longer than this reports itself (`migration:running`) at this interval; default 10 s. */
  heartbeatMs?: number;
  signal?: AbortSignal;
  /** Per app label: the framework that applies that source's migrations itself (Django). */
  appliers?: ReadonlyMap<string, MigrationApplier>;
  /** Per app label: the other tool's ledger to keep in step (ports.ts, ExternalLedger). */
  externalLedgers?: ReadonlyMap<string, ExternalLedger>;
}

export interface AppliedResult {
  app: string;
  id: string;
  phase: string;
  ms: number;
  attempts: number;
}

/**
 * The connection migrations run on. Its server session is recorded in the ledger while it is
 * open: if this process dies while a statement waits for a lock, the next run ends it.
 */
class Session {
  db!: Db;
  lost = false;
  /** Started on the first migration that needs it (a backfill, or a statement that scans or rewrites). */
  throttle: ThrottleRun | undefined;
  constructor(
    private readonly url: string,
    private readonly options: ExecuteOptions,
  ) {}
  async open(): Promise<void> {
    this.db = await connect(this.url, 'deployctl migrate');
    this.lost = false;
    this.db.on('error', () => {
      this.lost = true;
    });
    this.db.on('end', () => {
      this.lost = true;
    });
    await new LedgerStore(this.db, this.options.schema).recordSession(this.db, this.options.releaseId);
  }
  async close(): Promise<void> {
    await this.throttle?.stop().catch(() => undefined);
    if (!this.lost) await new LedgerStore(this.db, this.options.schema).forgetSession(this.db).catch(() => undefined);
    await this.db?.end().catch(() => undefined);
  }
}

export async function executeMigrations(
  migrations: ClassifiedMigration[],
  options: ExecuteOptions,
  deps: ExecuteDeps,
): Promise<AppliedResult[]> {
  const session = new Session(deps.url, options);
  await session.open();
  const results: AppliedResult[] = [];
  const appliers = beginAppliers(migrations, deps);
  let completed = false;
  try {
    for (const m of migrations) {
      if (deps.signal?.aborted) throw await interruptedAfter(migrations, results, options, deps);
      try {
        const result = await runOne(m, session, options, deps);
        if (result) results.push(result);
      } catch (e) {
        if (e instanceof DeployctlError && e.code === 'INTERRUPTED')
          throw await interruptedAfter(migrations, results, options, deps);
        throw Object.assign(e as object, { applied: results });
      }
    }
    completed = true;
  } finally {
    await session.close();
  }
  // A framework finishes its stage (Django's post_migrate) only when every migration of it applied.
  for (const applier of appliers) {
    if (!completed) {
      await applier.end?.(false).catch(() => undefined);
      continue;
    }
    try {
      await applier.end?.(true);
    } catch (e) {
      throw Object.assign(
        new DeployctlError(
          'MIGRATION_FAILED',
          `every migration was applied and recorded, but finishing the stage failed: ${(e as Error).message}`,
          { cause: e },
        ),
        { applied: results },
      );
    }
  }
  return results;
}

/** Tells each framework applier which migrations of its source this run holds (the stage it may apply in one go). */
function beginAppliers(migrations: ClassifiedMigration[], deps: ExecuteDeps): MigrationApplier[] {
  const started: MigrationApplier[] = [];
  for (const applier of new Set(deps.appliers?.values() ?? [])) {
    const own = migrations.filter((m) => m.migration.framework && deps.appliers?.get(m.migration.app) === applier);
    if (own.length === 0) continue;
    applier.begin?.(own);
    started.push(applier);
  }
  return started;
}

/**
 * The truth after an interrupt, read back from the ledger on a fresh connection (the migration
 * connection may be the one that broke): which migrations of this run are applied and recorded,
 * and which are not. The error carries this run's results as `applied`.
 */
async function interruptedAfter(
  migrations: ClassifiedMigration[],
  results: AppliedResult[],
  options: ExecuteOptions,
  deps: ExecuteDeps,
): Promise<DeployctlError> {
  const keys = migrations.map((m) => `${m.migration.app}/${m.migration.id}`);
  let applied: string[] | undefined;
  const db = await connect(deps.url, 'deployctl migrate').catch(() => undefined);
  if (db) {
    try {
      const ledger = new LedgerStore(db, options.schema);
      applied = [];
      for (const m of migrations)
        if (await ledger.isApplied(m.migration.app, m.migration.id))
          applied.push(`${m.migration.app}/${m.migration.id}`);
    } catch {
      applied = undefined;
    } finally {
      await db.end().catch(() => undefined);
    }
  }
  const done = applied ?? results.map((r) => `${r.app}/${r.id}`);
  const missing = keys.filter((k) => !done.includes(k));
  const error = new DeployctlError(
    'INTERRUPTED',
    `interrupted at a safe point between migrations${applied ? ' (read back from the ledger)' : ''}: ` +
      `${done.length ? `applied and recorded: ${done.join(', ')}` : 'none of them was applied'}` +
      `${missing.length ? `; not applied: ${missing.join(', ')}` : ''}. Run the same command again to continue`,
  );
  return Object.assign(error, { applied: results });
}

async function runOne(
  m: ClassifiedMigration,
  session: Session,
  options: ExecuteOptions,
  deps: ExecuteDeps,
): Promise<AppliedResult | undefined> {
  const { app, id } = m.migration;
  const phase = m.phase === 'post' ? 'post' : 'pre';
  if (await new LedgerStore(session.db, options.schema).isApplied(app, id)) {
    deps.emit({ type: 'migration:skipped', app, id, reason: 'already recorded in the ledger' });
    return undefined;
  }
  const lockTimeoutMs = m.directives.lockTimeoutMs ?? options.lockTimeoutMs;
  const statementTimeoutMs = m.directives.statementTimeoutMs ?? options.statementTimeoutMs;
  const started = deps.clock.now();
  /** Statements of a non-transactional migration that already succeeded in this run. */
  let done = 0;
  let attempts = 0;
  let recorded = false;

  const attempt = async (): Promise<void> => {
    attempts++;
    if (session.lost) {
      await session.open();
      deps.emit({ type: 'migration:reconnected', app, id });
      if (await new LedgerStore(session.db, options.schema).isApplied(app, id)) {
        recorded = true;
        return;
      }
    }
    deps.emit({ type: 'migration:start', app, id, phase, attempt: attempts });
    const ledger = new LedgerStore(session.db, options.schema);
    const external = deps.externalLedgers?.get(app);
    const record = async (): Promise<void> => {
      const finishedAtMs = deps.clock.now();
      await ledger.recordApplied(session.db, {
        app,
        id,
        checksum: m.migration.checksum,
        phase,
        durationMs: finishedAtMs - started,
        releaseId: options.releaseId,
        attempts,
      });
      await external?.record(session.db, m.migration, { startedAtMs: started, finishedAtMs });
    };
    const applier = m.migration.framework ? deps.appliers?.get(app) : undefined;
    if (m.migration.framework && !applier)
      throw new DeployctlError(
        'SOURCE_INVALID',
        `${m.migration.file}: no applier for its framework (${m.migration.framework.kind})`,
        { file: m.migration.file },
      );
    if (applier) {
      await applier.apply(
        m,
        {
          db: session.db,
          url: deps.url,
          lockTimeoutMs,
          statementTimeoutMs,
          emit: deps.emit,
          signal: deps.signal,
          monitor: deps.monitor,
        },
        record,
      );
      recorded = true;
      return;
    }
    const classified = m.statements.filter((s) => !isTransactionControl(s.parsed));
    const statements = classified.map((s) => s.parsed);
    const db = session.db;
    const throttle = await throttleFor(m, session, options, deps);
    if (m.directives.backfill) {
      const b = backfillStatement(statements, m.directives.backfill.key);
      if (!b.ok)
        throw new DeployctlError('DIRECTIVE_INVALID', `${m.migration.file}: 'deployctl:backfill': ${b.why}`, {
          file: m.migration.file,
        });
      await runBackfill(
        db,
        m,
        b.backfill,
        { schema: options.schema, lockTimeoutMs, statementTimeoutMs },
        { clock: deps.clock, emit: deps.emit, signal: deps.signal, throttle },
      );
      if (external) await inTransaction(db, record);
      else await record();
      recorded = true;
      return;
    }
    if (m.transactional) {
      // Waiting happens before the transaction opens: no lock is held while the app recovers.
      if (throttle && classified.some(heavy)) await gate(throttle, m, 'before its transaction', deps);
      await db.query('BEGIN');
      try {
        await db.query(`SET LOCAL lock_timeout = ${lockTimeoutMs}`);
        await db.query(`SET LOCAL statement_timeout = ${statementTimeoutMs}`);
        if (throttle) await gentle(db, throttle.config, 'LOCAL');
        for (const s of statements) await runStatement(db, s, m, lockTimeoutMs, deps);
        await record();
        await db.query('COMMIT');
        // A plain SET in the file outlives the transaction; the next migration starts clean.
        await db.query('RESET ALL');
      } catch (e) {
        if (!session.lost) await db.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    } else {
      await db.query(`SET lock_timeout = ${lockTimeoutMs}`);
      await db.query(`SET statement_timeout = ${statementTimeoutMs}`);
      if (throttle) await gentle(db, throttle.config, '');
      if (done === 0) await external?.starting?.(db, m.migration);
      for (; done < statements.length; done++) {
        const s = statements[done]!;
        if (throttle && heavy(classified[done]!)) await gate(throttle, m, `before line ${s.line}`, deps);
        const dropped = await dropInvalidIndexBefore(db, s);
        if (dropped) deps.emit({ type: 'migration:invalid-index-dropped', app, id, index: dropped });
        try {
          await runStatement(db, s, m, lockTimeoutMs, deps);
        } catch (e) {
          // Leave no INVALID index behind, whether or not this failure is retried.
          if (!session.lost) {
            const cleaned = await dropInvalidIndexBefore(db, s).catch(() => undefined);
            if (cleaned) deps.emit({ type: 'migration:invalid-index-dropped', app, id, index: cleaned });
          }
          throw e;
        }
      }
      // deployctl's row and the other tool's rows commit together.
      if (external) await inTransaction(db, record);
      else await record();
      await db.query('RESET ALL');
    }
    recorded = true;
  };

  try {
    await pRetry(
      async () => {
        if (deps.signal?.aborted) throw new AbortError(interrupted());
        try {
          await attempt();
        } catch (e) {
          if (session.lost || isConnectionLoss(e)) throw Object.assign(e as object, { connectionLost: true });
          if (isLockTimeout(e)) throw e;
          throw new AbortError(e instanceof Error ? e : new Error(String(e)));
        }
      },
      {
        retries: Math.max(0, options.retry.attempts - 1),
        minTimeout: options.retry.minDelayMs,
        maxTimeout: options.retry.maxDelayMs,
        factor: 2,
        randomize: true,
        // No signal here: an interrupt lets the running attempt finish (its transaction commits or
        // rolls back on its own) and is honoured before the next attempt, so what is reported is
        // what happened.
        onFailedAttempt: ({ error, retriesLeft }) => {
          if (retriesLeft <= 0) return;
          const delayMs = Math.min(options.retry.maxDelayMs, options.retry.minDelayMs * 2 ** (attempts - 1));
          deps.emit({
            type: 'migration:retry',
            app,
            id,
            attempt: attempts,
            delayMs,
            error: error.message,
            reason: (error as { connectionLost?: boolean }).connectionLost ? 'connection-lost' : 'lock-timeout',
            blockers: (error as { blockers?: [] }).blockers ?? [],
          });
        },
      },
    );
  } catch (e) {
    throw translate(e, m, attempts, lockTimeoutMs);
  }
  if (!recorded) return undefined;
  const ms = deps.clock.now() - started;
  deps.emit({ type: 'migration:applied', app, id, phase, ms, attempts });
  return { app, id, phase, ms, attempts };
}

async function inTransaction(db: Db, fn: () => Promise<void>): Promise<void> {
  await db.query('BEGIN');
  try {
    await fn();
    await db.query('COMMIT');
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** A statement that scans or rewrites a table: the work a throttle can only schedule, not slow down. */
function heavy(s: ClassifiedStatement): boolean {
  return s.scan || s.rewrite;
}

/**
 * The throttle for this migration, started (probe and baseline) the first time a migration
 * needs one: a driven backfill, or a statement that scans or rewrites a table.
 */
async function throttleFor(
  m: ClassifiedMigration,
  session: Session,
  options: ExecuteOptions,
  deps: ExecuteDeps,
): Promise<ThrottleRun | undefined> {
  if (!options.throttle) return undefined;
  if (session.throttle) return session.throttle;
  if (!m.directives.backfill && !m.statements.some(heavy)) return undefined;
  const probe = await openProbe(options.throttle.probeConfig, deps.url);
  const run = new ThrottleRun(options.throttle, probe, deps, m.directives.backfill?.rows);
  session.throttle = run;
  await run.start();
  return run;
}

async function gate(throttle: ThrottleRun, m: ClassifiedMigration, where: string, deps: ExecuteDeps): Promise<void> {
  let lastReport = -Infinity;
  await throttle.waitForBudget(`${m.migration.file} (${where})`, (d) => {
    if (deps.clock.now() - lastReport < 1000) return;
    lastReport = deps.clock.now();
    deps.emit({
      type: 'throttle',
      app: m.migration.app,
      id: m.migration.id,
      what: `waiting ${where}`,
      paused: { ms: d.pausedMs, p99Ms: d.p99Ms, budgetMs: d.budgetMs },
    });
  });
}

/**
 * Index builds and validations leave the server's cores to the app: no parallel maintenance
 * workers beyond the configured number, and the configured maintenance_work_mem. A SET in the
 * migration file itself runs later and wins.
 */
async function gentle(db: Db, config: ThrottleConfig, scope: 'LOCAL' | ''): Promise<void> {
  const set = scope ? 'SET LOCAL' : 'SET';
  await db.query(`${set} max_parallel_maintenance_workers = ${config.maintenance.maxParallelWorkers}`);
  if (config.maintenance.workMem) await db.query(`${set} maintenance_work_mem = '${config.maintenance.workMem}'`);
}

/** `line 6: CREATE INDEX CONCURRENTLY …`: how a statement is named in events and reports. */
function statementLabel(s: ParsedStatement): string {
  const text = s.sql.replace(/\s+/g, ' ').trim();
  return `line ${s.line}: ${text.length > 70 ? `${text.slice(0, 69)}…` : text}`;
}

async function runStatement(
  db: Db,
  s: ParsedStatement,
  m: ClassifiedMigration,
  lockTimeoutMs: number,
  deps: ExecuteDeps,
): Promise<void> {
  const pid = (db as unknown as { processID?: number }).processID;
  const watcher = pid ? watchBlockers(deps.monitor, pid, lockTimeoutMs) : undefined;
  const heartbeat = startHeartbeat(m, pid, deps);
  const label = statementLabel(s);
  const started = deps.clock.now();
  const { app, id } = m.migration;
  deps.emit({ type: 'statement:start', app, id, label });
  const ended = (): void => deps.emit({ type: 'statement:end', app, id, label, ms: deps.clock.now() - started });
  try {
    await db.query(s.sql);
    ended();
  } catch (e) {
    ended();
    const blockers = watcher?.stop() ?? [];
    if (e && typeof e === 'object') Object.assign(e, { statement: s, blockers, file: m.migration.file });
    throw e;
  } finally {
    watcher?.stop();
    heartbeat.stop();
  }
}

export const HEARTBEAT_MS = 10_000;

/**
 * While one statement runs, every `heartbeatMs` (10 s) a `migration:running` event says for how
 * long and what it waits for, read with pg_blocking_pids() on the monitor connection: a CI log
 * that would otherwise stay silent for minutes shows the migration is alive, or who holds it up.
 */
function startHeartbeat(m: ClassifiedMigration, pid: number | undefined, deps: ExecuteDeps): { stop(): void } {
  const intervalMs = deps.heartbeatMs ?? HEARTBEAT_MS;
  const started = deps.clock.now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const beat = async (): Promise<void> => {
    const waitingOn = deps.monitor && pid ? await readLockWait(deps.monitor, pid).catch(() => null) : null;
    if (stopped) return;
    deps.emit({
      type: 'migration:running',
      app: m.migration.app,
      id: m.migration.id,
      ms: deps.clock.now() - started,
      waitingOn,
    });
    schedule();
  };
  const schedule = (): void => {
    timer = setTimeout(() => void beat(), intervalMs);
    timer.unref();
  };
  schedule();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

function translate(e: unknown, m: ClassifiedMigration, attempts: number, lockTimeoutMs: number): unknown {
  if (e instanceof DeployctlError) return e;
  const err = e as { message?: string; statement?: ParsedStatement; code?: string };
  const file = m.migration.file;
  const line = err.statement ? errorLine(e, err.statement.sql, err.statement.line) : undefined;
  const where = line ? `${file}:${line}` : file;
  if ((e as { connectionLost?: boolean }).connectionLost) {
    return new DeployctlError(
      'MIGRATION_FAILED',
      `${where}: the connection to PostgreSQL was lost (${err.message ?? String(e)}) in ${attempts} attempts; the ledger has no row for it, so it is not applied${m.transactional ? '' : ' beyond the statements before this one'}. Run the same command again when the server is reachable.`,
      { file, line, cause: e },
    );
  }
  if (isLockTimeout(e)) {
    return new DeployctlError(
      'MIGRATION_FAILED',
      `${where}: could not take its lock within lock_timeout (${lockTimeoutMs} ms) in ${attempts} attempts; nothing of it was applied${m.transactional ? '' : ' beyond the statements before this one'}. A long transaction is holding the table: find it in pg_stat_activity, then run the release again.`,
      { file, line, cause: e },
    );
  }
  return new DeployctlError(
    'MIGRATION_FAILED',
    `${where}: ${err.message ?? String(e)}${err.code ? ` (SQLSTATE ${err.code})` : ''}. ${m.transactional ? 'The migration was rolled back; nothing of it was applied.' : 'It runs outside a transaction: statements before this one stay applied; make them safe to repeat (IF NOT EXISTS) before running it again.'}`,
    { file, line, cause: e },
  );
}

function interrupted(): DeployctlError {
  return new DeployctlError(
    'INTERRUPTED',
    'interrupted before the next migration started; run the same command again to continue',
  );
}
