import type { ErrorCode } from '../errors.js';

/** Exit codes are part of the contract (DESIGN.md, "Exit codes"). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  healthRolledBack: 3,
  lockHeld: 4,
  postVerifyFailed: 5,
} as const;

const BY_CODE: Record<ErrorCode, number> = {
  USAGE: EXIT.usage,
  CONFIG_INVALID: EXIT.usage,
  SQL_PARSE: EXIT.usage,
  DIRECTIVE_INVALID: EXIT.usage,
  SOURCE_INVALID: EXIT.usage,
  DB_UNREACHABLE: EXIT.usage,
  DB_PRIVILEGE: EXIT.usage,
  PLAN_BLOCKED: EXIT.failed,
  CHECKSUM_MISMATCH: EXIT.failed,
  MIGRATION_FAILED: EXIT.failed,
  LOCK_HELD: EXIT.lockHeld,
  RELEASE_IN_PROGRESS: EXIT.failed,
  RELEASE_NOT_FOUND: EXIT.usage,
  HEALTH_FAILED: EXIT.healthRolledBack,
  VERIFY_FAILED: EXIT.failed,
  POST_VERIFY_FAILED: EXIT.postVerifyFailed,
  ROLLOUT_FAILED: EXIT.failed,
  ROLLBACK_REFUSED: EXIT.failed,
  INTERRUPTED: EXIT.failed,
  DRIFT: EXIT.failed,
  CHECK_FAILED: EXIT.failed,
  ADOPT_UNVERIFIED: EXIT.failed,
  TRACE_DISAGREES: EXIT.failed,
  PACKAGE_MISSING: EXIT.usage,
  INTERNAL: EXIT.failed,
};

export function exitCodeFor(code: ErrorCode): number {
  return BY_CODE[code];
}
