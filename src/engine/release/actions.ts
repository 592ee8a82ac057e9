/** What each release stage does. The runner (release.ts) records them; these only act. */
import { assertRunnable } from '../migrate/migrate.js';
import { readSnapshot } from '../snapshot.js';
import type { Config } from '../../config/config.js';
import type { Db } from '../../adapters/postgres/connect.js';
import { checkDrift, recordFingerprint } from '../drift.js';
import { DeployctlError } from '../../errors.js';
import { bake, healthFailure, verify, type HealthOutcome } from '../verify.js';
import type { LedgerStore, ReleaseRow } from '../../adapters/ledger/store.js';
import { executeMigrations } from '../migrate/execute.js';
import type { ReleaseDeps, ReleaseOptions, ReleaseSummary } from './release.js';
import type { StageAction } from './run-stage.js';
import type { Stage } from './stages.js';

export interface ReleaseState {
  config: Config;
  options: ReleaseOptions;
  deps: ReleaseDeps;
  ledger: LedgerStore;
  /** The idle advisory-lock connection, used to read who blocks a waiting migration. */
  lockDb: Db;
  release: ReleaseRow;
  summary: ReleaseSummary;
  /** The rollout's outputs (e.g. healthUrl), restored from the ledger on resume. */
  outputs: Record<string, string>;
}

export function stageActions(s: ReleaseState): Record<Stage, StageAction> {
  return {
    preflight: async () => {
      const drift = await checkDrift(s.ledger.db, s.ledger, { accept: s.options.acceptDrift });
      if (drift.status === 'accepted') s.deps.emit({ type: 'info', message: `schema drift accepted: ${drift.differences.map((d) => `${d.object} (${d.changes.join(', ')})`).join('; ')}` });
      const { plan } = await readSnapshot(s.config, s.ledger.db);
      assertRunnable(plan);
      const deferred = new Set(await deferredPost(s.ledger));
      const due = plan.stages.post.filter((k) => deferred.has(k));
      if (due.length) s.deps.emit({ type: 'info', message: `running post migrations deferred by an earlier release: ${due.join(', ')}` });
      await migrate(s, 'preflight', due);
      const baseline = await health(s, 'preflight', 'verify');
      return { pre: plan.stages.pre, post: plan.stages.post, deferredRun: due, baseline: baseline?.summary ?? 'skipped', drift: drift.status };
    },
    'migrate:pre': async () => {
      const { plan } = await readSnapshot(s.config, s.ledger.db);
      assertRunnable(plan);
      return { applied: await migrate(s, 'migrate:pre', plan.stages.pre) };
    },
    'verify:pre': async () => {
      const outcome = await health(s, 'verify:pre', 'verify');
      if (outcome && !outcome.ok) throw healthFailure('verify:pre', outcome);
      return { health: outcome?.summary ?? 'skipped' };
    },
    rollout: async () => {
      const result = await s.deps.driver.rollout({
        artifact: s.release.artifact,
        previousArtifact: s.release.previousArtifact ?? undefined,
        releaseId: String(s.release.id),
        log: (line) => s.deps.emit({ type: 'rollout', stage: 'rollout', line }),
        // No interrupt signal: a rollout cut in half is not a safe point. The first Ctrl-C lets it
        // finish and stops before the next stage; a second one exits at once (resume re-runs it).
      }).catch(async (e) => {
        await rollBack(s, 'rollout failed');
        throw e;
      });
      s.outputs = result.outputs;
      s.summary.rollout = result;
      return { artifact: result.artifact, outputs: result.outputs };
    },
    'verify:rollout': async () => {
      const first = await health(s, 'verify:rollout', 'verify');
      const soak = first?.ok ? await health(s, 'verify:rollout', 'bake') : undefined;
      const failed = first && !first.ok ? first : soak && !soak.ok ? soak : undefined;
      if (failed) {
        const error = healthFailure('verify:rollout', failed);
        if (!(await rollBack(s, 'health failed after the rollout'))) {
          throw new DeployctlError('ROLLOUT_FAILED', `${error.message}. Nothing was deployed before this release, so there is no version to roll back to.`);
        }
        throw error;
      }
      return { verify: first?.summary ?? 'skipped', bake: soak?.summary ?? 'skipped' };
    },
    'migrate:post': async () => {
      const { plan } = await readSnapshot(s.config, s.ledger.db);
      if (s.release.postPolicy === 'next-release') {
        s.deps.emit({ type: 'info', message: plan.stages.post.length ? `post migrations deferred to the next release: ${plan.stages.post.join(', ')}` : 'no post migrations' });
        return { deferred: plan.stages.post };
      }
      assertRunnable(plan);
      return { applied: await migrate(s, 'migrate:post', plan.stages.post) };
    },
    'verify:post': async () => {
      const outcome = await health(s, 'verify:post', 'verify');
      if (outcome && !outcome.ok) throw healthFailure('verify:post', outcome);
      return { health: outcome?.summary ?? 'skipped' };
    },
  };
}

