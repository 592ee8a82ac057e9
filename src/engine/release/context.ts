/**
 * What the release's stages and its rollback share: the configuration, the ledger, the ports,
 * and the release being run. Both `deployctl release` and `deployctl rollback` build one.
 */
import type { LedgerStore } from '../../adapters/ledger/store.js';
import type { Config } from '../../config/config.js';
import type { Emit } from '../../ports.js';
import type { Clock, HealthCheck, RolloutDriver, RolloutResult } from '../../ports.js';

export interface ReleaseDeps {
  clock: Clock;
  emit: Emit;
  signal?: AbortSignal;
  driver: RolloutDriver;
  /** How often a long migration statement reports itself; default 10 s. */
  heartbeatMs?: number;
  /** The configured checks; `outputs` are the rollout's (e.g. a Pulumi stack's healthUrl). */
  healthChecks(outputs: Record<string, string>): HealthCheck[];
}

export interface OperationContext {
  config: Config;
  deps: ReleaseDeps;
  ledger: LedgerStore;
  /** The ledger's release row this operation records its events under. */
  releaseId: number;
}

export interface ReleaseOptions {
  artifact?: string;
  resume?: boolean;
  abort?: boolean;
  /** Leave this release's post migrations for the preflight of the next release. */
  deferPost?: boolean;
  lockWaitMs?: number;
  /** Record a schema that differs from the last recorded fingerprint instead of stopping. */
  acceptDrift?: boolean;
}

export interface ReleaseSummary {
  releaseId: number;
  artifact: string;
  previousArtifact: string | null;
  status: 'succeeded' | 'rolled_back' | 'failed' | 'aborted';
  stages: { stage: string; ms: number }[];
  applied: { stage: string; app: string; id: string; ms: number; attempts: number }[];
  rollout?: RolloutResult;
  health: { stage: string; ok: boolean; summary: string }[];
  totalMs: number;
}
