/**
 * The ledger's record of schema fingerprints (ledger version 2). Like LedgerStore, the only code
 * that writes this table; every write is parameterised.
 */
import type { SchemaShape } from '../../core/schema/shape.js';
import { quoteIdent } from '../../core/sql/identifiers.js';
import type { LedgerStore } from './store.js';

export type FingerprintReason = 'release' | 'migrate' | 'accepted' | 'first';

export interface RecordedFingerprint {
  id: number;
  recordedAt: Date;
  reason: FingerprintReason;
  releaseId: number | null;
  hash: string;
  shape: SchemaShape;
}

export async function saveFingerprint(
  ledger: LedgerStore,
  f: { reason: FingerprintReason; releaseId: number | null; hash: string; shape: SchemaShape },
): Promise<number> {
  const r = await ledger.db.query(
    `INSERT INTO ${quoteIdent(ledger.schema)}.schema_fingerprint (reason, release_id, hash, shape) VALUES ($1, $2, $3, $4) RETURNING id`,
    [f.reason, f.releaseId, f.hash, JSON.stringify(f.shape)],
  );
  return Number(r.rows[0].id);
}

export async function latestFingerprint(ledger: LedgerStore): Promise<RecordedFingerprint | undefined> {
  const r = await ledger.db.query(
    `SELECT * FROM ${quoteIdent(ledger.schema)}.schema_fingerprint ORDER BY id DESC LIMIT 1`,
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    id: Number(row.id),
    recordedAt: row.recorded_at,
    reason: row.reason,
    releaseId: row.release_id === null ? null : Number(row.release_id),
    hash: row.hash,
    shape: row.shape,
  };
}

/** Migrations the ledger recorded after `since`: a schema change deployctl made but did not fingerprint. */
export async function appliedSince(ledger: LedgerStore, since: Date): Promise<string[]> {
  const r = await ledger.db.query(
    `SELECT app, id FROM ${quoteIdent(ledger.schema)}.migration WHERE applied_at > $1 ORDER BY applied_at, app, id`,
    [since],
  );
  return r.rows.map((row) => `${row.app}/${row.id}`);
}
