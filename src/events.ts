/**
 * Typed events: the core reports progress only through these; renderers (ora spinners, plain
 * CI lines, JSON lines) live in src/cli and never reach back into the core.
 */
import type { HealthResult } from './ports.js';

export interface BlockerInfo {
  pid: number;
  state: string | null;
  ageMs: number | null;
  query: string | null;
  application: string | null;
}

export type DeployEvent =
  | { type: 'stage:start'; stage: string; releaseId?: number }
  | { type: 'stage:end'; stage: string; ms: number; releaseId?: number }
  | { type: 'stage:fail'; stage: string; ms: number; error: string; releaseId?: number }
  | { type: 'migration:start'; app: string; id: string; phase: string; attempt: number }
  | { type: 'migration:retry'; app: string; id: string; attempt: number; delayMs: number; error: string; blockers: BlockerInfo[] }
  | { type: 'migration:applied'; app: string; id: string; phase: string; ms: number; attempts: number }
  | { type: 'migration:skipped'; app: string; id: string; reason: string }
  | { type: 'migration:invalid-index-dropped'; app: string; id: string; index: string }
  | { type: 'migration:reconnected'; app: string; id: string }
  | { type: 'health'; stage: string; result: HealthResult }
  | { type: 'rollout'; stage: string; line: string }
  | { type: 'info'; message: string };

export type Emit = (event: DeployEvent) => void;
