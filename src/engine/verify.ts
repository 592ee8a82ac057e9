/**
 * The verify stage's two questions, answered with the injected clock only:
 * - `verify`: does every check pass N rounds in a row before a deadline? (after each migrate
 *   stage and right after the rollout)
 * - `bake`: does the app stay healthy for a whole window, within a failure budget? (after the
 *   rollout, before `post` migrations may run)
 * Both return every HealthResult they saw, for the ledger; neither throws on unhealthy — the
 * pipeline decides (see `healthFailure`). An interrupt throws INTERRUPTED.
 */
import type { Clock } from '../ports.js';
import { BAKE_DEFAULTS, VERIFY_DEFAULTS } from '../config/health.js';
import { DeployctlError } from '../errors.js';
import type { HealthCheck, HealthResult } from '../ports.js';

export interface VerifyPolicy {
  /** Rounds in a row in which every check passes. */
  consecutive?: number;
  deadlineMs?: number;
  /** Pause between the starts of two rounds. */
  intervalMs?: number;
}

export interface BakePolicy {
  bakeMs?: number;
  intervalMs?: number;
  /** Share of failed samples tolerated over the window; 0 = any failure fails the bake. */
  maxFailureRatio?: number;
}

export interface HealthDeps {
  clock: Clock;
  signal?: AbortSignal;
  /** Every result as it arrives, for live progress. */
  onResult?: (result: HealthResult) => void;
}

export interface HealthOutcome {
  ok: boolean;
  /** Every result of every round, in order. */
  results: HealthResult[];
  /** verify: the failures of the last failing round; bake: every failed sample. Empty when ok. */
  failures: HealthResult[];
  /** One line for the reporter, e.g. `healthy 3 times in a row after 4 rounds`. */
  summary: string;
  rounds: number;
  elapsedMs: number;
}

export async function verify(checks: HealthCheck[], policy: VerifyPolicy, deps: HealthDeps): Promise<HealthOutcome> {
  const consecutive = positiveInt(policy.consecutive ?? VERIFY_DEFAULTS.consecutive, 'health.consecutive', 1);
  const deadlineMs = positiveInt(policy.deadlineMs ?? VERIFY_DEFAULTS.deadlineMs, 'health.deadlineMs', 0);
  const intervalMs = positiveInt(policy.intervalMs ?? VERIFY_DEFAULTS.intervalMs, 'health.intervalMs', 1);
  const { clock } = deps;
  const started = clock.now();
  const results: HealthResult[] = [];
  const outcome = (ok: boolean, failures: HealthResult[], summary: string, rounds: number): HealthOutcome => ({
    ok,
    results,
    failures,
    summary,
    rounds,
    elapsedMs: clock.now() - started,
  });
  if (checks.length === 0) return outcome(true, [], 'no health checks configured', 0);

  let streak = 0;
  let lastFailures: HealthResult[] = [];
  for (let rounds = 1; ; rounds++) {
    const round = await runRound(checks, deps);
    results.push(...round);
    const failing = round.filter((r) => !r.ok);
    if (failing.length === 0) {
      streak++;
      if (streak >= consecutive)
        return outcome(true, [], `healthy ${consecutive} time(s) in a row after ${rounds} round(s)`, rounds);
    } else {
      streak = 0;
      lastFailures = failing;
    }
    // Rounds that can still start before the deadline; fail now once they cannot complete a streak.
    const roundsLeft = Math.floor((deadlineMs - (clock.now() - started)) / intervalMs);
    if (streak + Math.max(0, roundsLeft) < consecutive) {
      return outcome(
        false,
        lastFailures,
        `not healthy ${consecutive} time(s) in a row within ${deadlineMs} ms (${rounds} round(s))`,
        rounds,
      );
    }
    await pause(clock, intervalMs, deps.signal);
  }
}

