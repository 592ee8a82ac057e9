/**
 * `deployctl migrate --phase pre|post`: apply the pending migrations of one phase, under the
 * release lock, after checking the whole plan. A blocked plan applies nothing.
 */
import type { Clock, Db } from '../../ports.js';
import { requireResolved, type Config } from '../../config/config.js';
import { probeConfig } from '../../adapters/health/probe.js';
import { connect } from '../../adapters/postgres/connect.js';
import { recordFingerprint } from '../drift.js';
import { DeployctlError } from '../../errors.js';
import type { Emit } from '../../ports.js';
import { withLock } from '../../adapters/ledger/lock.js';
import { LedgerStore } from '../../adapters/ledger/store.js';
import { executeMigrations, type AppliedResult, type ExecuteOptions } from './execute.js';
import { stageKey, type Plan } from '../../core/plan/build.js';
import { readSnapshot, type Snapshot } from '../snapshot.js';

export interface MigrateOptions {
  phase: 'pre' | 'post';
  dryRun?: boolean;
  lockWaitMs?: number;
  releaseId?: number | null;
  /** Why a post migration may run although a release is unfinished (`--force <reason>`). */
  force?: string;
}

export interface MigrateDeps {
  clock: Clock;
  emit: Emit;
  signal?: AbortSignal;
  /** How often a long statement reports itself; default 10 s (execute.ts, HEARTBEAT_MS). */
  heartbeatMs?: number;
}

export interface MigrateResult {
  plan: Plan;
  /** Pending migrations of the requested phase, in the order they run (or would run). */
  selected: string[];
  applied: AppliedResult[];
}

export async function migrateCommand(
  config: Config,
  options: MigrateOptions,
  deps: MigrateDeps,
): Promise<MigrateResult> {
  if (options.dryRun) {
    const db = config.databaseUrl ? await connect(config.databaseUrl) : undefined;
    try {
      const { plan } = await readSnapshot(config, db);
      assertRunnable(plan);
      return { plan, selected: selectPhase(plan, options.phase), applied: [] };
    } finally {
      await db?.end();
    }
  }
  return withLock(
    config.databaseUrl,
    { waitMs: options.lockWaitMs ?? 0, clock: deps.clock, purpose: `migrate ${options.phase}` },
    async (lock) => {
      const ledger = new LedgerStore(lock.db, config.schema);
      await ledger.upgrade();
      // A statement a killed predecessor left waiting goes first: reading the catalog would queue behind it.
      for (const ended of await ledger.endLeftoverSessions())
        deps.emit({ type: 'info', message: leftoverMessage(ended) });
      const snapshot = await readSnapshot(config, lock.db);
      for (const message of snapshot.warnings) deps.emit({ type: 'info', message: `warning: ${message}` });
      assertRunnable(snapshot.plan);
      const selected = selectPhase(snapshot.plan, options.phase);
      if (selected.length > 0) await refuseEarlyContract(ledger, options);
      for (const ended of await ledger.endLeftoverSessions())
        deps.emit({ type: 'info', message: leftoverMessage(ended) });
      if (options.phase === 'pre') await recordStaged(ledger, snapshot.plan, selected, options.releaseId ?? null);
      const applied = await applySelected(snapshot, selected, config, {
        ...deps,
        // Losing the lock stops the run before the next migration, like an interrupt.
        signal: deps.signal ? AbortSignal.any([deps.signal, lock.lost]) : lock.lost,
        releaseId: options.releaseId ?? null,
        monitor: lock.db,
      }).catch(async (e: unknown) => {
        const partial = (e as { applied?: AppliedResult[] }).applied ?? [];
        if (partial.length > 0) await recordFingerprint(lock.db, ledger, options.releaseId ?? null, 'migrate');
        throw e;
      });
      if (applied.length > 0) await recordFingerprint(lock.db, ledger, options.releaseId ?? null, 'migrate');
      return { plan: snapshot.plan, selected, applied };
    },
  );
}

/**
 * A post migration removes what the old code may still read, so it must not run while a release
 * is unfinished (running, interrupted, or killed mid-rollout): the old code may still serve.
 * `--force <reason>` overrides, and the reason is recorded on that release.
 */
