/**
 * Drift: a schema change nobody deployed. deployctl records the schema's fingerprint after every
 * change it makes (the end of a release, every migrate run); the release preflight compares the
 * live schema with the newest record. A difference means someone changed the schema by hand
 * (an `ALTER TABLE` in a psql session, a hotfix never turned into a migration): the plan was
 * computed for a schema that is not there, so the release stops unless the change is accepted.
 *
 * Both functions expect the ledger to be at the newest version (`LedgerStore.upgrade()`).
 */
import type { Db } from '../ports.js';
import { DeployctlError } from '../errors.js';
import { diffShapes, renderDifferences, type SchemaDifference } from '../core/schema/diff.js';
import { fingerprintOf } from '../core/schema/hash.js';
import { readSchemaShape } from '../adapters/postgres/shape.js';
import type { SchemaShape } from '../core/schema/shape.js';
import {
  appliedSince,
  latestFingerprint,
  saveFingerprint,
  type FingerprintReason,
  type RecordedFingerprint,
} from '../adapters/ledger/fingerprint-store.js';
import type { LedgerStore } from '../adapters/ledger/store.js';

export interface DriftOptions {
  /** Record the live schema as the expected one instead of failing (`--accept-drift`). */
  accept?: boolean;
}

export interface DriftResult {
  /**
   * `clean`: the schema is as recorded. `first-record`: nothing was recorded yet, the live
   * fingerprint is now. `accepted`: it differed and `accept` recorded the live one.
   */
  status: 'clean' | 'first-record' | 'accepted';
  /** The live schema hash (the one `deployctl fingerprint` prints). */
  hash: string;
  /** What differed from the record (non-empty only for `accepted`). */
  differences: SchemaDifference[];
}

/**
 * Compares the live schema of `db` with the fingerprint recorded last in `ledger`. Throws
 * DeployctlError 'DRIFT' (exit 1) naming each table that differs and how, unless `accept`.
 */
export async function checkDrift(db: Db, ledger: LedgerStore, options: DriftOptions = {}): Promise<DriftResult> {
  const shape = await readSchemaShape(db, { excludeSchemas: [ledger.schema] });
  const hash = fingerprintOf(shape).schema;
  const recorded = await latestFingerprint(ledger);
  if (!recorded) {
    await saveFingerprint(ledger, { reason: 'first', releaseId: null, hash, shape });
    return { status: 'first-record', hash, differences: [] };
  }
  if (recorded.hash === hash) return { status: 'clean', hash, differences: [] };
  const differences = diffShapes(recorded.shape, shape);
  if (options.accept) {
    await saveFingerprint(ledger, { reason: 'accepted', releaseId: null, hash, shape });
    return { status: 'accepted', hash, differences };
  }
  throw driftError(recorded, differences, await appliedSince(ledger, recorded.recordedAt));
}

/**
 * Records the live schema as the expected one. Call it after every change deployctl makes:
 * at the end of a release (`releaseId`, reason 'release') and after each run that applied
 * migrations (reason 'migrate', with the release id when a release ran them).
 */
export async function recordFingerprint(
  db: Db,
  ledger: LedgerStore,
  releaseId: number | null,
  reason: Extract<FingerprintReason, 'release' | 'migrate'> = 'release',
): Promise<string> {
  const shape: SchemaShape = await readSchemaShape(db, { excludeSchemas: [ledger.schema] });
  const hash = fingerprintOf(shape).schema;
  await saveFingerprint(ledger, { reason, releaseId, hash, shape });
  return hash;
}

function driftError(recorded: RecordedFingerprint, differences: SchemaDifference[], since: string[]): DeployctlError {
  const release = recorded.releaseId !== null ? ` of release ${recorded.releaseId}` : '';
  const why: Record<FingerprintReason, string> = {
    release: `at the end${release}`,
    migrate: `after migrations were applied${release}`,
    accepted: 'when drift was accepted',
    first: 'at the first drift check',
  };
  const when = `${recorded.recordedAt.toISOString()} (${why[recorded.reason]})`;
  const body = differences.length
    ? renderDifferences(differences)
    : '  (only in parts the difference report does not itemise)';
  const unrecorded = since.length
    ? `\nMigrations applied after that record, whose changes were never fingerprinted: ${since.join(', ')}; if they explain the difference, accept it.`
    : '';
  const table = differences.find((d) => d.object.startsWith('table '))?.object.slice('table '.length);
  return new DeployctlError(
    'DRIFT',
    `the schema differs from the one deployctl recorded at ${when}; someone changed it outside deployctl:\n${body}${unrecorded}\n` +
      'Put the change in a migration (or undo it by hand), or accept the live schema as it is with --accept-drift.',
    { relation: table, hint: 'deployctl release --accept-drift' },
  );
}
