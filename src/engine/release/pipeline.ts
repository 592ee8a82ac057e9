/**
 * The release pipeline as data: each stage has an id, what it does (`run`), and, where a stage
 * can be undone, its compensation. The runner (release.ts) records each stage in the ledger; the
 * stages only act. Stages refer to migrations by id in the one snapshot the release read.
 */
import type { Db } from '../../ports.js';
import type { ReleaseRow } from '../../adapters/ledger/store.js';
import type { Snapshot } from '../snapshot.js';
import { DeployctlError } from '../../errors.js';
import { checkDrift, recordFingerprint } from '../drift.js';
import { applySelected, assertRunnable, recordStaged } from '../migrate/migrate.js';
import type { AppliedResult } from '../migrate/execute.js';
import { healthFailure, type HealthOutcome } from '../verify.js';
import { rollBackCode, unhealthyAfterRollback } from './code-rollback.js';
import type { OperationContext, ReleaseOptions, ReleaseSummary } from './context.js';
import { checkHealth, type HealthStep } from './health.js';
import { recordCommand } from './leftover-command.js';

import type { Stage } from './stages.js';

export interface ReleaseState extends OperationContext {
  options: ReleaseOptions;
  /** The idle advisory-lock connection, used to read who blocks a waiting migration. */
  lockDb: Db;
  /** Aborted when the release lock is lost (see HeldLock.lost). */
  lease: AbortSignal;
  release: ReleaseRow;
  summary: ReleaseSummary;
  /** The rollout's outputs (e.g. healthUrl), restored from the ledger on resume. */
  outputs: Record<string, string>;
  /** Sources read, parsed and classified once per run of the release. */
  snapshot(): Promise<Snapshot>;
  /** `app/id` of the migrations this run applied, so a later stage does not list them again. */
  appliedNow: Set<string>;
}

/** What a stage reports for the ledger's `end` event. */
type StageResult = Record<string, unknown> | void;

export interface StageDefinition {
  id: Stage;
  run(s: ReleaseState): Promise<StageResult>;
  /**
   * Undoes the stage's effect for a later stage that fails (the rollout's: return the code to
   * the previous artifact). Returns false when there is nothing to return to.
   */
  compensate?(s: ReleaseState, why: string): Promise<boolean>;
}

const rollout: StageDefinition = {
  id: 'rollout',
  run: async (s) => {
    const result = await s.deps.driver
      .rollout({
        artifact: s.release.artifact,
        previousArtifact: s.release.previousArtifact ?? undefined,
        releaseId: String(s.release.id),
        log: (line) => s.deps.emit({ type: 'rollout', stage: 'rollout', line }),
        onCommand: recordCommand(s.ledger, s.release.id),
        // A rollout cut in half is not a safe point unless the driver makes one (driver.interruptible):
        // otherwise the first Ctrl-C lets it finish and stops before the next stage; a second one
        // exits at once (resume re-runs it).
        signal: s.deps.driver.interruptible ? s.deps.signal : undefined,
      })
      .catch(async (e) => {
        await compensateRollout(s, 'rollout failed');
        throw e;
      });
    s.outputs = result.outputs;
    s.summary.rollout = result;
    return { artifact: result.artifact, outputs: result.outputs };
  },
  /**
   * The release is marked rolled_back before the driver is called, so that a crash during the
   * rollback can never be resumed into the post migrations.
   */
  compensate: async (s, why) => {
    const previous = s.release.previousArtifact;
    if (!previous) {
      await s.ledger.finishRelease(
        s.release.id,
        'failed',
        `${why}; nothing was deployed before, so there is nothing to roll back to`,
      );
      s.summary.status = 'failed';
      return false;
    }
    await s.ledger.finishRelease(s.release.id, 'rolled_back', why);
    s.summary.status = 'rolled_back';
    s.deps.emit({ type: 'info', message: `${why}: rolling the code back to ${previous}` });
    const target = { to: previous, from: s.release.artifact, why };
    const after = await rollBackCode(s, target);
    if (after) s.summary.health.push({ stage: 'verify:rollback', ok: after.ok, summary: after.summary });
    if (after && !after.ok) throw unhealthyAfterRollback(target, after);
    return true;
  },
};

const compensateRollout = (s: ReleaseState, why: string): Promise<boolean> => rollout.compensate!(s, why);

