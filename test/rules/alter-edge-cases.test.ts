/**
 * Edge cases of the ALTER TABLE and RENAME rules that their own examples do not pin down:
 * several sub-commands in one statement, catalog-dependent decisions (old column type, validated
 * checks, server version), the empty-table downgrade, and neighbouring statements.
 */
import {
  classifyMigration,
  type ClassifiedMigration,
  type ClassifiedStatement,
} from '../../src/core/classify/classify.js';
import type { CatalogFacts, TableFacts } from '../../src/core/schema/facts.js';
import { loadParser } from '../../src/core/sql/parse.js';
import { migrationFromText } from '../../src/core/migration.js';

beforeAll(() => loadParser());

function classify(sql: string, catalog?: CatalogFacts): ClassifiedMigration {
  return classifyMigration(migrationFromText('app', '0001_edge', '0001', 'migrations/0001_edge.sql', sql), { catalog });
}

function only(sql: string, catalog?: CatalogFacts): ClassifiedStatement {
  const m = classify(sql, catalog);
  expect(m.statements).toHaveLength(1);
  return m.statements[0]!;
}

function users(facts: Partial<TableFacts> = {}): TableFacts {
  return {
    schema: 'public',
    name: 'users',
    rowEstimate: 2_000_000,
    bytes: 300 * 1024 * 1024,
    notNullChecks: [],
    columns: {},
    ...facts,
  };
}

function catalog(table: TableFacts, serverVersion = 150000): CatalogFacts {
  return { serverVersion, tables: { [`${table.schema}.${table.name}`]: table } };
}

function phases(s: ClassifiedStatement): Record<string, string> {
  return Object.fromEntries(s.findings.map((f) => [f.rule, f.phase]));
}

describe('one ALTER TABLE with several sub-commands', () => {
  it('is unsafe when one unsafe sub-command sits among safe ones, and reports each', () => {
    const s = only(
      "ALTER TABLE users ADD COLUMN nickname text, ALTER COLUMN status SET DEFAULT 'new', ALTER COLUMN email SET NOT NULL",
    );
    expect(s.phase).toBe('unsafe');
    expect(phases(s)).toEqual({ 'add-column': 'pre', 'alter-column-default': 'pre', 'set-not-null': 'unsafe' });
    expect(s).toMatchObject({ lock: 'AccessExclusiveLock', relation: 'users', scan: true, rewrite: false });
  });

  it('never lets an unknown sub-command hide behind a harmless one', () => {
    const s = only('ALTER TABLE users ALTER COLUMN email SET STATISTICS 200, INHERIT people');
    expect(s.phase).toBe('unsafe');
    expect(s.findings.map((f) => f.rule).sort()).toEqual(['alter-table-other', 'unrecognized-alter-command']);
  });

  it('gives every sub-command its own finding', () => {
    const s = only('ALTER TABLE users DROP COLUMN a, DROP COLUMN b, ALTER COLUMN c DROP NOT NULL');
    expect(s.findings.map((f) => f.rule)).toEqual(['drop-not-null', 'drop-column', 'drop-column']);
    expect(s.phase).toBe('post');
  });

  it('judges a column with several hazards under each of them', () => {
    const s = only('ALTER TABLE users ADD COLUMN id bigserial PRIMARY KEY');
    expect(phases(s)).toEqual({ 'add-column-generated': 'unsafe', 'add-unique-constraint': 'unsafe' });
  });

  it('scans under the strongest lock when VALIDATE shares its statement with an ACCESS EXCLUSIVE sub-command', () => {
    const s = only("ALTER TABLE users VALIDATE CONSTRAINT email_check, ALTER COLUMN email SET DEFAULT ''");
    expect(phases(s)['validate-constraint']).toBe('unsafe');
    expect(s.findings.find((f) => f.rule === 'validate-constraint')?.message).toContain(
      'another sub-command of this ALTER TABLE holds AccessExclusiveLock',
    );
  });
});