async function refuseEarlyContract(ledger: LedgerStore, options: MigrateOptions): Promise<void> {
  if (options.phase !== 'post') return;
  const open = await ledger.unfinishedRelease();
  if (!open) return;
  if (!options.force) {
    throw new DeployctlError(
      'RELEASE_IN_PROGRESS',
      `release ${open.id} (artifact ${open.artifact}, last completed stage: ${open.stage}) did not finish, so the old code may still serve; ` +
        `a post migration now could remove what it reads. Continue it with 'deployctl release --resume' (it runs the post migrations itself) ` +
        `or give it up with 'deployctl release --abort'; if you know only the new code serves: deployctl migrate --phase post --force '<reason>'`,
    );
  }
  await ledger.addEvent({
    releaseId: open.id,
    stage: 'migrate:post',
    kind: 'info',
    detail: { forcedPost: options.force },
  });
}

/**
 * Staging reorders on purpose: a pending post migration stays pending while a pre migration that
 * sorts after it is applied. The ledger records it as deferred so that the order guard accepts it
 * later (in the release's post stage, a resumed release, or `migrate --phase post`).
 */
export async function recordStaged(
  ledger: LedgerStore,
  plan: Plan,
  preKeys: string[],
  releaseId: number | null,
): Promise<void> {
  const split = (k: string): [string, string] => [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)];
  const last = new Map<string, string>();
  for (const [app, id] of preKeys.map(split)) if (id > (last.get(app) ?? '')) last.set(app, id);
  const kept = plan.stages.post.filter((k) => {
    const [app, id] = split(k);
    const after = last.get(app);
    return after !== undefined && id < after;
  });
  await ledger.recordDeferred(kept, 'staged', releaseId);
}

/** What `endLeftoverSessions` ended, for the log. */
export function leftoverMessage(s: { pid: number; host: string; clientPid: number; query: string }): string {
  const query = s.query.replace(/\s+/g, ' ').slice(0, 80);
  return `ended server session ${s.pid} left by a deployctl run that is gone (pid ${s.clientPid} on ${s.host})${query ? `: ${query}` : ''}`;
}

/** Runs the snapshot's migrations named by `keys` (`app/id`), in plan order, with the config's timeouts and retries. */
export async function applySelected(
  snapshot: Snapshot,
  keys: string[],
  config: Config,
  deps: MigrateDeps & { releaseId: number | null; monitor: Db },
): Promise<AppliedResult[]> {
  if (keys.length === 0) return [];
  const wanted = new Set(keys);
  const migrations = snapshot.plan.migrations.filter((m) => wanted.has(stageKey(m.migration.app, m.migration.id)));
  return executeMigrations(
    migrations,
    {
      lockTimeoutMs: config.lockTimeoutMs,
      statementTimeoutMs: config.statementTimeoutMs,
      retry: config.retry,
      releaseId: deps.releaseId,
      schema: config.schema,
      throttle: throttleOptions(config),
    },
    {
      url: config.databaseUrl!,
      clock: deps.clock,
      emit: deps.emit,
      monitor: deps.monitor,
      heartbeatMs: deps.heartbeatMs,
      signal: deps.signal,
      appliers: snapshot.appliers,
      externalLedgers: snapshot.externalLedgers,
    },
  );
}

/** The throttle section with its probe resolved (an unset `${VAR}` in it is an error here). */
function throttleOptions(config: Config): ExecuteOptions['throttle'] {
  if (!config.throttle) return undefined;
  requireResolved(config, config.throttle.probe ? ['throttle'] : ['throttle', 'health']);
  return { ...config.throttle, probeConfig: probeConfig(config) };
}

export function selectPhase(plan: Plan, phase: 'pre' | 'post'): string[] {
  return phase === 'pre' ? plan.stages.pre : plan.stages.post;
}

/** The whole plan must be runnable before anything runs. */
export function assertRunnable(plan: Plan): void {
  if (plan.ok) return;
  const lines = plan.problems.map((p) => `  - ${p.message}`).join('\n');
  throw new DeployctlError('PLAN_BLOCKED', `the plan is blocked; nothing was applied:\n${lines}`);
}
