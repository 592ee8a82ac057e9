/**
 * Classification in context, both directions: locks held through a transaction, a WHERE that is
 * or is not a batch (with the planner's estimate from a real PostgreSQL), the release as the unit
 * of "new" (catalog read from a real database), redefinitions, and relations that exist nowhere.
 */
import pg from 'pg';
import { readCatalog } from '../../src/adapters/postgres/catalog.js';
import { readWriteEstimates } from '../../src/adapters/postgres/estimates.js';
import { classifyMigration, type ClassifiedMigration } from '../../src/core/classify/classify.js';
import { buildPlan, type Plan } from '../../src/core/plan/build.js';
import { planToJson } from '../../src/core/plan/json.js';
import { migrationFromText, type MigrationFile } from '../../src/core/migration.js';
import type { CatalogFacts } from '../../src/core/schema/facts.js';
import { loadParser } from '../../src/core/sql/parse.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

beforeAll(() => loadParser());

const file = (id: string, sql: string): MigrationFile =>
  migrationFromText('app', id, id.split('_')[0]!, `migrations/${id}.sql`, sql);
const classify = (sql: string, catalog?: CatalogFacts): ClassifiedMigration =>
  classifyMigration(file('0001_x', sql), { catalog });
const rulesOf = (m: ClassifiedMigration, i: number) => m.statements[i]!.findings.map((f) => [f.rule, f.phase]);

async function catalogOf(db: TestDatabase): Promise<CatalogFacts> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return await readCatalog(c);
  } finally {
    await c.end();
  }
}

const planOf = (files: MigrationFile[], catalog?: CatalogFacts): Plan =>
  buildPlan({ sources: [{ app: 'app', files }], applied: [], catalog });

describe('a lock is held until COMMIT', () => {
  const addThenBackfill =
    "ALTER TABLE accounts ADD COLUMN region text;\nUPDATE accounts SET region = 'eu' WHERE region IS NULL;";

  it('blocks a full-table write after ACCESS EXCLUSIVE in the same transaction, and reports the held lock', () => {
    const m = classify(addThenBackfill);
    expect(m.phase).toBe('unsafe');
    const held = m.statements[1]!.findings.find((f) => f.rule === 'slow-under-held-lock')!;
    expect(held.message).toContain('line 1 of this migration holds AccessExclusiveLock on accounts');
    expect(held.fix).toContain('Move it to its own migration (after the lock-taking one commits)');
    const json = planToJson(planOf([file('0001_x', addThenBackfill)]));
    expect(json.migrations[0]!.statements[1]!.heldLock).toEqual({
      lock: 'AccessExclusiveLock',
      relation: 'accounts',
      index: 0,
      line: 1,
      blocks: 'reads and writes',
    });
    expect(json.migrations[0]!.statements[0]!.heldLock).toBeUndefined();
  });

  it('blocks a sleep, a function call and a DO block after a SHARE lock (app writes wait)', () => {
    for (const slow of ['SELECT pg_sleep(5)', 'SELECT recompute_totals()', 'DO $$ BEGIN PERFORM 1; END $$']) {
      const m = classify(`CREATE INDEX orders_total ON orders (total);\n${slow};`);
      expect(m.statements[1]!.findings.map((f) => f.rule)).toContain('slow-under-held-lock');
      expect(m.statements[1]!.heldLock).toMatchObject({ lock: 'ShareLock', blocks: 'writes', index: 0 });
    }
  });

  it('stays silent without a transaction, on a new table, under a weak lock, and for one bounded batch', () => {
    const silent = (sql: string) =>
      expect(classify(sql).statements.flatMap((s) => s.findings.map((f) => f.rule))).not.toContain(
        'slow-under-held-lock',
      );
    silent(`-- deployctl:no-transaction\n${addThenBackfill}`);
    silent('CREATE TABLE accounts (id int, region text);\nINSERT INTO accounts SELECT 1, NULL;\nSELECT pg_sleep(1);');
    silent('LOCK TABLE accounts IN ROW EXCLUSIVE MODE;\nSELECT pg_sleep(1);');
    silent(
      "ALTER TABLE accounts ADD COLUMN region text;\nUPDATE accounts SET region = 'eu' WHERE id BETWEEN 1 AND 1000;",
    );
  });

  it('counts the copy from an existing table into a new one as slow (INSERT … SELECT) while an FK lock is held', () => {
    const m = classify(
      'CREATE TABLE archive (id int, account_id int REFERENCES accounts (id));\nINSERT INTO archive SELECT id, id FROM accounts;',
    );
    expect(rulesOf(m, 1)).toContainEqual(['slow-under-held-lock', 'unsafe']);
  });
});

