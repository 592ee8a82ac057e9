/**
 * What the release's stages and its rollback share: the configuration, the ledger, the ports,
 * and the release being run. Both `deployctl release` and `deployctl rollback` build one.
 */
import type { LedgerStore } from '../../adapters/ledger/store.js';
import type { Config } from '../../config/config.js';
import type { Emit } from '../../events.js';
import type { Clock, HealthCheck, RolloutDriver } from '../../ports.js';

export interface ReleaseDeps {
  clock: Clock;
  emit: Emit;
  signal?: AbortSignal;
  driver: RolloutDriver;
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
