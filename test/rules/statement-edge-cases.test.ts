/**
 * Edge cases of the CREATE / DROP / maintenance / data rules that the rules' own examples do not
 * pin down: context from earlier statements, catalog sizes, directives, and the SQL of fixes.
 */
import { parseSync } from 'libpg-query';
import { classifyMigration, type ClassifiedMigration } from '../../src/core/classify/classify.js';
import type { CatalogFacts, TableFacts } from '../../src/core/schema/facts.js';
import { LOCK_MODES } from '../../src/core/rules/rule.js';
import { loadParser } from '../../src/core/sql/parse.js';
import { migrationFromText } from '../../src/core/migration.js';

beforeAll(() => loadParser());

function classify(sql: string, catalog?: CatalogFacts): ClassifiedMigration {
  return classifyMigration(migrationFromText('app', '0001_edge', '0001', 'migrations/0001_edge.sql', sql), { catalog });
}

function table(name: string, rows: number, bytes: number): TableFacts {
  return { schema: 'public', name, rowEstimate: rows, bytes, notNullChecks: [], columns: {} };
}

function catalogWith(...tables: TableFacts[]): CatalogFacts {
  return { serverVersion: 150000, tables: Object.fromEntries(tables.map((t) => [`${t.schema}.${t.name}`, t])) };
}

/** An AST without byte offsets, to compare statements whose text differs only in spacing. */
function withoutLocations(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLocations);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k]) => k !== 'location')
      .map(([k, v]) => [k, withoutLocations(v)]),
  );
}

function rulesOf(m: ClassifiedMigration): string[][] {
  return m.statements.map((s) => s.findings.map((f) => f.rule));
}

describe('objects created earlier in the same migration', () => {
  it('classifies an index on a table created in the same file as pre', () => {
    const m = classify(
      'CREATE TABLE "Shop".orders (id bigint, ref text);\nCREATE INDEX orders_ref ON "Shop".orders (ref);',
    );
    expect(m.phase).toBe('pre');
    expect(m.statements[1]).toMatchObject({ phase: 'pre', lock: 'ShareLock', relation: 'Shop.orders' });
  });

  it('matches an unqualified name against the public schema', () => {
    const m = classify('CREATE TABLE public.t (id int);\nUPDATE t SET id = 1;\nTRUNCATE t;');
    expect(m.statements.map((s) => s.phase)).toEqual(['pre', 'pre', 'pre']);
  });

  it('treats a table of the same name in another schema as existing', () => {
    const m = classify('CREATE TABLE audit.t (id int);\nCREATE INDEX i ON t (id);');
    expect(m.statements[1]!.phase).toBe('unsafe');
  });

  it('keeps a drop of an object created in the same file pre, so the migration is not mixed', () => {
    const m = classify('CREATE TABLE scratch (id int);\nDROP TABLE scratch;');
    expect(m.phase).toBe('pre');
  });
});

describe('text that only looks like a statement', () => {
  it('does not see DROP TABLE inside a dollar-quoted function body', () => {
    const m = classify(
      'CREATE OR REPLACE FUNCTION purge() RETURNS void LANGUAGE plpgsql AS $fn$\nBEGIN\n  DROP TABLE users;\n  TRUNCATE orders;\nEND\n$fn$;',
    );
    expect(rulesOf(m)).toEqual([['create-function']]);
    expect(m.phase).toBe('pre');
  });

  it('does not see DROP TABLE in comments or string literals', () => {
    const m = classify(
      "-- DROP TABLE users;\n/* DROP INDEX i; */\nINSERT INTO notes (body) VALUES ('DROP TABLE users');",
    );
    expect(rulesOf(m)).toEqual([['insert-rows']]);
  });

  it('reports each of several statements on one line on its own', () => {
    const m = classify('DROP VIEW v; DROP TABLE t; DROP SEQUENCE s;');
    expect(rulesOf(m)).toEqual([['drop-view'], ['drop-table'], ['drop-sequence']]);
    expect(m.phase).toBe('post');
  });
});