describe('every known sub-command is judged by its own rule', () => {
  it.each([
    ['ALTER TABLE users ALTER COLUMN a SET DEFAULT 1', 'alter-column-default'],
    ['ALTER TABLE users ALTER COLUMN a DROP NOT NULL', 'drop-not-null'],
    ['ALTER TABLE users ALTER COLUMN a SET NOT NULL', 'set-not-null'],
    ['ALTER TABLE users ALTER COLUMN a TYPE bigint', 'alter-column-type'],
    ['ALTER TABLE users DROP COLUMN a', 'drop-column'],
    ['ALTER TABLE users VALIDATE CONSTRAINT c', 'validate-constraint'],
    ['ALTER TABLE users DROP CONSTRAINT c', 'drop-constraint'],
    ['ALTER TABLE users SET LOGGED', 'set-logged-unlogged'],
    ['ALTER TABLE users SET UNLOGGED', 'set-logged-unlogged'],
    ['ALTER TABLE users SET TABLESPACE t', 'set-tablespace'],
    ['ALTER TABLE users ALTER COLUMN a SET (n_distinct = 10)', 'alter-table-other'],
    ['ALTER TABLE users ALTER COLUMN a RESET (n_distinct)', 'alter-table-other'],
    ['ALTER TABLE users SET WITHOUT CLUSTER', 'alter-table-other'],
    ['ALTER TABLE users ENABLE ALWAYS TRIGGER t', 'alter-table-other'],
    ['ALTER TABLE users ENABLE REPLICA TRIGGER t', 'alter-table-other'],
    ['ALTER TABLE users ENABLE TRIGGER ALL', 'alter-table-other'],
    ['ALTER TABLE users DISABLE TRIGGER ALL', 'alter-table-other'],
    ['ALTER TABLE users ENABLE TRIGGER USER', 'alter-table-other'],
    ['ALTER TABLE users DISABLE TRIGGER USER', 'alter-table-other'],
    ['ALTER TABLE users DISABLE ROW LEVEL SECURITY', 'alter-table-other'],
    ['ALTER TABLE users FORCE ROW LEVEL SECURITY', 'alter-table-other'],
    ['ALTER TABLE users NO FORCE ROW LEVEL SECURITY', 'alter-table-other'],
    ['ALTER TABLE users ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES p (id)', 'add-foreign-key'],
    ['ALTER TABLE users ADD CONSTRAINT c CHECK (a > 0)', 'add-check-constraint'],
    ['ALTER TABLE users ADD CONSTRAINT u UNIQUE (a)', 'add-unique-constraint'],
    ['ALTER TABLE users ADD CONSTRAINT u UNIQUE USING INDEX i', 'add-constraint-using-index'],
    ['ALTER TABLE users ALTER COLUMN id DROP IDENTITY', 'identity-column'],
    ['ALTER TABLE users ALTER COLUMN id SET GENERATED BY DEFAULT', 'identity-column'],
    ['ALTER TABLE users ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY', 'identity-column'],
    ['ALTER TABLE users ALTER CONSTRAINT f DEFERRABLE', 'alter-table-other'],
  ])('%s → %s', (sql, rule) => {
    expect(only(sql).findings.map((f) => f.rule)).toEqual([rule]);
  });

  it.each([
    'ALTER TABLE users NO INHERIT people',
    'ALTER TABLE users OF person_type',
    'ALTER TABLE users NOT OF',
    'ALTER TABLE users ALTER COLUMN total DROP EXPRESSION',
    'ALTER TABLE users SET ACCESS METHOD heap2',
    'ALTER TABLE users ENABLE RULE r',
  ])('%s → unrecognized-alter-command', (sql) => {
    expect(only(sql).findings.map((f) => f.rule)).toEqual(['unrecognized-alter-command']);
  });
});

