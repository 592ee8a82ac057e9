/**
 * The release pipeline as data: stages with stable ids, in order. The ledger records the last
 * completed one; resume starts at the next.
 */
export const STAGES = ['preflight', 'migrate:pre', 'verify:pre', 'rollout', 'verify:rollout', 'migrate:post', 'verify:post'] as const;
export type Stage = (typeof STAGES)[number];

/** The ledger's `release.stage` before any stage completed, and after the last. */
export const CREATED = 'created';
export const DONE = 'done';

/** Stages still to run after `completed` (a stage id, CREATED or DONE). */
export function remainingStages(completed: string): Stage[] {
  if (completed === DONE) return [];
  const at = STAGES.indexOf(completed as Stage);
  return STAGES.slice(at + 1) as Stage[];
}

/** True once the code may have moved to the new artifact (the rollout started or finished). */
export function rolloutStarted(completed: string): boolean {
  return completed === DONE || STAGES.indexOf(completed as Stage) >= STAGES.indexOf('verify:pre');
}
