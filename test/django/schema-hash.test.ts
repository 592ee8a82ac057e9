/** The pure parts of Django schema hygiene, and its configuration: edge cases the example project does not reach. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hygieneFindings, type ModelFacts } from '../../src/core/django/hygiene.js';
import {
  modelHash,
  modelHashes,
  renderSchemaHashModule,
  staleModuleFindings,
  tableKey,
} from '../../src/core/django/schema-hash.js';
import { parseModelsDocument } from '../../src/adapters/sources/django/models.js';
import { loadConfig } from '../../src/config/config.js';
import { testTmp } from '../support/db.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('model hashes', () => {
  it("is its table hash's first 12 digits, or a hash over every table of a multi-table model", () => {
    expect(modelHash([A])).toBe('aaaaaaaaaaaa');
    const both = modelHash([A, B]);
    expect(both).toMatch(/^[0-9a-f]{12}$/);
    expect(both).not.toBe(modelHash([B, A]));
  });

  it('finds a table in public first, else in the one schema that has it', () => {
    expect(tableKey(['app.book', 'public.book'], 'book')).toBe('public.book');
    expect(tableKey(['app.book'], 'book')).toBe('app.book');
    expect(tableKey(['a.book', 'b.book'], 'book')).toBeUndefined();
    expect(modelHashes([{ label: 's.Book', tables: ['book', 'item'] }], { 'public.book': A })).toEqual({
      hashes: {},
      missing: { 's.Book': ['item'] },
    });
  });

  it('writes the same module for the same hashes, whatever their order', () => {
    const one = renderSchemaHashModule({ 'shop.Z': 'z', 'shop.A': 'a' });
    expect(one).toBe(renderSchemaHashModule({ 'shop.A': 'a', 'shop.Z': 'z' }));
    expect(one).toContain('SCHEMA_HASH = {\n    "shop.A": "a",\n    "shop.Z": "z",\n}\n');
    expect(renderSchemaHashModule({})).toContain('SCHEMA_HASH = {\n}\n');
  });
});

describe('stale module findings', () => {
  const module = {
    shown: 'shop/schema_hashes.py',
    exists: true,
    line: 7,
    entries: {
      'shop.Book': { hash: '111111111111', line: 8 },
      'shop.Gone': { hash: '222222222222', line: 9 },
      'shop.Same': { hash: '333333333333', line: 10 },
    },
  };
  const expected = {
    hashes: { 'shop.Book': '999999999999', 'shop.Same': '333333333333', 'shop.New': '444444444444' },
    missing: { 'shop.Unmigrated': ['shop_unmigrated'] },
  };

  it('reports a changed hash and a removed model at their lines, and the own models without an entry at SCHEMA_HASH', () => {
    const found = staleModuleFindings(
      module,
      expected,
      ['shop.Book', 'shop.Same', 'shop.New', 'shop.Unmigrated'],
      'rewrite it',
    );
    expect(found.map((f) => [f.subject, f.line])).toEqual([
      ['shop.Book', 8],
      ['shop.Gone', 9],
      ['shop.New, shop.Unmigrated', 7],
    ]);
    expect(found[0]!.message).toContain(
      'is "111111111111", but after this release\'s migrations its table hashes to "999999999999"',
    );
    expect(found[2]!.message).toContain('"shop_unmigrated" does not exist');
    expect(found.every((f) => f.check === 'stale-schema-hash' && f.fix === 'rewrite it')).toBe(true);
  });

  it('reports a missing or unreadable module once', () => {
    expect(staleModuleFindings({ ...module, exists: false, entries: {} }, expected, ['shop.Book'], 'x')).toHaveLength(
      1,
    );
    const broken = staleModuleFindings({ ...module, error: 'SCHEMA_HASH is not a literal dict' }, expected, [], 'x');
    expect(broken.map((f) => [f.line, f.message])).toEqual([
      [7, 'shop/schema_hashes.py cannot be read: SCHEMA_HASH is not a literal dict.'],
    ]);
  });
});

describe('hygiene findings', () => {
  const contrib: ModelFacts = {
    label: 'auth.Group',
    own: false,
    file: '/usr/lib/python3/dist-packages/django/contrib/auth/models.py',
    line: 92,
    table: 'auth_group',
    explicitTable: false,
    m2m: [
      {
        field: 'permissions',
        table: 'auth_group_permissions',
        through: null,
        target: 'auth.Permission',
        columns: ['group_id', 'permission_id'],
        fieldNames: ['group', 'permission'],
        file: '/usr/lib/python3/dist-packages/django/contrib/auth/models.py',
        line: 110,
      },
    ],
    gfks: [],
  };

  it('leaves third-party models out unless asked, and names a self-describing through model for a hidden table', () => {
    expect(hygieneFindings([contrib])).toEqual([]);
    const found = hygieneFindings([contrib], { includeThirdParty: true });
    expect(found.map((f) => [f.check, f.subject, f.line])).toEqual([
      ['implicit-table-name', 'auth.Group', 92],
      ['implicit-m2m-table', 'auth.Group.permissions', 110],
    ]);
    expect(found[1]!.fix).toContain('class GroupPermissions(models.Model): group = models.ForeignKey("auth.Group"');
    expect(found[1]!.fix).toContain('db_table = "auth_group_permissions"');
  });
});

describe("the model helper's document", () => {
  it('is checked field by field', () => {
    expect(() => parseModelsDocument({ format: 1, projectDir: '/p', models: [{ label: 'a.B' }] })).toThrow(
      'models[0].app: expected a string',
    );
    expect(() => parseModelsDocument({ format: 2 })).toThrow('format: expected 1, got 2');
  });
});

describe('configuration', () => {
  async function configWith(source: string[]): Promise<string> {
    const root = await mkdtemp(path.join(testTmp(), 'deployctl-djc-'));
    await writeFile(path.join(root, 'deployctl.yaml'), ['migrations:', ...source.map((l) => `  ${l}`), ''].join('\n'));
    return root;
  }

  it('resolves schemaHashModule against the config file, and refuses the Django keys on other sources', async () => {
    const root = await configWith([
      '- app: web',
      '  type: django',
      '  manage: manage.py',
      '  schemaHashModule: shop/schema_hashes.py',
      '  djangoChecks: { generic-foreign-key: error }',
    ]);
    const config = await loadConfig({ cwd: root, env: {} });
    expect(config.sources[0]).toMatchObject({
      schemaHashModule: path.join(root, 'shop/schema_hashes.py'),
      djangoChecks: { 'generic-foreign-key': 'error' },
    });
    const sql = await configWith(['- app: db', '  dir: migrations', '  djangoChecks: { generic-foreign-key: off }']);
    await expect(loadConfig({ cwd: sql, env: {} })).rejects.toThrow(
      "config key 'migrations[0].djangoChecks': only a django source has it",
    );
  });
});
