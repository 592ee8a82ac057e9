/**
 * The one way deployctl returns traffic to an earlier artifact: the compensation of the rollout
 * stage. The automatic rollback after a failed verify and `deployctl rollback` both run this, so
 * they emit the same stage events (`rollback`, `verify:rollback`) and record the same ledger rows.
 */
import { DeployctlError } from '../../errors.js';
import type { HealthOutcome } from '../verify.js';
import type { OperationContext } from './context.js';
import { checkHealth } from './health.js';
import { recordCommand } from './leftover-command.js';

export interface CodeRollback {
  /** The artifact to return to. */
  to: string;
  /** The artifact serving now (or being rolled out). */
  from: string;
  why: string;
}

/**
 * Rolls the code back through the driver, then verifies health on the restored artifact.
 * Returns the health outcome (undefined: no checks configured); an unhealthy outcome is the
 * caller's to report, since what it means differs (nothing left to roll back to, or a manual
 * rollback that did not help).
 */
export async function rollBackCode(ctx: OperationContext, target: CodeRollback): Promise<HealthOutcome | undefined> {
  const { emit, clock } = ctx.deps;
  const started = clock.now();
  emit({ type: 'stage:start', stage: 'rollback', releaseId: ctx.releaseId });
  await ctx.ledger.addEvent({
    releaseId: ctx.releaseId,
    stage: 'rollback',
    kind: 'start',
    detail: { from: target.from, to: target.to, why: target.why },
  });
  try {
    await ctx.deps.driver.rollback({
      artifact: target.to,
      previousArtifact: target.from,
      releaseId: String(ctx.releaseId),
      log: (line) => emit({ type: 'rollout', stage: 'rollback', line }),
      onCommand: recordCommand(ctx.ledger, ctx.releaseId),
      signal: ctx.deps.signal,
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    emit({
      type: 'stage:fail',
      stage: 'rollback',
      ms: clock.now() - started,
      error: message,
      releaseId: ctx.releaseId,
    });
    await ctx.ledger.addEvent({
      releaseId: ctx.releaseId,
      stage: 'rollback',
      kind: 'fail',
      durationMs: clock.now() - started,
      detail: { error: message },
    });
    throw e;
  }
  await ctx.ledger.addEvent({
    releaseId: ctx.releaseId,
    stage: 'rollback',
    kind: 'end',
    durationMs: clock.now() - started,
    detail: { from: target.from, to: target.to },
  });
  emit({ type: 'stage:end', stage: 'rollback', ms: clock.now() - started, releaseId: ctx.releaseId });

  const verifyStarted = clock.now();
  emit({ type: 'stage:start', stage: 'verify:rollback', releaseId: ctx.releaseId });
  // The restored artifact's checks: the new rollout's outputs no longer apply.
  const outcome = await checkHealth(ctx, { stage: 'verify:rollback', mode: 'verify', outputs: {} });
  const ms = clock.now() - verifyStarted;
  if (outcome && !outcome.ok)
    emit({ type: 'stage:fail', stage: 'verify:rollback', ms, error: outcome.summary, releaseId: ctx.releaseId });
  else emit({ type: 'stage:end', stage: 'verify:rollback', ms, releaseId: ctx.releaseId });
  return outcome;
}

/** The error for a rollback whose restored artifact is unhealthy too. */
export function unhealthyAfterRollback(target: CodeRollback, outcome: HealthOutcome): DeployctlError {
  return new DeployctlError(
    'ROLLOUT_FAILED',
    `${target.why}; rolled back to ${target.to}, but ${target.to} is not healthy either: ${outcome.summary}`,
  );
}