export const PIPELINE: readonly StageDefinition[] = [
  {
    id: 'preflight',
    run: async (s) => {
      const drift = await checkDrift(s.ledger.db, s.ledger, { accept: s.options.acceptDrift });
      if (drift.status === 'accepted') {
        s.deps.emit({
          type: 'info',
          message: `schema drift accepted: ${drift.differences.map((d) => `${d.object} (${d.changes.join(', ')})`).join('; ')}`,
        });
      }
      const { plan } = await s.snapshot();
      assertRunnable(plan);
      const deferred = new Set(await s.ledger.deferredPost());
      const due = plan.stages.post.filter((k) => deferred.has(k));
      // The app must be healthy before anything changes: a failure now is not the release's doing.
      const baseline = await health(s, 'preflight', 'verify');
      if (baseline && !baseline.ok) {
        throw healthFailure(
          'preflight',
          baseline,
          'VERIFY_FAILED',
          `${s.release.previousArtifact} is unhealthy before the release; nothing was changed`,
        );
      }
      if (due.length)
        s.deps.emit({
          type: 'info',
          message: `running post migrations deferred by an earlier release: ${due.join(', ')}`,
        });
      await migrate(s, 'preflight', due);
      return {
        pre: plan.stages.pre,
        post: plan.stages.post,
        deferredRun: due,
        baseline: baseline?.summary ?? 'skipped',
        drift: drift.status,
      };
    },
  },
  {
    id: 'migrate:pre',
    run: async (s) => {
      const { plan } = await s.snapshot();
      assertRunnable(plan);
      await recordStaged(s.ledger, plan, plan.stages.pre, s.release.id);
      return { applied: await migrate(s, 'migrate:pre', plan.stages.pre) };
    },
  },
  {
    id: 'verify:pre',
    run: async (s) => {
      const outcome = await health(s, 'verify:pre', 'verify');
      if (outcome && !outcome.ok) {
        throw healthFailure(
          'verify:pre',
          outcome,
          'VERIFY_FAILED',
          'no rollout happened; the pre migrations stay applied (the previous code works with them)',
        );
      }
      return { health: outcome?.summary ?? 'skipped' };
    },
  },
  rollout,
  {
    id: 'verify:rollout',
    run: async (s) => {
      const first = await health(s, 'verify:rollout', 'verify');
      const soak = first?.ok ? await health(s, 'verify:rollout', 'bake') : undefined;
      const failed = first && !first.ok ? first : soak && !soak.ok ? soak : undefined;
      if (failed) {
        const error = healthFailure('verify:rollout', failed);
        if (!(await compensateRollout(s, 'health failed after the rollout'))) {
          throw new DeployctlError(
            'ROLLOUT_FAILED',
            `${error.message}. Nothing was deployed before this release, so there is no version to roll back to.`,
          );
        }
        throw error;
      }
      return { verify: first?.summary ?? 'skipped', bake: soak?.summary ?? 'skipped' };
    },
  },
  {
    id: 'migrate:post',
    run: async (s) => {
      const { plan } = await s.snapshot();
      const post = plan.stages.post.filter((k) => !s.appliedNow.has(k));
      if (s.release.postPolicy === 'next-release') {
        s.deps.emit({
          type: 'info',
          message: post.length
            ? `post migrations deferred to the next release: ${post.join(', ')}`
            : 'no post migrations',
        });
        await s.ledger.recordDeferred(post, 'next-release', s.release.id);
        return { deferred: post };
      }
      assertRunnable(plan);
      return { applied: await migrate(s, 'migrate:post', post) };
    },
  },
  {
    id: 'verify:post',
    run: async (s) => {
      const outcome = await health(s, 'verify:post', 'verify');
      if (outcome && !outcome.ok) {
        const post = s.summary.applied.filter((a) => a.stage === 'migrate:post').map((a) => `${a.app}/${a.id}`);
        throw healthFailure(
          'verify:post',
          outcome,
          'POST_VERIFY_FAILED',
          `post-migration verification failed; the new code (${s.release.artifact}) keeps serving; no rollback possible: ` +
            (post.length
              ? `the post migrations (${post.join(', ')}) removed what ${s.release.previousArtifact ?? 'the previous code'} needs`
              : 'the previous code is not known to work with the schema now') +
            '. Fix forward',
        );
      }
      return { health: outcome?.summary ?? 'skipped' };
    },
  },
];

async function migrate(s: ReleaseState, stage: string, keys: string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  let applied: AppliedResult[];
  try {
    applied = await applySelected(await s.snapshot(), keys, s.config, {
      clock: s.deps.clock,
      emit: s.deps.emit,
      signal: s.deps.signal,
      heartbeatMs: s.deps.heartbeatMs,
      releaseId: s.release.id,
      monitor: s.lockDb,
    });
  } catch (e) {
    // What did get applied before the failure or interrupt is recorded, schema fingerprint included,
    // so that a resume, an abort or the next release start from the truth.
    const partial = (e as { applied?: AppliedResult[] }).applied ?? [];
    for (const a of partial) s.summary.applied.push({ stage, app: a.app, id: a.id, ms: a.ms, attempts: a.attempts });
    if (partial.length > 0) await recordFingerprint(s.ledger.db, s.ledger, s.release.id, 'migrate');
    throw e;
  }
  for (const a of applied) {
    s.summary.applied.push({ stage, app: a.app, id: a.id, ms: a.ms, attempts: a.attempts });
    s.appliedNow.add(`${a.app}/${a.id}`);
  }
  // The schema changed on purpose: the next drift check compares against this.
  if (applied.length > 0) await recordFingerprint(s.ledger.db, s.ledger, s.release.id, 'migrate');
  return applied.map((a) => `${a.app}/${a.id}`);
}

/** Before the first rollout nothing serves yet, so the checks of the stages before it are skipped. */
async function health(s: ReleaseState, stage: string, mode: HealthStep['mode']): Promise<HealthOutcome | undefined> {
  const beforeRollout = stage === 'preflight' || stage === 'verify:pre';
  if (beforeRollout && !s.release.previousArtifact) {
    s.deps.emit({ type: 'info', message: `${stage}: nothing is deployed yet, health checks skipped` });
    return undefined;
  }
  const outcome = await checkHealth(s, { stage, mode, outputs: beforeRollout ? {} : s.outputs });
  if (outcome)
    s.summary.health.push({
      stage: mode === 'bake' ? `${stage} (bake)` : stage,
      ok: outcome.ok,
      summary: outcome.summary,
    });
  return outcome;
}
