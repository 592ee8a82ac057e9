/**
 * A health check answers one question once: is the app healthy right now? The verify stage
 * (health/verify.ts) decides how many answers in a row, within which deadline, make a pass.
 */
export interface HealthResult {
  check: string;
  ok: boolean;
  latencyMs: number;
  /** Why it failed (status, body mismatch, timeout, error), or a short success note. */
  detail: string;
}

export interface HealthCheck {
  /** Stable, human-readable name, e.g. `http GET http://127.0.0.1:8080/healthz`. */
  readonly name: string;
  run(signal?: AbortSignal): Promise<HealthResult>;
}
