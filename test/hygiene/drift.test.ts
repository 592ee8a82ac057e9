/** Drift detection through the library functions the release pipeline calls, on a real database. */
import { connect } from '../../src/adapters/postgres/connect.js';
import { type Db } from '../../src/ports.js';
import { checkDrift, recordFingerprint } from '../../src/engine/drift.js';
import { DeployctlError } from '../../src/errors.js';
import { LedgerStore } from '../../src/adapters/ledger/store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let tdb: TestDatabase;
let db: Db;
let ledger: LedgerStore;
beforeEach(async () => {
  tdb = await createTestDatabase('drift');
  db = await connect(tdb.url);
  ledger = new LedgerStore(db);
  await ledger.upgrade();
  await db.query('CREATE TABLE users (id bigint PRIMARY KEY, email text, age int)');
});
afterEach(async () => {
  await db.end();
  await tdb.drop();
});

async function driftError(): Promise<DeployctlError> {
  const e = await checkDrift(db, ledger).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DeployctlError);
  return e as DeployctlError;
}

describe('drift', () => {
  it('records the first fingerprint, then stays clean while nothing changes', async () => {
    const first = await checkDrift(db, ledger);
    expect(first.status).toBe('first-record');
    expect(await checkDrift(db, ledger)).toEqual({ status: 'clean', hash: first.hash, differences: [] });
  });

  it('fails after a manual ALTER TABLE, saying which table changed and how', async () => {
    const releaseId = await ledger.createRelease({
      artifact: 'v1',
      previousArtifact: null,
      postPolicy: 'after-verify',
    });
    await recordFingerprint(db, ledger, releaseId);
    await db.query("ALTER TABLE users ADD COLUMN nickname text NOT NULL DEFAULT ''");
    await db.query('ALTER TABLE users DROP COLUMN age');
    await db.query('ALTER TABLE users ALTER COLUMN email TYPE varchar(200)');
    const e = await driftError();
    expect(e.code).toBe('DRIFT');
    expect(e.relation).toBe('public.users');
    expect(e.message).toMatch(
      /^the schema differs from the one deployctl recorded at \S+ \(at the end of release \d+\); someone changed it outside deployctl:\n  table public.users:\n/,
    );
    expect(e.message).toContain("    - column nickname added (text NOT NULL DEFAULT ''::text)");
    expect(e.message).toContain('    - column age removed (was integer)');
    expect(e.message).toContain('    - column email type changed: text → character varying(200)');
    expect(e.message).toContain('--accept-drift');
    // Still failing: nothing was recorded by the failed check.
    expect((await driftError()).code).toBe('DRIFT');
  });

  it('accepts the live schema when asked, and is clean afterwards', async () => {
    await recordFingerprint(db, ledger, null);
    await db.query('CREATE INDEX users_email ON users (email)');
    const accepted = await checkDrift(db, ledger, { accept: true });
    expect(accepted.status).toBe('accepted');
    expect(accepted.differences).toEqual([
      { object: 'table public.users', changes: ['index added: CREATE INDEX ON public.users USING btree (email)'] },
    ]);
    expect((await checkDrift(db, ledger)).status).toBe('clean');
    const rows = await tdb.sql('SELECT reason FROM deployctl.schema_fingerprint ORDER BY id');
    expect(rows).toEqual([{ reason: 'release' }, { reason: 'accepted' }]);
  });

  it('a change recorded after a migrate run is not drift; one that was not names the unrecorded migrations', async () => {
    await recordFingerprint(db, ledger, null);
    await db.query('CREATE TABLE orders (id int)');
    await ledger.recordApplied(db, {
      app: 'shop',
      id: '0002_orders',
      checksum: 'x',
      phase: 'pre',
      durationMs: 1,
      releaseId: null,
      attempts: 1,
    });
    const e = await driftError();
    expect(e.message).toContain('  table public.orders:\n    - added (id)');
    expect(e.message).toContain(
      'Migrations applied after that record, whose changes were never fingerprinted: shop/0002_orders',
    );
    await recordFingerprint(db, ledger, null, 'migrate');
    expect((await checkDrift(db, ledger)).status).toBe('clean');
  });

  it("leaves deployctl's own ledger tables out", async () => {
    await recordFingerprint(db, ledger, null);
    await ledger.createRelease({ artifact: 'v1', previousArtifact: null, postPolicy: 'after-verify' });
    await db.query('CREATE TABLE deployctl.extra (id int)');
    expect((await checkDrift(db, ledger)).status).toBe('clean');
  });
});