describe('a WHERE clause is not a batch', () => {
  it.each([
    ['UPDATE accounts SET region = 1 WHERE region IS NULL', 'unsafe'],
    ['DELETE FROM sessions WHERE expires_at < now()', 'unsafe'],
    ['UPDATE accounts SET region = 1 WHERE id NOT IN (SELECT account_id FROM banned)', 'unsafe'],
    ['UPDATE accounts a SET region = r.code FROM regions r WHERE r.id = a.region_id', 'unsafe'],
    ['UPDATE accounts SET region = 1 WHERE id BETWEEN $1 AND $2', 'pre'],
    ['UPDATE accounts SET region = 1 WHERE id >= 1 AND id < 10001 AND region IS NULL', 'pre'],
    ['UPDATE accounts SET region = 1 WHERE id IN (SELECT id FROM accounts WHERE region IS NULL LIMIT 1000)', 'pre'],
    ['DELETE FROM sessions WHERE ctid = ANY (ARRAY(SELECT ctid FROM sessions LIMIT 500))', 'pre'],
    ["UPDATE settings SET value = 'on' WHERE key = 'beta'", 'pre'],
  ])('%s → %s', (sql, phase) => {
    expect(classify(sql).phase).toBe(phase);
  });

  describe('with the planner estimate of a real database', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase('estimate');
      await db.sql(`CREATE TABLE big (id int PRIMARY KEY, a int);
        INSERT INTO big SELECT g, NULL FROM generate_series(1, 60000) g;
        CREATE TABLE small (id int PRIMARY KEY, a int);
        INSERT INTO small SELECT g, NULL FROM generate_series(1, 300) g;
        ANALYZE big; ANALYZE small;`);
    });
    afterAll(() => db.drop());

    it('tells a full write from a bounded one and reports the estimated rows', async () => {
      const files = [
        file('0001_full', 'UPDATE big SET a = 1 WHERE a IS NULL;'),
        file('0002_point', 'UPDATE big SET a = 1 WHERE id = 42;'),
        file('0003_small', 'UPDATE small SET a = 1 WHERE a IS NULL;'),
      ];
      const catalog = await catalogOf(db);
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      const estimates = await readWriteEstimates(c, planOf(files, catalog).migrations);
      await c.end();
      const plan = buildPlan({ sources: [{ app: 'app', files }], applied: [], catalog, estimates });
      const [full, point, small] = plan.migrations;
      expect(full!.phase).toBe('unsafe');
      expect(full!.statements[0]!.findings[0]!.message).toMatch(/planner estimates 60,000 rows/);
      expect(point!.phase).toBe('pre');
      expect(point!.statements[0]!.findings[0]!.message).toMatch(/planner estimates 1 rows/);
      expect(small!.phase).toBe('pre');
      // EXPLAIN only planned: nothing was written.
      expect(await db.sql('SELECT count(*)::int AS n FROM big WHERE a IS NOT NULL')).toEqual([{ n: 0 }]);
    });
  });
});

