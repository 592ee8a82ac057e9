/**
 * Runs one stage: records its start, runs it, records its end (or failure) and marks it as the
 * last completed stage. An interrupt is only honoured between stages or at the safe points
 * inside them (between migrations, between health rounds).
 */
import type { Clock } from '../../clock.js';
import { DeployctlError } from '../../errors.js';
import type { Emit } from '../../events.js';
import type { LedgerStore } from '../../adapters/ledger/store.js';
import type { ReleaseSummary } from './release.js';
import type { Stage } from './stages.js';

export interface StageContext {
  stage: Stage;
  releaseId: number;
  ledger: LedgerStore;
  clock: Clock;
  emit: Emit;
  signal?: AbortSignal;
  summary: ReleaseSummary;
}

/** What a stage reports for the ledger's `end` event. */
export type StageAction = () => Promise<Record<string, unknown> | void>;

export async function runStage(ctx: StageContext, action: StageAction): Promise<void> {
  if (ctx.signal?.aborted) {
    await ctx.ledger.addEvent({ releaseId: ctx.releaseId, stage: ctx.stage, kind: 'info', detail: { interrupted: true } });
    throw new DeployctlError('INTERRUPTED', `interrupted before stage '${ctx.stage}'; continue with 'deployctl release --resume'`);
  }
  const started = ctx.clock.now();
  ctx.emit({ type: 'stage:start', stage: ctx.stage, releaseId: ctx.releaseId });
  await ctx.ledger.addEvent({ releaseId: ctx.releaseId, stage: ctx.stage, kind: 'start' });
  let detail: Record<string, unknown> | void;
  try {
    detail = await action();
  } catch (e) {
    const ms = ctx.clock.now() - started;
    const message = e instanceof Error ? e.message : String(e);
    ctx.emit({ type: 'stage:fail', stage: ctx.stage, ms, error: message, releaseId: ctx.releaseId });
    await ctx.ledger.addEvent({ releaseId: ctx.releaseId, stage: ctx.stage, kind: 'fail', durationMs: ms, detail: { error: message, code: (e as { code?: string }).code ?? null } });
    throw e;
  }
  const ms = ctx.clock.now() - started;
  await ctx.ledger.addEvent({ releaseId: ctx.releaseId, stage: ctx.stage, kind: 'end', durationMs: ms, detail: detail ?? {} });
  await ctx.ledger.setStage(ctx.releaseId, ctx.stage);
  ctx.summary.stages.push({ stage: ctx.stage, ms });
  ctx.emit({ type: 'stage:end', stage: ctx.stage, ms, releaseId: ctx.releaseId });
}