export async function bake(checks: HealthCheck[], policy: BakePolicy, deps: HealthDeps): Promise<HealthOutcome> {
  const bakeMs = positiveInt(policy.bakeMs ?? BAKE_DEFAULTS.bakeMs, 'health.bakeMs', 0);
  const intervalMs = positiveInt(policy.intervalMs ?? BAKE_DEFAULTS.intervalMs, 'health.intervalMs', 1);
  const maxFailureRatio = policy.maxFailureRatio ?? BAKE_DEFAULTS.maxFailureRatio;
  if (!(maxFailureRatio >= 0 && maxFailureRatio <= 1)) {
    throw new DeployctlError(
      'CONFIG_INVALID',
      `health.maxFailureRatio must be between 0 and 1, got ${maxFailureRatio}`,
      { key: 'health.maxFailureRatio' },
    );
  }
  const { clock } = deps;
  const started = clock.now();
  const results: HealthResult[] = [];
  const failures: HealthResult[] = [];
  // One round at the start of the window and one per interval up to its end.
  const rounds = Math.floor(bakeMs / intervalMs) + 1;
  const plannedSamples = rounds * checks.length;
  const outcome = (ok: boolean, summary: string, done: number): HealthOutcome => ({
    ok,
    results,
    failures: ok ? [] : failures,
    summary,
    rounds: done,
    elapsedMs: clock.now() - started,
  });
  if (checks.length === 0) return outcome(true, 'no health checks configured', 0);

  for (let round = 0; round < rounds; round++) {
    await pause(clock, started + round * intervalMs - clock.now(), deps.signal);
    const sampled = await runRound(checks, deps);
    results.push(...sampled);
    failures.push(...sampled.filter((r) => !r.ok));
    // Judged against the whole window's samples: once this is over the budget, no later
    // success can bring it back.
    if (failures.length / plannedSamples > maxFailureRatio) {
      return outcome(
        false,
        `${failures.length} of ${results.length} sample(s) failed during the ${bakeMs} ms bake (budget: ${ratioText(maxFailureRatio, plannedSamples)})`,
        round + 1,
      );
    }
  }
  return outcome(
    true,
    `healthy through the ${bakeMs} ms bake: ${failures.length} of ${results.length} sample(s) failed`,
    rounds,
  );
}

/** The error the pipeline raises for a failed outcome; exit code 3 once the code is rolled back. */
/**
 * The error for an unhealthy verify. Its code says what it means for the release: HEALTH_FAILED
 * after the rollout (the code is rolled back, exit 3), VERIFY_FAILED before it (nothing rolled
 * out, exit 1), POST_VERIFY_FAILED after the post stage (nothing can be rolled back, exit 5).
 */
export function healthFailure(
  stage: string,
  outcome: HealthOutcome,
  code: 'HEALTH_FAILED' | 'VERIFY_FAILED' | 'POST_VERIFY_FAILED' = 'HEALTH_FAILED',
  why = '',
): DeployctlError {
  const detail = outcome.failures
    .slice(-5)
    .map((f) => `${f.check}: ${f.detail}`)
    .join('; ');
  return new DeployctlError(
    code,
    `${stage}: ${outcome.summary}${detail ? ` — ${detail}` : ''}${why ? `. ${why}` : ''}`,
    {
      hint: 'check the app logs for the failing version; the health checks are under `health.checks` in deployctl.yaml',
    },
  );
}

async function runRound(checks: HealthCheck[], deps: HealthDeps): Promise<HealthResult[]> {
  throwIfInterrupted(deps.signal);
  const round = await Promise.all(checks.map((check) => runOne(check, deps)));
  throwIfInterrupted(deps.signal);
  for (const result of round) deps.onResult?.(result);
  return round;
}

/** A check is not supposed to throw; if one does, that is a failed answer, not a crash. */
async function runOne(check: HealthCheck, deps: HealthDeps): Promise<HealthResult> {
  const started = deps.clock.now();
  try {
    return await check.run(deps.signal);
  } catch (e) {
    return {
      check: check.name,
      ok: false,
      latencyMs: deps.clock.now() - started,
      detail: e instanceof Error ? e.message : String(e),
    };
  }
}

async function pause(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  try {
    await clock.sleep(ms, signal);
  } catch (e) {
    throwIfInterrupted(signal);
    throw e;
  }
}

function throwIfInterrupted(signal?: AbortSignal): void {
  if (signal?.aborted)
    throw new DeployctlError('INTERRUPTED', 'health verification was interrupted', { cause: signal.reason });
}

function positiveInt(value: number, key: string, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new DeployctlError('CONFIG_INVALID', `${key} must be an integer >= ${min}, got ${value}`, { key });
  }
  return value;
}

function ratioText(ratio: number, plannedSamples: number): string {
  return `at most ${Math.floor(ratio * plannedSamples)} of ${plannedSamples}`;
}
