/**
 * A rollout driver moves traffic from one artifact (version) of the app to another. Undo sits
 * beside do: every driver can roll back to the artifact that served before.
 */
export interface RolloutContext {
  /** The artifact to move to (for rollback: the one to return to). */
  artifact: string;
  /** The artifact serving before this call, when known. */
  previousArtifact?: string;
  releaseId: string;
  /** Progress lines (command output, engine events) for the reporter. */
  log(line: string): void;
  /** Aborted when the user interrupts (SIGINT/SIGTERM); drivers stop at a safe point. */
  signal?: AbortSignal;
}

export interface RolloutResult {
  /** The artifact serving after the call. */
  artifact: string;
  /** Values the verify stage may use, e.g. `healthUrl` from a Pulumi stack's outputs. */
  outputs: Record<string, string>;
}

export interface RolloutDriver {
  readonly name: string;
  /**
   * Deploy `ctx.artifact` and switch traffic to it. Called once per release after the `pre`
   * migrations are verified; called again on resume only if the ledger shows it did not finish,
   * so it must be safe to repeat for the same artifact.
   */
  rollout(ctx: RolloutContext): Promise<RolloutResult>;
  /**
   * Return traffic to `ctx.artifact` (the previous version). Called by the automatic rollback
   * after a failed verify, and by `deployctl rollback`.
   */
  rollback(ctx: RolloutContext): Promise<RolloutResult>;
  /** The artifact serving now, when the driver can tell; undefined when nothing is deployed. */
  current(): Promise<string | undefined>;
  /** Releases resources the driver holds in this process (connections, not the deployed app). */
  close(): Promise<void>;
}
