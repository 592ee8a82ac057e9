/**
 * A Django pre migration that depends on a post migration an earlier release deferred is not
 * blocked: the deferred one runs first, in the next release's preflight. Built CLI, real Django,
 * real PostgreSQL.
 */
import pg from 'pg';
import { LedgerStore } from '../../src/adapters/ledger/store.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { describeWithDjango, djangoProject, manage } from './support.js';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('djdef');
});
afterEach(async () => {
  await db.drop();
});

interface PlanJson {
  stages: { pre: string[]; post: string[]; blocked: string[] };
  problems: { kind: string; id?: string; message: string }[];
}

async function planOf(): Promise<PlanJson> {
  const project = await djangoProject(db, { settings: 'mysite.settings_problems' });
  const r = await runCli(['plan', '--json', '--config', project.config]);
  return JSON.parse(r.stdout) as PlanJson;
}

describeWithDjango('django: a migration deferred by an earlier release', () => {
  it('does not block a pre migration that depends on it; one nobody deferred still does, naming the way out', async () => {
    manage(db, ['migrate', 'loyalty', '0001'], 'mysite.settings_problems');
    const before = await planOf();
    expect(before.problems.filter((p) => p.id === 'loyalty.0003_member_points')).toEqual([
      expect.objectContaining({
        kind: 'out-of-order',
        message: expect.stringContaining("'deployctl release --artifact <version>' without loyalty.0003_member_points"),
      }),
    ]);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const ledger = new LedgerStore(client);
      await ledger.upgrade();
      await ledger.recordDeferred(['web/loyalty.0002_remove_member_tier'], 'next-release', null);
    } finally {
      await client.end();
    }
    const after = await planOf();
    expect(after.problems.filter((p) => p.id === 'loyalty.0003_member_points')).toEqual([]);
    expect(after.stages.pre).toContain('web/loyalty.0003_member_points');
    expect(after.stages.post).toContain('web/loyalty.0002_remove_member_tier');
  });
});
