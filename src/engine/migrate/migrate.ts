/**
 * `deployctl migrate --phase pre|post`: apply the pending migrations of one phase, under the
 * release lock, after checking the whole plan. A blocked plan applies nothing.
 */
import type { Clock } from '../../clock.js';
import type { Config } from '../../config/config.js';
import { connect } from '../../adapters/postgres/connect.js';
import { recordFingerprint } from '../drift.js';
import { DeployctlError } from '../../errors.js';
import type { Emit } from '../../events.js';
import { withLock } from '../../adapters/ledger/lock.js';
import { LedgerStore } from '../../adapters/ledger/store.js';
import { executeMigrations, type AppliedResult } from './execute.js';
import type { Plan } from '../../core/plan/build.js';
import { readSnapshot } from '../snapshot.js';

export interface MigrateOptions {
  phase: 'pre' | 'post';
  dryRun?: boolean;
  lockWaitMs?: number;
  releaseId?: number | null;
}

export interface MigrateDeps {
  clock: Clock;
  emit: Emit;
  signal?: AbortSignal;
}

export interface MigrateResult {
  plan: Plan;
  /** Pending migrations of the requested phase, in the order they run (or would run). */
  selected: string[];
  applied: AppliedResult[];
}

export async function migrateCommand(config: Config, options: MigrateOptions, deps: MigrateDeps): Promise<MigrateResult> {
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
  return withLock(config.databaseUrl, { waitMs: options.lockWaitMs ?? 0, clock: deps.clock, purpose: `migrate ${options.phase}` }, async (lock) => {
    const ledger = new LedgerStore(lock.db, config.schema);
    await ledger.upgrade();
    const { plan } = await readSnapshot(config, lock.db);
    assertRunnable(plan);
    const wanted = new Set(selectPhase(plan, options.phase));
    const migrations = plan.migrations.filter((m) => wanted.has(`${m.migration.app}/${m.migration.id}`));
    const applied = await executeMigrations(migrations, {
      lockTimeoutMs: config.lockTimeoutMs,
      statementTimeoutMs: config.statementTimeoutMs,
      retry: config.retry,
      releaseId: options.releaseId ?? null,
      schema: config.schema,
    }, { url: config.databaseUrl!, clock: deps.clock, emit: deps.emit, monitor: lock.db, signal: deps.signal });
    if (applied.length > 0) await recordFingerprint(lock.db, ledger, options.releaseId ?? null, 'migrate');
    return { plan, selected: [...wanted], applied };
  });
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