describe('alter-column-type with the catalog', () => {
  const typed = (type: string, extra: Partial<TableFacts> = {}) =>
    catalog(users({ columns: { name: { type, notNull: false } }, ...extra }));

  it.each([
    ['character varying(20)', 'varchar(30)'],
    ['character varying(20)', 'character varying'],
    ['character varying(20)', 'text'],
    ['text', 'varchar'],
    ['numeric(10,2)', 'numeric(12,2)'],
    ['numeric(10,2)', 'numeric'],
    ['numeric(10,0)', 'decimal(12)'],
    ['integer', 'int4'],
  ])('%s → %s is binary-compatible: pre, no rewrite', (from, to) => {
    const s = only(`ALTER TABLE users ALTER COLUMN name TYPE ${to}`, typed(from));
    expect(s).toMatchObject({ phase: 'pre', rewrite: false, scan: false, lock: 'AccessExclusiveLock' });
  });

  it.each([
    ['character varying(20)', 'varchar(10)'],
    ['text', 'varchar(10)'],
    ['numeric(10,2)', 'numeric(12,3)'],
    ['numeric', 'numeric(12,2)'],
    ['integer', 'bigint'],
    ['text[]', 'varchar[]'],
    ['timestamp without time zone', 'timestamptz'],
  ])('%s → %s rewrites: unsafe, size-dependent, with the expand/contract fix', (from, to) => {
    const s = only(`ALTER TABLE users ALTER COLUMN name TYPE ${to}`, typed(from));
    expect(s).toMatchObject({ phase: 'unsafe', rewrite: true });
    const f = s.findings[0]!;
    expect(f.sizeDependent).toBe(true);
    expect(f.message).toContain('~2,000,000 rows, 300 MB');
    expect(f.fix).toContain('ADD COLUMN name_new');
  });

  it('keeps a USING that is just the column, and rewrites for any other expression', () => {
    expect(
      only('ALTER TABLE users ALTER COLUMN name TYPE varchar(30) USING name', typed('character varying(20)')).phase,
    ).toBe('pre');
    expect(
      only(
        'ALTER TABLE users ALTER COLUMN name TYPE varchar(30) USING name::varchar(30)',
        typed('character varying(20)'),
      ).phase,
    ).toBe('pre');
    const s = only(
      'ALTER TABLE users ALTER COLUMN name TYPE varchar(30) USING lower(name)',
      typed('character varying(20)'),
    );
    expect(s).toMatchObject({ phase: 'unsafe', rewrite: true });
    expect(s.findings[0]!.message).toContain('USING expression');
  });

  it('treats a new collation as an index rebuild (scan) without a rewrite', () => {
    const s = only('ALTER TABLE users ALTER COLUMN name TYPE text COLLATE "C"', typed('text'));
    expect(s).toMatchObject({ phase: 'unsafe', rewrite: false, scan: true });
  });

  it('reports the re-check of a CHECK constraint on the column as a scan', () => {
    const s = only(
      'ALTER TABLE users ALTER COLUMN name TYPE text',
      typed('character varying(20)', { notNullChecks: ['name'] }),
    );
    expect(s).toMatchObject({ phase: 'unsafe', rewrite: false, scan: true });
  });

  it('says why it cannot judge without a database, a table or a column', () => {
    expect(only('ALTER TABLE users ALTER COLUMN name TYPE text').findings[0]!.message).toContain(
      'without a database connection',
    );
    expect(
      only('ALTER TABLE users ALTER COLUMN name TYPE text', { serverVersion: 150000, tables: {} }).findings[0]!.message,
    ).toContain('the catalog has no table users');
    expect(only('ALTER TABLE users ALTER COLUMN nick TYPE text', typed('text')).findings[0]!.message).toContain(
      'lists no column nick',
    );
  });

  it('is pre on a table created earlier in the migration', () => {
    expect(
      classify('CREATE TABLE users (name varchar(20));\nALTER TABLE users ALTER COLUMN name TYPE bigint USING 0').phase,
    ).toBe('pre');
  });
});

