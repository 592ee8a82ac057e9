/**
 * `deployctl release`: preflight → migrate:pre → verify:pre → rollout → verify:rollout (with the
 * bake window) → migrate:post → verify:post. Each stage is recorded in the ledger as it starts
 * and ends; a release killed at any point resumes after its last completed stage and never
 * re-applies a migration (the ledger says what ran) or re-runs a completed rollout.
 */
import { connect } from '../../adapters/postgres/connect.js';
import { withLock } from '../../adapters/ledger/lock.js';
import { LedgerStore, unfinished, type ReleaseRow } from '../../adapters/ledger/store.js';
import type { Config } from '../../config/config.js';
import { DeployctlError } from '../../errors.js';
import { recordFingerprint } from '../drift.js';
import { leftoverMessage } from '../migrate/migrate.js';
import { stopLeftoverCommand } from './leftover-command.js';
import { resumeRollback, ROLLBACK, type RollbackSummary } from './rollback.js';
import { readSnapshot, type Snapshot } from '../snapshot.js';
import type { ReleaseDeps, ReleaseOptions, ReleaseSummary } from './context.js';
import { PIPELINE, type ReleaseState, type StageDefinition } from './pipeline.js';
import { DONE, remainingStages } from './stages.js';

export type { ReleaseDeps, ReleaseOptions, ReleaseSummary } from './context.js';

export async function releaseCommand(
  config: Config,
  options: ReleaseOptions,
  deps: ReleaseDeps,
): Promise<ReleaseSummary> {
  return withLock(
    config.databaseUrl,
    { waitMs: options.lockWaitMs ?? 0, clock: deps.clock, purpose: `release ${options.artifact ?? ''}`.trim() },
    async (lock) => {
      const ledgerDb = await connect(config.databaseUrl, 'deployctl ledger');
      try {
        const ledger = new LedgerStore(ledgerDb, config.schema);
        await ledger.upgrade();
        // Whatever a killed predecessor left running goes first: its migration statements…
        for (const ended of await ledger.endLeftoverSessions())
          deps.emit({ type: 'info', message: leftoverMessage(ended) });
        const open = await ledger.unfinishedRelease();
        // …and its deploy command.
        if (open && (options.resume || options.abort)) await stopLeftoverCommand(ledger, open.id, deps.emit);
        if (options.abort) return await abort(ledger, open, deps);
        if (options.resume && open?.postPolicy === ROLLBACK)
          return rollbackSummary(await resumeRollback(config, ledger, open, deps));
        const row = await startOrResume(ledger, open, options, config, deps);
        let snapshot: Promise<Snapshot> | undefined;
        const state: ReleaseState = {
          config,
          options,
          // Losing the release lock stops the release at its next safe point, like an interrupt.
          deps: { ...deps, signal: deps.signal ? AbortSignal.any([deps.signal, lock.lost]) : lock.lost },
          lease: lock.lost,
          ledger,
          lockDb: lock.db,
          release: row,
          releaseId: row.id,
          snapshot: () =>
            (snapshot ??= readSnapshot(config, ledgerDb).then((s) => {
              for (const message of s.warnings) deps.emit({ type: 'info', message: `warning: ${message}` });
              return s;
            })),
          appliedNow: new Set(),
          summary: {
            releaseId: row.id,
            artifact: row.artifact,
            previousArtifact: row.previousArtifact,
            status: 'succeeded',
            stages: [],
            applied: [],
            health: [],
            totalMs: 0,
          },
          outputs: await previousOutputs(ledger, row.id),
        };
        const started = deps.clock.now();
        try {
          for (const id of remainingStages(row.stage)) {
            await runStage(
              state,
              PIPELINE.find((stage) => stage.id === id)!,
            );
          }
        } catch (e) {
          // An interrupt leaves the release running (resumable); any other failure ends it,
          // unless a rollback already recorded how it ended.
          const interrupted = e instanceof DeployctlError && e.code === 'INTERRUPTED';
          if (!interrupted && (await ledger.release(row.id))?.status === 'running') {
            await ledger.finishRelease(row.id, 'failed', e instanceof Error ? e.message : String(e));
          }
          throw e;
        }
        await recordFingerprint(ledgerDb, ledger, row.id);
        await ledger.setStage(row.id, DONE);
        await ledger.finishRelease(row.id, 'succeeded');
        state.summary.totalMs = deps.clock.now() - started;
        return state.summary;
      } finally {
        await ledgerDb.end().catch(() => undefined);
      }
    },
  );
}

/**
 * Runs one stage: records its start, runs it, records its end (or failure) and marks it as the
 * last completed stage. An interrupt is only honoured between stages or at the safe points
 * inside them (between migrations, between health rounds).
 */