describe('create-index-blocking with catalog facts', () => {
  it('names the table size in the message', () => {
    const m = classify(
      'CREATE INDEX users_email ON users (email);',
      catalogWith(table('users', 2_500_000, 300 * 1024 * 1024)),
    );
    const f = m.statements[0]!.findings.find((x) => x.rule === 'create-index-blocking')!;
    expect(f.phase).toBe('unsafe');
    expect(f.message).toContain('~2,500,000 rows, 300 MB');
  });

  it('downgrades to pre when the catalog shows the table empty', () => {
    const m = classify('CREATE INDEX users_email ON users (email);', catalogWith(table('users', 0, 0)));
    expect(m.phase).toBe('pre');
    expect(m.statements[0]!.findings[0]!.message).toContain('Downgraded to pre');
  });

  it('stays unsafe without a catalog', () => {
    expect(classify('CREATE INDEX users_email ON users (email);').phase).toBe('unsafe');
  });

  it('suggests SQL that PostgreSQL parses as a concurrent build of the same index', () => {
    const sql =
      'CREATE UNIQUE INDEX IF NOT EXISTS "Orders_ref" ON "Shop".orders /* hot */ (lower(ref)) WHERE ref IS NOT NULL';
    const fix = classify(`${sql};`).statements[0]!.findings[0]!.fix!;
    const suggested = fix.split('\n')[1]!.trim();
    const index = withoutLocations(parseSync(suggested).stmts?.[0]?.stmt) as { IndexStmt: Record<string, unknown> };
    const original = withoutLocations(parseSync(sql).stmts?.[0]?.stmt) as { IndexStmt: Record<string, unknown> };
    expect(index.IndexStmt.concurrent).toBe(true);
    expect({ ...index.IndexStmt, concurrent: undefined }).toEqual(original.IndexStmt);
  });
});

describe('unbatched-backfill with catalog facts', () => {
  it('names the size and downgrades on an empty table', () => {
    const big = classify(
      'UPDATE users SET email = lower(email);',
      catalogWith(table('users', 100_000, 10 * 1024 * 1024)),
    );
    expect(big.statements[0]!.findings[0]!.message).toContain('~100,000 rows, 10 MB');
    expect(big.phase).toBe('unsafe');
    const small = classify('UPDATE users SET email = lower(email);', catalogWith(table('users', 1000, 1024 * 1024)));
    expect(small.statements[0]!.findings.map((f) => [f.rule, f.phase])).toEqual([['update-batched', 'pre']]);
    expect(classify('DELETE FROM users;', catalogWith(table('users', 0, 8192))).phase).toBe('pre');
  });
});

describe('concurrently-in-transaction', () => {
  it('stays silent when only session statements sit beside it', () => {
    const m = classify(
      "SET lock_timeout = '2s';\nSET statement_timeout = 0;\nCREATE INDEX CONCURRENTLY i ON t (a);\nRESET lock_timeout;",
    );
    expect(rulesOf(m).flat()).not.toContain('concurrently-in-transaction');
    expect(m.phase).toBe('pre');
    expect(m.transactional).toBe(false);
  });

  it('fires on an explicit BEGIN, which would make PostgreSQL reject the statement', () => {
    const m = classify('BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;');
    expect(m.statements[1]!.findings.map((f) => f.rule)).toContain('concurrently-in-transaction');
  });

  it('runs ALTER TYPE … ADD VALUE outside a transaction before PostgreSQL 12 only, warning on what precedes it', () => {
    const sql = "CREATE TABLE t (id int);\nALTER TYPE status ADD VALUE 'gone';";
    const old = classify(sql, { serverVersion: 110000, tables: {} });
    expect(old).toMatchObject({ phase: 'pre', transactional: false });
    expect(rulesOf(old)[0]).toContain('concurrently-in-transaction');
    const current = classify(sql, { serverVersion: 150000, tables: {} });
    expect(current).toMatchObject({ phase: 'pre', transactional: true });
    expect(rulesOf(current).flat()).not.toContain('concurrently-in-transaction');
  });

  it('judges each statement of a file without a transaction by its own hazard, and warns on one that cannot be repeated', () => {
    const m = classify('CREATE TABLE a (id int);\n\nDROP INDEX CONCURRENTLY old_idx;');
    expect(m.transactional).toBe(false);
    expect(m.statements.map((s) => s.phase)).toEqual(['pre', 'post']);
    const f = m.statements[0]!.findings.find((x) => x.rule === 'concurrently-in-transaction')!;
    expect(f).toMatchObject({ advisory: true });
    expect(f.message).toContain('line 3');
    expect(f.fix).toContain('IF NOT EXISTS');
  });

  it('gives pre, pre to ADD COLUMN then CREATE INDEX CONCURRENTLY on it, and post, post to two DROP INDEX CONCURRENTLY', () => {
    const add = classify(
      'ALTER TABLE t ADD COLUMN IF NOT EXISTS x int;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_x ON t (x);',
    );
    expect(add.statements.map((s) => s.phase)).toEqual(['pre', 'pre']);
    expect(add.phase).toBe('pre');
    expect(rulesOf(add).flat()).not.toContain('concurrently-in-transaction');
    const drops = classify('DROP INDEX CONCURRENTLY IF EXISTS a_idx;\nDROP INDEX CONCURRENTLY IF EXISTS b_idx;');
    expect(drops.statements.map((s) => s.phase)).toEqual(['post', 'post']);
    expect(drops.phase).toBe('post');
  });

  it('still lets unrecognized-statement judge a statement that only carries the warning', () => {
    const m = classify('CREATE ROLE reporting;\nCREATE INDEX CONCURRENTLY i ON t (a);');
    expect(m.statements[0]!.findings.map((f) => f.rule)).toEqual(
      expect.arrayContaining(['concurrently-in-transaction', 'unrecognized-statement']),
    );
  });

  it('plans DETACH PARTITION … CONCURRENTLY outside a transaction, as post', () => {
    const m = classify('ALTER TABLE measurements DETACH PARTITION measurements_2023 CONCURRENTLY;');
    expect(m.transactional).toBe(false);
    expect(m.phase).toBe('post');
    expect(classify('ALTER TABLE measurements DETACH PARTITION measurements_2023;').transactional).toBe(true);
  });
});

