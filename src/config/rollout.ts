/**
 * The `rollout:` section of deployctl.yaml: one shape per driver, the only declaration of each
 * (the drivers in adapters/drivers/ take these types; config.ts validates against them).
 */

/** The `command` driver's settings: shell commands that deploy, roll back and report the current artifact. */
export interface CommandRolloutConfig {
  /** Deploys $DEPLOYCTL_ARTIFACT; must be safe to run twice for the same artifact. */
  deploy: string;
  /** Returns to $DEPLOYCTL_ARTIFACT; when unset, `deploy` runs with the previous artifact. */
  rollback?: string;
  /**
   * Prints the artifact serving now (stdout, trimmed); empty output means nothing is deployed.
   * Before the first release in the ledger, a failing command means nothing is deployed too.
   */
  current?: string;
  /** Per command; 0 or unset: no limit. */
  timeoutMs?: number;
}

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
  /**
   * Slow start: once a new version is ready, a deploy moves traffic to it over this long, its share
   * of new requests rising linearly from 0 to 1 while the old version serves the rest; default 0
   * (all at once). A rollback always moves at once.
   */
  slowStartMs?: number;
  /** Where the detached supervisor keeps supervisor.json and its log; default `.deployctl/local`. */
  stateDir?: string;
}

/**
 * `rollout:` settings of the `pulumi` driver in deployctl.yaml, e.g.
 * `rollout: { driver: pulumi, stack: prod, imageRepository: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop }`.
 */
export interface PulumiRolloutConfig {
  /** Stack to update (`pulumi stack ls`); it must already exist (`pulumi stack init <name>`). */
  stack: string;
  /** Folder holding Pulumi.yaml, relative to deployctl.yaml's folder; default: that folder. */
  workDir?: string;
  /**
   * Image repository the artifact is a tag (or `sha256:` digest) of: artifact `1.4.2` deploys
   * `<imageRepository>:1.4.2`. Unset: the artifact is the full image reference.
   */
  imageRepository?: string;
  /** Stack config key holding the image; default `image`. `project:key` when not the project's. */
  imageConfigKey?: string;
  /** Stack config key the artifact itself is set in, for the app to report; default `version`. */
  versionConfigKey?: string;
  /** Stack output naming the image the stack deployed, read by `current()`; default `image`. */
  imageOutput?: string;
  /** Stack output holding the URL the verify stage checks; default `healthUrl`. */
  healthUrlOutput?: string;
}

export type RolloutConfig =
  | ({ driver: 'command' } & CommandRolloutConfig)
  | ({ driver: 'local' } & LocalDriverConfig)
  | ({ driver: 'pulumi' } & PulumiRolloutConfig);
