/**
 * `deployctl rollback`: returns the code to an earlier release's artifact through the driver and
 * verifies health. Refuses (unless --force) when a newer release already ran `post` migrations:
 * the old code may need what they dropped. `pre` migrations stay (they are backward compatible);
 * with --schema their down sections run too, newest first, but only when every one has one.
 */
import { connect } from '../../adapters/postgres/connect.js';
import { withLock } from '../../adapters/ledger/lock.js';
import { LedgerStore, unfinished, type ReleaseRow } from '../../adapters/ledger/store.js';
import type { Config } from '../../config/config.js';
import { parseSql } from '../../core/sql/parse.js';
import { DeployctlError } from '../../errors.js';
import type { Db } from '../../ports.js';
import { recordFingerprint } from '../drift.js';
import { readSources } from '../snapshot.js';
import { rollBackCode } from './code-rollback.js';
import { leftoverMessage } from '../migrate/migrate.js';
import type { AppliedMigration } from '../../core/plan/build.js';
import { stopLeftoverCommand } from './leftover-command.js';
import type { ReleaseDeps } from './context.js';

export interface RollbackOptions {
  /** Release id whose artifact to return to; default: the release before the current one. */
  to?: number;
  force?: boolean;
  /** Also run the down sections of the rolled-back releases' pre migrations. */
  schema?: boolean;
  lockWaitMs?: number;
}

export interface RollbackSummary {
  releaseId: number;
  from: string;
  to: string;
  rolledBack: number[];
  downs: string[];
  health: string;
}

export async function rollbackCommand(
  config: Config,
  options: RollbackOptions,
  deps: ReleaseDeps,
): Promise<RollbackSummary> {
  return withLock(
    config.databaseUrl,
    { waitMs: options.lockWaitMs ?? 0, clock: deps.clock, purpose: 'rollback' },
    async () => {
      const db = await connect(config.databaseUrl, 'deployctl ledger');
      try {
        const ledger = new LedgerStore(db, config.schema);
        await ledger.upgrade();
        for (const ended of await ledger.endLeftoverSessions())
          deps.emit({ type: 'info', message: leftoverMessage(ended) });
        const open = await ledger.unfinishedRelease();
        if (open?.postPolicy === ROLLBACK) return await resumeRollback(config, ledger, open, deps);
        if (open) throw unfinished(open);
        const plan = await planRollback(config, ledger, options);
        const id = await ledger.createRelease({
          artifact: plan.to,
          previousArtifact: plan.from,
          postPolicy: ROLLBACK,
        });
        // The whole operation is recorded before it acts, so a resume continues this rollback.
        await ledger.addEvent({ releaseId: id, stage: 'rollback', kind: 'info', detail: { rollbackPlan: plan } });
        return await runRollback(config, ledger, id, plan, deps);
      } finally {
        await db.end().catch(() => undefined);
      }
    },
  );
}

/** The ledger's `post_policy` of a release row that records a `deployctl rollback`. */
export const ROLLBACK = 'rollback';

/** What a rollback does, recorded before it starts (the `rollbackPlan` event). */
interface RollbackPlan {
  from: string;
  to: string;
  /** The releases it rolls back (marked rolled_back_by when it succeeds). */
  rolledBack: number[];
  /** Also run the down sections of their pre migrations. */
  schema: boolean;
}

async function planRollback(config: Config, ledger: LedgerStore, options: RollbackOptions): Promise<RollbackPlan> {
  const live = (await ledger.releases(1000)).filter((r) => r.status === 'succeeded' && r.rolledBackBy === null);
  const current = live[0];
  if (!current)
    throw new DeployctlError(
      'RELEASE_NOT_FOUND',
      'no successful release is recorded, so there is nothing to roll back from',
    );
  const target = options.to === undefined ? live[1] : live.find((r) => r.id === options.to);
  if (!target) {
    throw new DeployctlError(
      'RELEASE_NOT_FOUND',
      options.to === undefined
        ? `release ${current.id} (${current.artifact}) is the only successful release; there is no earlier one to roll back to`
        : `release ${options.to} is not a successful release that is still in effect; see 'deployctl history'`,
    );
  }
  const newer = live.filter((r) => r.id > target.id);
  const posts = await postsSince(ledger, newer);
  if (posts.length > 0 && !options.force) {
    throw new DeployctlError(
      'ROLLBACK_REFUSED',
      `post migrations ran after ${target.artifact} was released (${posts.map((p) => `${p.app}/${p.id}${p.releaseId === null ? ' by migrate --phase post' : ` in release ${p.releaseId}`}`).join(', ')}): the code of ${target.artifact} may read what they removed. Roll forward instead, or pass --force if you know ${target.artifact} does not need it.`,
    );
  }
  // Refuses now, before anything changes, when a down section is missing.
  if (options.schema) await plannedDowns(config, ledger, newer);
  return { from: current.artifact, to: target.artifact, rolledBack: newer.map((r) => r.id), schema: !!options.schema };
}

/**
 * Every post migration applied since the first release being rolled back started: those the
 * newer releases ran, and those `migrate --phase post` ran outside any release (no release id).
 */
