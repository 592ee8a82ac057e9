/**
 * Waiting for a condition instead of for a fixed time: tests that race a second actor against a
 * first one wait for the state they need (a lock held, a stage started, a query running), polled
 * within a bound, and fail naming that state when it never comes.
 */

export interface WaitOptions {
  /** How long to keep polling before failing; keep it well under the test's own timeout. */
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value other than undefined, null or false, and returns that
 * value. A probe that throws counts as "not yet" (e.g. the ledger table does not exist yet); the
 * last error is quoted when the wait fails. Fails with `timed out … waiting for <what>`.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  options: WaitOptions = {},
): Promise<Exclude<T, undefined | null | false>> {
  const timeoutMs = options.timeoutMs ?? 20000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false)
        return value as Exclude<T, undefined | null | false>;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const cause =
    lastError === undefined
      ? ''
      : ` (last probe failed: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
}
