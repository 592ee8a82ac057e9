/** The `local` driver's settings (`rollout:` with `driver: local` in deployctl.yaml). */
export interface LocalDriverConfig {
  /**
   * Starts one version of the app. Run by `sh -c` with ARTIFACT, PORT and DEPLOYCTL_ARTIFACT in
   * the environment, so `${ARTIFACT}` and `${PORT}` are expanded by the shell.
   */
  start: string;
  /** The public port the proxy owns; versions listen on fresh free ports behind it. */
  port: number;
  /** Answers 200 once a version is ready; default `/healthz`. */
  healthPath?: string;
  /** How long a new version may take to answer its health path; default 30000. */
  startupTimeoutMs?: number;
  /** How long in-flight requests to the old version may take to finish; default 30000. */
  drainTimeoutMs?: number;
  /** Where the detached supervisor keeps supervisor.json and its log; default `.deployctl/local`. */
  stateDir?: string;
}

export const LOCAL_DEFAULTS = {
  healthPath: '/healthz',
  startupTimeoutMs: 30000,
  drainTimeoutMs: 30000,
  stateDir: '.deployctl/local',
  /** Between SIGTERM and SIGKILL when a version is stopped. */
  stopGraceMs: 10000,
} as const;

/** What it takes to start one version; recorded per version so a rollback starts it the same way. */
export interface AppSpec {
  start: string;
  healthPath: string;
  startupTimeoutMs: number;
  /** Folder the start command runs in. */
  cwd?: string;
}

export function appSpec(config: LocalDriverConfig, cwd?: string): AppSpec {
  return {
    start: config.start,
    healthPath: config.healthPath ?? LOCAL_DEFAULTS.healthPath,
    startupTimeoutMs: config.startupTimeoutMs ?? LOCAL_DEFAULTS.startupTimeoutMs,
    cwd,
  };
}