async function postsSince(ledger: LedgerStore, newer: ReleaseRow[]): Promise<AppliedMigration[]> {
  if (newer.length === 0) return [];
  const ids = new Set(newer.map((r) => r.id));
  const since = Math.min(...newer.map((r) => r.startedAt.getTime()));
  return (await ledger.applied()).filter(
    (m) =>
      m.phase === 'post' &&
      ((m.releaseId !== null && ids.has(m.releaseId)) || (m.releaseId === null && m.appliedAt.getTime() >= since)),
  );
}

/** `release --resume` or `rollback` with a rollback unfinished: continues that rollback, never a release. */
export async function resumeRollback(
  config: Config,
  ledger: LedgerStore,
  open: ReleaseRow,
  deps: ReleaseDeps,
): Promise<RollbackSummary> {
  const recorded = (await ledger.events(open.id)).find((e) => e.detail.rollbackPlan)?.detail.rollbackPlan as
    RollbackPlan | undefined;
  const plan = recorded ?? { from: open.previousArtifact ?? '', to: open.artifact, rolledBack: [], schema: false };
  deps.emit({
    type: 'info',
    message: `resuming rollback ${open.id}: ${plan.from} → ${plan.to} (a rollback resumes as a rollback; no migration runs forward)`,
  });
  return runRollback(config, ledger, open.id, plan, deps);
}

async function runRollback(
  config: Config,
  ledger: LedgerStore,
  id: number,
  plan: RollbackPlan,
  deps: ReleaseDeps,
): Promise<RollbackSummary> {
  try {
    await stopLeftoverCommand(ledger, id, deps.emit);
    const outcome = await rollBackCode(
      { config, deps, ledger, releaseId: id },
      { to: plan.to, from: plan.from, why: 'deployctl rollback' },
    );
    if (outcome && !outcome.ok)
      throw new DeployctlError('HEALTH_FAILED', `rolled back, but the health checks fail: ${outcome.summary}`);
    const health = outcome?.summary ?? 'skipped (no health checks configured)';
    const newer = (await Promise.all(plan.rolledBack.map((r) => ledger.release(r)))).filter(
      (r): r is ReleaseRow => r !== undefined,
    );
    // Recomputed from the ledger: on resume, the down sections that already ran are forgotten.
    const downs = plan.schema ? await plannedDowns(config, ledger, newer) : [];
    for (const d of downs) await runDown(config, ledger, d, deps);
    if (downs.length > 0) await recordFingerprint(ledger.db, ledger, id, 'migrate');
    for (const r of plan.rolledBack) await ledger.markRolledBack(r, id);
    await ledger.finishRelease(id, 'succeeded');
    return {
      releaseId: id,
      from: plan.from,
      to: plan.to,
      rolledBack: plan.rolledBack,
      downs: downs.map((d) => `${d.app}/${d.id}`),
      health,
    };
  } catch (e) {
    // An interrupt leaves the rollback unfinished, to be resumed as a rollback.
    if (!(e instanceof DeployctlError && e.code === 'INTERRUPTED'))
      await ledger.finishRelease(id, 'failed', e instanceof Error ? e.message : String(e));
    throw e;
  }
}

interface Down {
  app: string;
  id: string;
  file: string;
  sql: string;
  firstLine: number;
}

/** Every pre migration of the rolled-back releases, newest first; refuses unless all have a down section. */
async function plannedDowns(config: Config, ledger: LedgerStore, newer: ReleaseRow[]): Promise<Down[]> {
  const files = new Map((await readSources(config)).flatMap((s) => s.files).map((f) => [`${f.app}/${f.id}`, f]));
  const applied = (await Promise.all(newer.map((r) => ledger.migrationsOf(r.id))))
    .flat()
    .filter((m) => m.phase === 'pre');
  applied.sort((a, b) => b.appliedAt.getTime() - a.appliedAt.getTime() || b.id.localeCompare(a.id));
  const missing = applied.filter((m) => !files.get(`${m.app}/${m.id}`)?.down);
  if (missing.length > 0) {
    throw new DeployctlError(
      'ROLLBACK_REFUSED',
      `--schema needs a '-- deployctl:down' section in every pre migration it would undo; missing in: ${missing.map((m) => files.get(`${m.app}/${m.id}`)?.file ?? `${m.app}/${m.id}`).join(', ')}. Nothing was changed.`,
    );
  }
  return applied.map((m) => {
    const f = files.get(`${m.app}/${m.id}`)!;
    return { app: m.app, id: m.id, file: f.file, sql: f.down!.sql, firstLine: f.down!.firstLine };
  });
}

/** Runs one down section and forgets the migration in the same transaction, under lock_timeout. */
async function runDown(config: Config, ledger: LedgerStore, d: Down, deps: ReleaseDeps): Promise<void> {
  const db: Db = ledger.db;
  const statements = parseSql(d.sql, d.file, d.firstLine).statements;
  deps.emit({ type: 'info', message: `running the down section of ${d.app}/${d.id}` });
  await db.query('BEGIN');
  try {
    await db.query(`SET LOCAL lock_timeout = ${config.lockTimeoutMs}`);
    for (const s of statements) await db.query(s.sql);
    await ledger.forgetApplied(d.app, d.id);
    await db.query('COMMIT');
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw new DeployctlError('MIGRATION_FAILED', `${d.file}: the down section failed: ${(e as Error).message}`, {
      file: d.file,
      cause: e,
    });
  }
}
