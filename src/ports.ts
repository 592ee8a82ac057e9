/**
 * The ports: what the engine needs from the outside world, as interfaces. Adapters implement
 * them (adapters/), the CLI wires real ones in, tests pass fakes for the clock, the driver and
 * health, and real PostgreSQL for everything else.
 */
import type pg from 'pg';
import type { ClassifiedMigration } from './core/classify/classify.js';
import type { MigrationFile } from './core/migration.js';

/** A connection to PostgreSQL (adapters/postgres/connect.ts opens one). */
export type Db = pg.Client;

/** Time as a port: nothing below the CLI calls Date.now() or setTimeout directly, so tests drive it. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * A rollout driver moves traffic from one artifact (version) of the app to another. Undo sits
 * beside do: every driver can roll back to the artifact that served before.
 */
export interface RolloutContext {
  /** The artifact to move to (for rollback: the one to return to). */
  artifact: string;
  /** The artifact serving before this call, when known. */
  previousArtifact?: string;
  releaseId: string;
  /** Progress lines (command output, engine events) for the reporter. */
  log(line: string): void;
  /** Aborted when the user interrupts (SIGINT/SIGTERM); drivers stop at a safe point. */
  signal?: AbortSignal;
  /**
   * A driver that runs a local command calls this with the command's process group when it
   * starts and with null when it has ended, so a resumed release can stop one left running.
   */
  onCommand?(pgid: number | null): Promise<void>;
}

export interface RolloutResult {
  /** The artifact serving after the call. */
  artifact: string;
  /** Values the verify stage may use, e.g. `healthUrl` from a Pulumi stack's outputs. */
  outputs: Record<string, string>;
}

export interface RolloutDriver {
  readonly name: string;
  /**
   * True when the driver stops at a safe point of its own once `ctx.signal` aborts (Pulumi's
   * engine finishes the operations in flight and saves its state), so the release passes its
   * interrupt signal to rollout. Other drivers get none: their rollout finishes and the release
   * stops before the next stage.
   */
  readonly interruptible?: boolean;
  /**
   * Deploy `ctx.artifact` and switch traffic to it. Called once per release after the `pre`
   * migrations are verified; called again on resume only if the ledger shows it did not finish,
   * so it must be safe to repeat for the same artifact.
   */
  rollout(ctx: RolloutContext): Promise<RolloutResult>;
  /**
   * Return traffic to `ctx.artifact` (the previous version). Called by the automatic rollback
   * after a failed verify, and by `deployctl rollback`.
   */
  rollback(ctx: RolloutContext): Promise<RolloutResult>;
  /** The artifact serving now, when the driver can tell; undefined when nothing is deployed. */
  current(): Promise<string | undefined>;
  /** Releases resources the driver holds in this process (connections, not the deployed app). */
  close(): Promise<void>;
}

/**
 * A health check answers one question once: is the app healthy right now? The verify step
 * (engine/verify.ts) decides how many answers in a row, within which deadline, make a pass.
 */
export interface HealthResult {
  check: string;
  ok: boolean;
  latencyMs: number;
  /** Why it failed (status, body mismatch, timeout, error), or a short success note. */
  detail: string;
}

export interface HealthCheck {
  /** Stable, human-readable name, e.g. `http GET http://127.0.0.1:8080/healthz`. */
  readonly name: string;
  run(signal?: AbortSignal): Promise<HealthResult>;
}

/** What a MigrationApplier gets from the executor for one attempt. */
export interface ApplyContext {
  /** The executor's connection (reads the framework's table, drops INVALID indexes). */
  db: Db;
  /** The target database, handed to the framework's tool. */
  url: string;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  emit: Emit;
  signal?: AbortSignal;
  /** An idle connection for reading who blocks the framework's connection while it waits for a lock. */
  monitor?: Db;
}

/**
 * A source whose framework applies its own migrations (Django's MigrationExecutor) hands the
 * executor one of these; the executor calls it instead of running `up`, inside its own retry loop.
 * `apply` runs the migration, then `record()`s it in the ledger; its errors keep their SQLSTATE
 * (`code`) so the executor can retry a lock timeout.
 */