async function migrate(s: ReleaseState, stage: string, keys: string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const { plan } = await readSnapshot(s.config, s.ledger.db);
  const wanted = new Set(keys);
  const migrations = plan.migrations.filter((m) => wanted.has(`${m.migration.app}/${m.migration.id}`));
  const applied = await executeMigrations(migrations, {
    lockTimeoutMs: s.config.lockTimeoutMs,
    statementTimeoutMs: s.config.statementTimeoutMs,
    retry: s.config.retry,
    releaseId: s.release.id,
    schema: s.config.schema,
  }, { url: s.config.databaseUrl!, clock: s.deps.clock, emit: s.deps.emit, monitor: s.lockDb, signal: s.deps.signal });
  for (const a of applied) s.summary.applied.push({ stage, app: a.app, id: a.id, ms: a.ms, attempts: a.attempts });
  // The schema changed on purpose: the next drift check compares against this.
  if (applied.length > 0) await recordFingerprint(s.ledger.db, s.ledger, s.release.id, 'migrate');
  return applied.map((a) => `${a.app}/${a.id}`);
}

/**
 * Runs the configured checks. Before the first rollout nothing serves yet, so the checks of the
 * stages before it are skipped; with no checks configured every verify is skipped (and says so).
 */
async function health(s: ReleaseState, stage: string, mode: 'verify' | 'bake'): Promise<HealthOutcome | undefined> {
  const beforeRollout = stage === 'preflight' || stage === 'verify:pre';
  if (beforeRollout && !s.release.previousArtifact) {
    s.deps.emit({ type: 'info', message: `${stage}: nothing is deployed yet, health checks skipped` });
    return undefined;
  }
  const checks = s.deps.healthChecks(beforeRollout ? {} : s.outputs);
  if (checks.length === 0) {
    s.deps.emit({ type: 'info', message: `${stage}: no health checks configured (health.checks in deployctl.yaml)` });
    return undefined;
  }
  const h = s.config.health;
  const deps = { clock: s.deps.clock, signal: s.deps.signal, onResult: (result: import('../../adapters/health/check.js').HealthResult) => s.deps.emit({ type: 'health', stage, result }) };
  const outcome = mode === 'verify'
    ? await verify(checks, { consecutive: h.consecutive, deadlineMs: h.deadlineMs, intervalMs: h.intervalMs }, deps)
    : await bake(checks, { bakeMs: h.bakeMs, intervalMs: h.intervalMs, maxFailureRatio: h.maxFailureRatio }, deps);
  s.summary.health.push({ stage: mode === 'bake' ? `${stage} (bake)` : stage, ok: outcome.ok, summary: outcome.summary });
  await s.ledger.addEvent({
    releaseId: s.release.id, stage, kind: 'health',
    detail: { mode, ok: outcome.ok, summary: outcome.summary, rounds: outcome.rounds, failures: outcome.failures.slice(-20), results: outcome.results.slice(-50) },
  });
  return outcome;
}

/**
 * Returns traffic to the previous artifact. The release is marked rolled_back first, so that a
 * crash during the rollback can never be resumed into the post migrations.
 */
async function rollBack(s: ReleaseState, why: string): Promise<boolean> {
  const previous = s.release.previousArtifact;
  if (!previous) {
    await s.ledger.finishRelease(s.release.id, 'failed', `${why}; nothing was deployed before, so there is nothing to roll back to`);
    s.summary.status = 'failed';
    return false;
  }
  await s.ledger.finishRelease(s.release.id, 'rolled_back', why);
  s.summary.status = 'rolled_back';
  s.deps.emit({ type: 'info', message: `${why}: rolling the code back to ${previous}` });
  await s.ledger.addEvent({ releaseId: s.release.id, stage: 'rollback', kind: 'start', detail: { to: previous, why } });
  const started = s.deps.clock.now();
  await s.deps.driver.rollback({
    artifact: previous,
    previousArtifact: s.release.artifact,
    releaseId: String(s.release.id),
    log: (line) => s.deps.emit({ type: 'rollout', stage: 'rollback', line }),
  });
  const after = await health({ ...s, outputs: {} }, 'rollback', 'verify');
  await s.ledger.addEvent({ releaseId: s.release.id, stage: 'rollback', kind: 'end', durationMs: s.deps.clock.now() - started, detail: { health: after?.summary ?? 'skipped' } });
  if (after && !after.ok) {
    throw new DeployctlError('ROLLOUT_FAILED', `${why}; rolled back to ${previous}, but ${previous} is not healthy either: ${after.summary}`);
  }
  return true;
}

/** Post migrations an earlier release left for the next one (`--defer-post`, `post: next-release`). */
async function deferredPost(ledger: LedgerStore): Promise<string[]> {
  const r = await ledger.db.query(
    `SELECT DISTINCT jsonb_array_elements_text(detail->'deferred') AS key FROM ${ledger.qualified('release_event')} WHERE stage = 'migrate:post' AND kind = 'end' AND detail ? 'deferred'`,
  );
  return r.rows.map((row) => row.key as string);
}