describe('set-not-null and validated checks', () => {
  const checked = (serverVersion: number) =>
    catalog(users({ notNullChecks: ['email'], columns: { email: { type: 'text', notNull: false } } }), serverVersion);

  it('is pre on PostgreSQL 12+ when the catalog shows a validated CHECK (email IS NOT NULL)', () => {
    const s = only('ALTER TABLE users ALTER COLUMN email SET NOT NULL', checked(150000));
    expect(s).toMatchObject({ phase: 'pre', scan: false });
    expect(s.findings[0]!.message).toContain('validated CHECK (email IS NOT NULL)');
  });

  it('stays unsafe on PostgreSQL 11 with the same check, whose fix keeps the CHECK instead', () => {
    const s = only('ALTER TABLE users ALTER COLUMN email SET NOT NULL', checked(110000));
    expect(s).toMatchObject({ phase: 'unsafe', scan: true });
    expect(s.findings[0]!.message).toContain('PostgreSQL 11 cannot use a CHECK constraint');
    expect(s.findings[0]!.fix).toContain('Keep the CHECK');
  });

  it('is unsafe without the check, with the four-step fix', () => {
    const s = only(
      'ALTER TABLE users ALTER COLUMN email SET NOT NULL',
      catalog(users({ columns: { email: { type: 'text', notNull: false } } })),
    );
    expect(s.phase).toBe('unsafe');
    expect(s.findings[0]!.fix).toContain('ADD CONSTRAINT email_not_null CHECK (email IS NOT NULL) NOT VALID');
    expect(s.findings[0]!.fix).toContain('VALIDATE CONSTRAINT email_not_null');
  });

  it('is pre when the column is already NOT NULL', () => {
    expect(
      only(
        'ALTER TABLE users ALTER COLUMN email SET NOT NULL',
        catalog(users({ columns: { email: { type: 'text', notNull: true } } })),
      ).phase,
    ).toBe('pre');
  });

  it("needs no scan after the migration validates the check, but blames the validation done under the ADD's lock", () => {
    const m = classify(
      [
        'ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;',
        'ALTER TABLE users VALIDATE CONSTRAINT email_nn;',
        'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      ].join('\n'),
    );
    // Without a catalog nothing says email has a default: the old code may leave it out (post).
    expect(m.statements.map((s) => s.phase)).toEqual(['post', 'unsafe', 'pre']);
    expect(m.statements[1]!.findings[0]!.message).toContain('line 1 of this migration holds AccessExclusiveLock');
  });

  it('does not count a check added NOT VALID in the same statement as proof', () => {
    const s = only(
      'ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID, ALTER COLUMN email SET NOT NULL',
    );
    expect(phases(s)['set-not-null']).toBe('unsafe');
  });

  it('does not count a check on another column or another table', () => {
    const m = classify(
      'ALTER TABLE users ADD CONSTRAINT n CHECK (name IS NOT NULL);\nALTER TABLE people ADD CONSTRAINT e CHECK (email IS NOT NULL);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    );
    expect(phases(m.statements[2]!)['set-not-null']).toBe('unsafe');
  });

  it('lets VALIDATE scan under its own lock in a migration that runs outside a transaction', () => {
    const m = classify(
      'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT email_nn;',
    );
    expect(m.transactional).toBe(false);
    expect(phases(m.statements[2]!)['validate-constraint']).toBe('pre');
  });
});

describe('empty-table downgrade of size-dependent findings', () => {
  const empty = catalog(users({ rowEstimate: 0, bytes: 0, columns: { id: { type: 'integer', notNull: true } } }));

  it('downgrades a rewrite on an empty table to pre, saying so', () => {
    const s = only('ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()', empty);
    expect(s.phase).toBe('pre');
    expect(s.findings[0]!.message).toContain('Downgraded to pre');
    expect(s.rewrite).toBe(true);
  });

  it('downgrades a type change and a foreign key on an empty table', () => {
    expect(only('ALTER TABLE users ALTER COLUMN id TYPE bigint', empty).phase).toBe('pre');
    expect(only('ALTER TABLE users ADD CONSTRAINT f FOREIGN KEY (org_id) REFERENCES orgs (id)', empty).phase).toBe(
      'pre',
    );
  });

  it('never downgrades a break of the old code', () => {
    expect(only('ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL', empty).phase).toBe('unsafe');
    expect(only('ALTER TABLE users RENAME COLUMN id TO user_id', empty).phase).toBe('unsafe');
  });

  it('keeps the size in the message of a large table', () => {
    const s = only('ALTER TABLE users SET UNLOGGED', catalog(users()));
    expect(s.phase).toBe('unsafe');
    expect(s.findings[0]!.message).toContain('(~2,000,000 rows, 300 MB)');
  });
});

describe('renames', () => {
  it('accepts a table rename bridged by a view with the old name', () => {
    const m = classify('ALTER TABLE users RENAME TO accounts;\nCREATE VIEW users AS SELECT * FROM accounts;');
    expect(m.statements[0]!.phase).toBe('pre');
  });

  it('does not accept a view of another name as a bridge', () => {
    const m = classify('ALTER TABLE users RENAME TO accounts;\nCREATE VIEW people AS SELECT * FROM accounts;');
    expect(m.statements[0]!.phase).toBe('unsafe');
  });

  it('quotes identifiers in the fix so it can be run as is', () => {
    const s = only('ALTER TABLE "App"."Users" RENAME COLUMN "Name" TO full_name');
    expect(s.findings[0]!.fix).toContain('ALTER TABLE "App"."Users" ADD COLUMN full_name');
    expect(s.findings[0]!.fix).toContain('DROP COLUMN "Name"');
  });

  it('treats index and constraint renames as pre, named objects as unsafe', () => {
    expect(only('ALTER INDEX users_email_idx RENAME TO users_email_key').phase).toBe('pre');
    expect(only('ALTER TABLE users RENAME CONSTRAINT a TO b').phase).toBe('pre');
    expect(only('ALTER MATERIALIZED VIEW totals RENAME TO sums').phase).toBe('unsafe');
    expect(only('ALTER PROCEDURE app.recalc() RENAME TO refresh').phase).toBe('unsafe');
  });
});

describe('foreign keys and checks in ADD COLUMN', () => {
  it('skips validation of REFERENCES on a column without a default, not with one', () => {
    expect(phases(only('ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id)'))['add-foreign-key']).toBe(
      'pre',
    );
    expect(
      phases(only('ALTER TABLE orders ADD COLUMN user_id bigint DEFAULT NULL REFERENCES users (id)'))[
        'add-foreign-key'
      ],
    ).toBe('unsafe');
  });

  it('always validates an inline CHECK', () => {
    expect(phases(only('ALTER TABLE orders ADD COLUMN qty int CHECK (qty > 0)'))['add-check-constraint']).toBe(
      'unsafe',
    );
  });

  it('flags PRIMARY KEY USING INDEX when the catalog shows a nullable column of the new index', () => {
    const facts = catalog(
      users({ columns: { code: { type: 'text', notNull: false }, id: { type: 'integer', notNull: true } } }),
    );
    const sql = (col: string) =>
      `CREATE UNIQUE INDEX CONCURRENTLY users_key ON users (${col});\nALTER TABLE users ADD PRIMARY KEY USING INDEX users_key;`;
    expect(classify(sql('code'), facts).statements[1]!.phase).toBe('unsafe');
    expect(classify(sql('id'), facts).statements[1]!.phase).toBe('pre');
  });
});