describe('directives', () => {
  it('lets a reviewed DO block through with an allow and a reason', () => {
    const m = classify(
      "-- deployctl:allow do-block adds the label only when missing\nDO $$ BEGIN EXECUTE format('ALTER TYPE mood ADD VALUE %L', 'sad'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
    );
    expect(m.phase).toBe('pre');
    expect(m.statements[0]!.findings[0]!.allowed).toBe('adds the label only when missing');
  });

  it('blocks a DO block with dynamic SQL without one', () => {
    expect(classify("DO $$ BEGIN EXECUTE 'SELECT 1'; END $$;").phase).toBe('unsafe');
    expect(classify('DO $$ BEGIN PERFORM 1; END $$;').phase).toBe('pre');
  });
});

describe('lock modes', () => {
  it.each([
    ['ACCESS SHARE', 'AccessShareLock'],
    ['ROW SHARE', 'RowShareLock'],
    ['ROW EXCLUSIVE', 'RowExclusiveLock'],
    ['SHARE UPDATE EXCLUSIVE', 'ShareUpdateExclusiveLock'],
    ['SHARE', 'ShareLock'],
    ['SHARE ROW EXCLUSIVE', 'ShareRowExclusiveLock'],
    ['EXCLUSIVE', 'ExclusiveLock'],
    ['ACCESS EXCLUSIVE', 'AccessExclusiveLock'],
  ])('LOCK TABLE … IN %s MODE reports %s', (mode, expected) => {
    const s = classify(`LOCK TABLE users IN ${mode} MODE;`).statements[0]!;
    expect(s).toMatchObject({ phase: 'unsafe', lock: expected, relation: 'users' });
    expect(LOCK_MODES).toContain(s.lock);
  });

  it('reports the weaker lock of DROP INDEX CONCURRENTLY', () => {
    expect(classify('DROP INDEX CONCURRENTLY i;').statements[0]!.lock).toBe('ShareUpdateExclusiveLock');
    expect(classify('DROP INDEX i;').statements[0]!.lock).toBe('AccessExclusiveLock');
  });

  it('reports the table of a dropped trigger', () => {
    expect(classify('DROP TRIGGER sync ON "Shop".orders;').statements[0]).toMatchObject({
      phase: 'post',
      lock: 'AccessExclusiveLock',
      relation: 'Shop.orders',
    });
  });
});

describe('access changes', () => {
  it('runs a REVOKE on an existing table after the rollout, and on a new one before it', () => {
    expect(classify('REVOKE SELECT ON users FROM reporting;').phase).toBe('post');
    expect(classify('CREATE TABLE t (id int);\nREVOKE ALL ON t FROM PUBLIC;').phase).toBe('pre');
  });

  it('calls a migration mixed when it grants and revokes on existing objects', () => {
    expect(classify('GRANT SELECT ON users TO app;\nREVOKE SELECT ON users FROM legacy;').phase).toBe('mixed');
  });
});

describe('SELECT with side effects', () => {
  it('knows setval by its schema-qualified name and locks the sequence named', () => {
    const s = classify("SELECT pg_catalog.setval('public.invoice_no', 5000, true);").statements[0]!;
    expect(s).toMatchObject({ phase: 'pre', lock: 'RowExclusiveLock', relation: 'public.invoice_no' });
  });

  it('leaves SELECT … INTO to unrecognized-statement', () => {
    expect(rulesOf(classify('SELECT * INTO archive FROM orders;'))).toEqual([['unrecognized-statement']]);
  });
});