async function runStage(s: ReleaseState, stage: StageDefinition): Promise<void> {
  const { clock, emit, signal } = s.deps;
  const releaseId = s.release.id;
  if (s.lease.aborted) {
    const why = (s.lease.reason as Error).message;
    await s.ledger.addEvent({ releaseId, stage: stage.id, kind: 'info', detail: { interrupted: true, lockLost: why } });
    throw new DeployctlError(
      'INTERRUPTED',
      `the release lock was lost (${why}); stopped before stage '${stage.id}'. The release stays unfinished, so no post migration can run meanwhile; continue with 'deployctl release --resume'`,
    );
  }
  if (signal?.aborted) {
    await s.ledger.addEvent({ releaseId, stage: stage.id, kind: 'info', detail: { interrupted: true } });
    throw new DeployctlError(
      'INTERRUPTED',
      `interrupted before stage '${stage.id}'; continue with 'deployctl release --resume'`,
    );
  }
  const started = clock.now();
  emit({ type: 'stage:start', stage: stage.id, releaseId });
  await s.ledger.addEvent({ releaseId, stage: stage.id, kind: 'start' });
  let detail: Record<string, unknown> | void;
  try {
    detail = await stage.run(s);
  } catch (e) {
    const ms = clock.now() - started;
    const message = e instanceof Error ? e.message : String(e);
    emit({ type: 'stage:fail', stage: stage.id, ms, error: message, releaseId });
    await s.ledger.addEvent({
      releaseId,
      stage: stage.id,
      kind: 'fail',
      durationMs: ms,
      detail: { error: message, code: (e as { code?: string }).code ?? null },
    });
    throw e;
  }
  const ms = clock.now() - started;
  await s.ledger.addEvent({ releaseId, stage: stage.id, kind: 'end', durationMs: ms, detail: detail ?? {} });
  await s.ledger.setStage(releaseId, stage.id);
  s.summary.stages.push({ stage: stage.id, ms });
  emit({ type: 'stage:end', stage: stage.id, ms, releaseId });
}

async function startOrResume(
  ledger: LedgerStore,
  open: ReleaseRow | undefined,
  options: ReleaseOptions,
  config: Config,
  deps: ReleaseDeps,
): Promise<ReleaseRow> {
  if (options.resume) {
    if (!open)
      throw new DeployctlError(
        'RELEASE_NOT_FOUND',
        'there is no unfinished release to resume; start one with deployctl release --artifact <version>',
      );
    if (options.artifact && options.artifact !== open.artifact) {
      throw new DeployctlError(
        'USAGE',
        `release ${open.id} is for artifact ${open.artifact}, not ${options.artifact}; resume it without --artifact, or --abort it`,
      );
    }
    deps.emit({
      type: 'info',
      message: `resuming release ${open.id} (artifact ${open.artifact}) after stage '${open.stage}'`,
    });
    return open;
  }
  if (open) throw unfinished(open);
  if (!options.artifact)
    throw new DeployctlError('USAGE', 'release needs --artifact <version> (the version to roll out)');
  const previous = (await ledger.currentArtifact()) ?? (await deployedBefore(ledger, deps)) ?? null;
  const id = await ledger.createRelease({
    artifact: options.artifact,
    previousArtifact: previous,
    postPolicy: options.deferPost ? 'next-release' : config.post,
  });
  deps.emit({ type: 'info', message: `release ${id}: ${previous ?? '(nothing deployed)'} → ${options.artifact}` });
  return (await ledger.release(id))!;
}

/**
 * What the driver says is serving, for a ledger with no artifact of its own. Before the first
 * release a `current` that fails is "nothing deployed": the target it asks (a service, a file, a
 * stack output) often exists only once something was deployed. After one, it is an error again.
 */
async function deployedBefore(ledger: LedgerStore, deps: ReleaseDeps): Promise<string | undefined> {
  try {
    return await deps.driver.current();
  } catch (e) {
    if (!(e instanceof DeployctlError) || e.code !== 'ROLLOUT_FAILED' || (await ledger.releases(1)).length > 0) throw e;
    deps.emit({
      type: 'info',
      message: `no earlier release in the ledger and the ${deps.driver.name} driver could not tell what is deployed (${e.message.split('\n')[0]}): treating it as nothing deployed`,
    });
    return undefined;
  }
}

async function abort(ledger: LedgerStore, open: ReleaseRow | undefined, deps: ReleaseDeps): Promise<ReleaseSummary> {
  if (!open) throw new DeployctlError('RELEASE_NOT_FOUND', 'there is no unfinished release to abort');
  await ledger.addEvent({ releaseId: open.id, stage: open.stage, kind: 'info', detail: { aborted: true } });
  await ledger.finishRelease(open.id, 'aborted', 'aborted by hand');
  deps.emit({
    type: 'info',
    message: `release ${open.id} (artifact ${open.artifact}) aborted after stage '${open.stage}'; applied migrations stay applied; the code is as the driver left it — check 'deployctl status'`,
  });
  return {
    releaseId: open.id,
    artifact: open.artifact,
    previousArtifact: open.previousArtifact,
    status: 'aborted',
    stages: [],
    applied: [],
    health: [],
    totalMs: 0,
  };
}

/** A resumed rollback, as the summary `release --resume` returns. */
function rollbackSummary(r: RollbackSummary): ReleaseSummary {
  return {
    releaseId: r.releaseId,
    artifact: r.to,
    previousArtifact: r.from,
    status: 'rolled_back',
    stages: [],
    applied: [],
    health: [{ stage: 'verify:rollback', ok: true, summary: r.health }],
    totalMs: 0,
  };
}

/** On resume after the rollout, the verify stages need the outputs the rollout recorded. */
async function previousOutputs(ledger: LedgerStore, releaseId: number): Promise<Record<string, string>> {
  const events = await ledger.events(releaseId);
  const rollout = events.filter((e) => e.stage === 'rollout' && e.kind === 'end').pop();
  return (rollout?.detail.outputs as Record<string, string> | undefined) ?? {};
}