describe('the release is the unit', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('release');
    await db.sql(`CREATE TABLE accounts (id int PRIMARY KEY, email text);
      INSERT INTO accounts SELECT g, 'x' || g FROM generate_series(1, 2000) g;
      CREATE VIEW active_accounts AS SELECT id FROM accounts;`);
  });
  afterAll(() => db.drop());

  const history = [
    file(
      '0001_teams',
      "CREATE TABLE teams (id bigint PRIMARY KEY, name text);\nCREATE TYPE team_kind AS ENUM ('a', 'b');",
    ),
    file('0002_team_fn', 'CREATE FUNCTION team_label(t teams) RETURNS text LANGUAGE sql AS $$ SELECT t.name $$;'),
    file(
      '0007_team_index',
      'CREATE INDEX teams_name ON teams (name);\nALTER TABLE teams ADD COLUMN kind team_kind NOT NULL;',
    ),
    file('0008_drop_team_fn', 'DROP FUNCTION team_label(teams);\nDROP TYPE team_kind CASCADE;'),
  ];

  it('treats objects created by earlier pending migrations as new: nothing blocked or deferred', async () => {
    const plan = planOf(history, await catalogOf(db));
    expect(plan.problems).toEqual([]);
    expect(plan.stages).toEqual({
      pre: history.map((f) => `app/${f.id}`),
      post: [],
      blocked: [],
    });
    expect(plan.migrations[2]!.statements[0]!.findings[0]!.message).toContain('created earlier in this release');
    expect(plan.migrations[3]!.statements[0]!.findings[0]!.message).toContain('migrations/0002_team_fn.sql:1');
  });

  it('still judges objects the app already has: existing table index blocks, drop defers', async () => {
    const plan = planOf(
      [
        file('0009_index', 'CREATE INDEX accounts_email ON accounts (email);'),
        file('0010_drop', 'DROP VIEW active_accounts;'),
      ],
      await catalogOf(db),
    );
    expect(plan.migrations.map((m) => m.phase)).toEqual(['unsafe', 'post']);
  });

  it('a DROP DEFAULT of a column an earlier pending migration added NOT NULL waits for the rollout; of a nullable one it does not', async () => {
    const catalog = await catalogOf(db);
    const plan = planOf(
      [
        file(
          '0011_plan',
          "ALTER TABLE accounts ADD COLUMN plan text DEFAULT 'free' NOT NULL, ADD COLUMN note text DEFAULT ''",
        ),
        file('0012_plan_default', 'ALTER TABLE accounts ALTER COLUMN plan DROP DEFAULT;'),
        file('0013_note_default', 'ALTER TABLE accounts ALTER COLUMN note DROP DEFAULT;'),
      ],
      catalog,
    );
    expect(plan.stages).toEqual({
      pre: ['app/0011_plan', 'app/0013_note_default'],
      post: ['app/0012_plan_default'],
      blocked: [],
    });
    expect(plan.migrations[1]!.statements[0]!.findings[0]!.message).toContain(
      'NOT NULL (added so at migrations/0011_plan.sql:1, earlier in this release)',
    );
  });

  it('a static plan (no ledger, no catalog) judges each file alone, as the pull-request gate needs', () => {
    const plan = planOf(history);
    expect(plan.migrations[2]!.phase).toBe('unsafe');
    expect(plan.migrations[3]!.phase).toBe('post');
  });

  it('reports a relation that exists nowhere as a plan error with file:line', async () => {
    const plan = planOf(
      [
        file('0001_t', 'CREATE TABLE t (id int);'),
        file('0002_typo', "ALTER TABLE t ADD COLUMN a int;\nUPDATE acounts SET email = 'x' WHERE id = 1;"),
        file('0003_guarded', 'ALTER TABLE IF EXISTS nowhere ADD COLUMN a int;'),
      ],
      await catalogOf(db),
    );
    expect(plan.problems).toEqual([
      expect.objectContaining({
        kind: 'missing',
        file: 'migrations/0002_typo.sql',
        line: 2,
        message: expect.stringMatching(/^migrations\/0002_typo\.sql:2: relation acounts does not exist/),
      }),
    ]);
    expect(plan.stages.blocked).toEqual(['app/0002_typo']);
  });
});

describe('redefinition', () => {
  it('DROP + CREATE of a view in one transaction is pre, and names CREATE OR REPLACE', () => {
    const m = classify('DROP VIEW active_users;\nCREATE VIEW active_users AS SELECT 1 AS id;');
    expect(m.phase).toBe('pre');
    expect(m.problems).toEqual([]);
    expect(m.statements[0]!.findings[0]!.message).toMatch(/redefinition.*CREATE OR REPLACE VIEW/);
  });

  it('DROP FUNCTION re-created by a later migration of the release is not a contract step', async () => {
    const db = await createTestDatabase('redefine');
    try {
      await db.sql('CREATE FUNCTION total(a int) RETURNS int LANGUAGE sql AS $$ SELECT a $$;');
      const plan = planOf(
        [
          file('0001_drop', 'DROP FUNCTION total(int);'),
          file('0002_create', 'CREATE FUNCTION total(a bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT a $$;'),
        ],
        await catalogOf(db),
      );
      expect(plan.migrations.map((m) => m.phase)).toEqual(['pre', 'pre']);
      expect(plan.migrations[0]!.statements[0]!.findings[0]!.message).toContain(
        'created again by migrations/0002_create.sql:1',
      );
    } finally {
      await db.drop();
    }
  });

  it('a DROP nothing re-creates stays post; CREATE OR REPLACE does not make a name new', () => {
    expect(classify('DROP VIEW active_users;').phase).toBe('post');
    expect(
      classify('CREATE OR REPLACE VIEW active_users AS SELECT 1 AS id;\nDROP VIEW active_users;').statements[1]!
        .findings[0]!.phase,
    ).toBe('post');
  });
});
