/**
 * Runs every rule's own examples through the full classifier: each `fires` snippet must produce
 * a finding of that rule, each `silent` snippet must not. Also checks the registry itself.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { classifyMigration } from '../../src/core/classify/classify.js';
import { RULES, UNRECOGNIZED } from '../../src/core/rules/index.js';
import type { Example, Rule } from '../../src/core/rules/rule.js';
import { loadParser } from '../../src/core/sql/parse.js';
import { migrationFromText } from '../../src/core/migration.js';
import { ASSUMED_SERVER_VERSION, type CatalogFacts } from '../../src/core/schema/facts.js';

beforeAll(() => loadParser());

const ALL: Rule[] = [...RULES, UNRECOGNIZED];

function firedRules(example: Example): string[] {
  const { sql, serverVersion, catalog } =
    typeof example === 'string' ? { sql: example, serverVersion: undefined, catalog: undefined } : example;
  const facts: CatalogFacts | undefined = catalog ?? (serverVersion ? { serverVersion, tables: {} } : undefined);
  const m = classifyMigration(migrationFromText('test', '0001_example', '0001', 'example.sql', sql), {
    catalog: facts ?? { serverVersion: ASSUMED_SERVER_VERSION, tables: {} },
  });
  return m.statements.flatMap((s) => s.findings.map((f) => f.rule));
}

describe.each(ALL.map((r) => [r.id, r] as const))('rule %s', (_id, rule) => {
  it.each(rule.examples.fires.map((e) => [typeof e === 'string' ? e : e.sql, e] as const))(
    'fires on: %s',
    (_sql, example) => {
      expect(firedRules(example)).toContain(rule.id);
    },
  );
  if (rule.examples.silent.length > 0) {
    it.each(rule.examples.silent.map((e) => [typeof e === 'string' ? e : e.sql, e] as const))(
      'stays silent on: %s',
      (_sql, example) => {
        expect(firedRules(example)).not.toContain(rule.id);
      },
    );
  }
  it('has at least one example that fires', () => {
    expect(rule.examples.fires.length).toBeGreaterThan(0);
  });
});

describe('rule registry', () => {
  const dir = path.resolve('src/core/rules');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !['index.ts', 'rule.ts'].includes(f));

  it('registers every rule file exactly once, with its file name as id', () => {
    const ids = ALL.map((r) => r.id).sort();
    expect(ids).toEqual(files.map((f) => f.slice(0, -3)).sort());
  });

  it('uses unique kebab-case ids', () => {
    const ids = ALL.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
  });

  it('keeps every rule silent on statement kinds outside its `kinds` (the classifier skips those)', () => {
    const statements = ALL.flatMap((r) => [...r.examples.fires, ...r.examples.silent])
      .map((e) => (typeof e === 'string' ? e : e.sql))
      .flatMap((sql) => {
        const m = classifyMigration(migrationFromText('test', '0001_x', '0001', 'x.sql', sql));
        return m.statements.map((s) => s.parsed);
      });
    const context = {
      serverVersion: ASSUMED_SERVER_VERSION,
      hasCatalog: false,
      statements,
      isNew: () => false,
      table: () => undefined,
    };
    for (const rule of ALL.filter((r) => r.kinds)) {
      for (const s of statements.filter((st) => !rule.kinds!.includes(st.kind))) {
        expect({ rule: rule.id, kind: s.kind, findings: rule.check(s, context).length }).toEqual({
          rule: rule.id,
          kind: s.kind,
          findings: 0,
        });
      }
    }
  });

  it('gives every unsafe finding a fix', () => {
    for (const rule of ALL) {
      for (const example of rule.examples.fires) {
        const sql = typeof example === 'string' ? example : example.sql;
        const m = classifyMigration(migrationFromText('test', '0001_x', '0001', 'x.sql', sql));
        for (const f of m.statements.flatMap((s) => s.findings)) {
          if (f.phase === 'unsafe')
            expect({ rule: f.rule, fix: f.fix }).toEqual({ rule: f.rule, fix: expect.any(String) });
        }
      }
    }
  });
});
