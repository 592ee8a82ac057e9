/**
 * The plain shape of one configured health check (`health.checks[]` in deployctl.yaml). Exactly
 * one of `http`, `sql`, `command` is set; `buildHealthChecks` turns each into a HealthCheck.
 */
export interface HttpCheckConfig {
  url: string;
  /** Expected status; 200 when unset. */
  status?: number;
  /** A substring the response body must contain. */
  body?: string;
  /**
   * The body must report the version the rollout deployed, as JSON `{"version": "1.4.2", …}`
   * (the pulumi stack passes it to the app as APP_VERSION). Catches a deployment the platform
   * rolled back on its own: the old version still answers 200.
   */
  expectVersion?: boolean;
  timeoutMs?: number;
  /** A response slower than this counts as a failure even when it is otherwise right. */
  maxLatencyMs?: number;
}

export interface HealthCheckConfig {
  http?: HttpCheckConfig;
  /** A query whose first column of the first row must be true (or a non-zero count). */
  sql?: string;
  /** A shell command that must exit 0. */
  command?: string;
}

/** Per-check time limits when the config sets none. */
export const DEFAULT_HTTP_TIMEOUT_MS = 5000;
export const DEFAULT_SQL_TIMEOUT_MS = 5000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 30000;

/** How many passes in a row make a verify, within which deadline, and the bake window (health.* in deployctl.yaml). */
export const VERIFY_DEFAULTS = { consecutive: 3, deadlineMs: 60000, intervalMs: 1000 } as const;
export const BAKE_DEFAULTS = { bakeMs: 30000, intervalMs: 1000, maxFailureRatio: 0 } as const;
