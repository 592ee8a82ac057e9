/**
 * The detached supervisor's control API: JSON over HTTP on 127.0.0.1, every request carrying the
 * bearer token from supervisor.json (readable only by its owner). Deploy and rollback answer with
 * newline-delimited JSON: progress lines while the operation runs, then its outcome, so the CLI
 * shows the new version's startup output live.
 */
import { DeployctlError, isDeployctlError, type ErrorCode } from '../../../errors.js';
import type { AppSpec } from './config.js';
import type { SupervisorState } from './supervisor.js';

export interface OperationRequest {
  /** Undefined for a rollback to the supervisor's previous version. */
  artifact?: string;
  spec?: AppSpec;
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  key?: string;
  hint?: string;
}

/** One line of a deploy/rollback answer. */
export type OperationEvent = { log: string } | { state: SupervisorState } | { error: SerializedError };

export interface StateAnswer extends SupervisorState {
  /** The supervisor's own process id. */
  pid: number;
}

export function serializeError(e: unknown): SerializedError {
  if (isDeployctlError(e)) return { code: e.code, message: e.message, key: e.key, hint: e.hint };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

export function deserializeError(e: SerializedError): DeployctlError {
  return new DeployctlError(e.code, e.message, { key: e.key, hint: e.hint });
}
