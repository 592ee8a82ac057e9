/**
 * The release's stage ids, in order. The ledger records the last completed one; resume starts
 * at the next. What each stage does is in pipeline.ts.
 */
export const STAGES = [
  'preflight',
  'migrate:pre',
  'verify:pre',
  'rollout',
  'verify:rollout',
  'migrate:post',
  'verify:post',
] as const;
export type Stage = (typeof STAGES)[number];

/** The ledger's `release.stage` after the last stage. */
export const DONE = 'done';

/** Stages still to run after `completed` (a stage id, `created` before any, or DONE). */
export function remainingStages(completed: string): Stage[] {
  if (completed === DONE) return [];
  const at = STAGES.indexOf(completed as Stage);
  return STAGES.slice(at + 1) as Stage[];
}
