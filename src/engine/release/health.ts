/**
 * Health checks as a release step: runs the configured checks (verify: N in a row; bake: a
 * window within a failure budget), reports every result, and records the outcome in the ledger.
 * With no checks configured it says so and returns undefined (the step is skipped).
 */
import type { HealthResult } from '../../ports.js';
import { bake, verify, type HealthOutcome } from '../verify.js';
import type { OperationContext } from './context.js';

export interface HealthStep {
  /** The stage the results are reported and recorded under. */
  stage: string;
  mode: 'verify' | 'bake';
  /** The rollout's outputs, for checks that read them (a Pulumi stack's healthUrl). */
  outputs: Record<string, string>;
}

export async function checkHealth(ctx: OperationContext, step: HealthStep): Promise<HealthOutcome | undefined> {
  const checks = ctx.deps.healthChecks(step.outputs);
  if (checks.length === 0) {
    ctx.deps.emit({
      type: 'info',
      message: `${step.stage}: no health checks configured (health.checks in deployctl.yaml)`,
    });
    return undefined;
  }
  const h = ctx.config.health;
  const deps = {
    clock: ctx.deps.clock,
    signal: ctx.deps.signal,
    onResult: (result: HealthResult) => ctx.deps.emit({ type: 'health', stage: step.stage, result }),
  };
  const outcome =
    step.mode === 'verify'
      ? await verify(checks, { consecutive: h.consecutive, deadlineMs: h.deadlineMs, intervalMs: h.intervalMs }, deps)
      : await bake(checks, { bakeMs: h.bakeMs, intervalMs: h.intervalMs, maxFailureRatio: h.maxFailureRatio }, deps);
  await ctx.ledger.addEvent({
    releaseId: ctx.releaseId,
    stage: step.stage,
    kind: 'health',
    detail: {
      mode: step.mode,
      ok: outcome.ok,
      summary: outcome.summary,
      rounds: outcome.rounds,
      failures: outcome.failures.slice(-20),
      results: outcome.results.slice(-50),
    },
  });
  return outcome;
}
