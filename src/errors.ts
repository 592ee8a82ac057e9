/**
 * Every failure deployctl reports is a DeployctlError with a stable code. The CLI maps codes to
 * exit codes in one place (src/cli/exit.ts); messages are built from the structured fields so
 * callers and tests can rely on `file`, `line`, `key` instead of parsing text.
 */
export type ErrorCode =
  | 'USAGE'
  | 'CONFIG_INVALID'
  | 'SQL_PARSE'
  | 'DIRECTIVE_INVALID'
  | 'SOURCE_INVALID'
  | 'DB_UNREACHABLE'
  | 'DB_PRIVILEGE'
  | 'PLAN_BLOCKED'
  | 'CHECKSUM_MISMATCH'
  | 'MIGRATION_FAILED'
  | 'LOCK_HELD'
  | 'RELEASE_IN_PROGRESS'
  | 'RELEASE_NOT_FOUND'
  | 'HEALTH_FAILED'
  | 'VERIFY_FAILED'
  | 'POST_VERIFY_FAILED'
  | 'ROLLOUT_FAILED'
  | 'ROLLBACK_REFUSED'
  | 'INTERRUPTED'
  | 'DRIFT'
  | 'CHECK_FAILED'
  | 'ADOPT_UNVERIFIED'
  | 'TRACE_DISAGREES'
  | 'PACKAGE_MISSING'
  | 'INTERNAL';

export interface ErrorFields {
  file?: string;
  line?: number;
  key?: string;
  relation?: string;
  hint?: string;
  cause?: unknown;
}

export class DeployctlError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly key?: string;
  readonly relation?: string;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, fields: ErrorFields = {}) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'DeployctlError';
    this.code = code;
    this.file = fields.file;
    this.line = fields.line;
    this.key = fields.key;
    this.relation = fields.relation;
    this.hint = fields.hint;
  }
}

/** Raised when another process holds the deployctl advisory lock (exit 4). */
export class LockHeldError extends DeployctlError {
  constructor(message: string) {
    super('LOCK_HELD', message);
    this.name = 'LockHeldError';
  }
}

export function isDeployctlError(e: unknown): e is DeployctlError {
  return e instanceof DeployctlError;
}