export interface MigrationApplier {
  apply(m: ClassifiedMigration, ctx: ApplyContext, record: () => Promise<void>): Promise<void>;
  /**
   * Called before a run (one stage) with the run's migrations of this source, in order, so the
   * framework can apply them all in one process; `apply` is still called for each, in that order.
   */
  begin?(migrations: readonly ClassifiedMigration[]): void;
  /**
   * Called once after the run, whatever happened: `completed` when every migration of it was
   * applied (the framework finishes the stage: Django's post_migrate), else it only stops.
   */
  end?(completed: boolean): Promise<void>;
}

/**
 * The ledger of the tool a source's files come from (`_prisma_migrations`, golang-migrate's
 * `schema_migrations`…), kept in step so that tool still agrees with the database. deployctl runs
 * the SQL itself; the executor calls `record` right after writing its own ledger row, on the same
 * connection and inside the same transaction (for a migration that runs outside one, in a short
 * transaction of its own right after the last statement): both rows commit together or neither.
 */
export interface ExternalLedger {
  /** The table as shown to the user, e.g. `_prisma_migrations`. */
  readonly table: string;
  /** Writes the rows the tool itself writes for `m`; `startedAtMs`/`finishedAtMs` are clock times. */
  record(db: Db, m: MigrationFile, run: { startedAtMs: number; finishedAtMs: number }): Promise<void>;
  /**
   * Before a migration that runs outside a transaction: what the tool writes before it starts one
   * (golang-migrate marks the version dirty), so a run that dies midway leaves the tool's ledger
   * saying so, as the tool itself would. `record` clears it.
   */
  starting?(db: Db, m: MigrationFile): Promise<void>;
}

/**
 * Progress as typed events (the reporter port): nothing below the CLI prints; renderers (ora
 * spinners, plain CI lines, JSON lines) live in src/cli and never reach back.
 */
export interface BlockerInfo {
  pid: number;
  state: string | null;
  ageMs: number | null;
  query: string | null;
  application: string | null;
}

/** What a running statement waits for: the sessions pg_blocking_pids() names, and the lock it asked for. */
export interface LockWait {
  pids: number[];
  /** The table (or other relation) of the lock not yet granted; null for another kind of lock or none. */
  relation: string | null;
  /** pg_locks.locktype of that lock (relation, transactionid, advisory…); null when nothing waits. */
  lockType: string | null;
}

export type DeployEvent =
  | { type: 'stage:start'; stage: string; releaseId?: number }
  | { type: 'stage:end'; stage: string; ms: number; releaseId?: number }
  | { type: 'stage:fail'; stage: string; ms: number; error: string; releaseId?: number }
  | { type: 'migration:start'; app: string; id: string; phase: string; attempt: number }
  | {
      type: 'migration:retry';
      app: string;
      id: string;
      attempt: number;
      delayMs: number;
      error: string;
      /** Why the attempt failed: its lock_timeout expired, or its connection was lost. */
      reason: 'lock-timeout' | 'connection-lost';
      blockers: BlockerInfo[];
    }
  | { type: 'migration:applied'; app: string; id: string; phase: string; ms: number; attempts: number }
  | { type: 'migration:skipped'; app: string; id: string; reason: string }
  | { type: 'migration:invalid-index-dropped'; app: string; id: string; index: string }
  | { type: 'migration:reconnected'; app: string; id: string }
  | {
      /**
       * A statement still running after each heartbeat interval (10 s by default): how long, and
       * which sessions it waits for (`null`: no monitor connection to ask).
       */
      type: 'migration:running';
      app: string;
      id: string;
      ms: number;
      waitingOn: LockWait | null;
    }
  /** One statement of a migration (or one batch of a driven backfill) runs: `label` names it. */
  | { type: 'statement:start'; app: string; id: string; label: string }
  | { type: 'statement:end'; app: string; id: string; label: string; ms: number }
  /** The throttle's state: a backfill's batches so far, and a pause while the app is over budget. */
  | {
      type: 'throttle';
      app: string;
      id: string;
      /** What waits or runs: `batch 37/100`, `before CREATE INDEX …`. */
      what: string;
      paused?: { ms: number; p99Ms: number; budgetMs: number };
    }
  /** What the throttle did over one migrate run, once it stops (only when it paused or ran batches). */
  | { type: 'throttle:totals'; batches: number; pauses: number; pausedMs: number; restMs: number }
  | { type: 'health'; stage: string; result: HealthResult }
  | { type: 'rollout'; stage: string; line: string }
  | { type: 'info'; message: string };

export type Emit = (event: DeployEvent) => void;
