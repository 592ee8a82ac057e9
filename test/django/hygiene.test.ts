/**
 * Django schema hygiene through the built CLI, real Django, real PostgreSQL: the example's
 * `catalog` app (mysite.settings_hygiene) has a model of each kind — named and generated tables,
 * a join table declared with through= and a hidden one, a GenericForeignKey — beside
 * django.contrib's auth and contenttypes. `check` reports the findings at the models' lines;
 * `fingerprint --django` hashes each model and writes SCHEMA_HASH; `check` fails when that module
 * no longer matches the schema the migrations build.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { createTestDatabase, testTmp, type TestDatabase } from '../support/db.js';
import { describeWithDjango, djangoPython, manage, MANAGE } from './support.js';

const SETTINGS = 'mysite.settings_hygiene';
const MODELS = 'examples/django/catalog/models.py';
const COMMITTED_MODULE = 'examples/django/catalog/schema_hashes.py';
/** A check with a schema-hash module migrates every migration into a scratch database. */
const SCRATCH_MS = 120_000;

interface Problem {
  kind: string;
  severity: string;
  app?: string;
  file?: string;
  line?: number;
  message: string;
  fix?: string;
}

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase('djh');
});
afterEach(async () => {
  await db.drop();
});

/** A folder with a deployctl.yaml for the catalog settings (extra YAML lines go under the source) and its manifest. */
async function project(
  sourceLines: string[] = [],
  opts: { manifest?: boolean; settings?: string } = {},
): Promise<{ root: string; config: string }> {
  const root = await mkdtemp(path.join(testTmp(), 'deployctl-djh-'));
  const config = path.join(root, 'deployctl.yaml');
  await writeFile(
    config,
    [
      'database:',
      `  url: ${db.url}`,
      'migrations:',
      '  - app: web',
      '    type: django',
      `    manage: ${MANAGE}`,
      `    python: ${djangoPython()}`,
      `    settings: ${opts.settings ?? SETTINGS}`,
      ...sourceLines.map((l) => `    ${l}`),
      '',
    ].join('\n'),
  );
  const manifest = opts.manifest === false ? { code: 0, stderr: '' } : await runCli(['manifest', '--config', config]);
  if (manifest.code !== 0) throw new Error(`manifest failed: ${manifest.stderr}`);
  return { root, config };
}

/** The 1-based line of the first line of `file` that starts with `prefix`. */
async function lineOf(file: string, prefix: string): Promise<number> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  const i = lines.findIndex((l) => l.startsWith(prefix));
  if (i < 0) throw new Error(`${file} has no line starting with ${JSON.stringify(prefix)}`);
  return i + 1;
}

async function check(config: string, ...args: string[]): Promise<{ code: number | null; problems: Problem[] }> {
  const r = await runCli(['check', '--json', '--config', config, ...args]);
  if (!r.stdout.trim()) throw new Error(`check printed nothing: ${r.stderr}`);
  return { code: r.code, problems: (JSON.parse(r.stdout) as { problems: Problem[] }).problems };
}

async function fingerprintJson(
  config: string,
): Promise<{ models: Record<string, { hash: string; tables: string[] }> }> {
  const r = await runCli(['fingerprint', '--django', '--json', '--config', config]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

/** SCHEMA_HASH of a written module, as Python imports it. */
function importModule(file: string): Record<string, string> {
  const r = spawnSync(
    djangoPython(),
    ['-c', 'import json, runpy, sys; print(json.dumps(runpy.run_path(sys.argv[1])["SCHEMA_HASH"]))', file],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describeWithDjango('django schema hygiene', () => {
  it("reports each finding at its model's line, only where it applies, and only for the project's own apps", async () => {
    const { config } = await project();
    const { code, problems } = await check(config);
    expect(code).toBe(0);
    const found = problems.map((p) => [p.kind, p.severity, p.file, p.line, p.message.split(' ')[0]]);
    expect(found).toEqual([
      ['implicit-table-name', 'warning', MODELS, await lineOf(MODELS, 'class Author('), 'catalog.Author'],
      ['implicit-m2m-table', 'warning', MODELS, await lineOf(MODELS, '    tags = '), 'catalog.Book.tags'],
      ['generic-foreign-key', 'warning', MODELS, await lineOf(MODELS, '    target = '), 'catalog.Comment.target'],
    ]);
    const [table, m2m, gfk] = problems;
    expect(table!.message).toContain('"catalog_author"');
    // The zero-risk fix names the table the model already has; the renaming one is expand/contract.
    expect(table!.fix).toContain('db_table = "catalog_author"');
    expect(table!.fix).toContain('runs no SQL');
    expect(table!.fix).toContain('SeparateDatabaseAndState');
    expect(m2m!.message).toContain('"book_tags"');
    expect(m2m!.fix).toContain('through="BookTags"');
    expect(gfk!.fix).toContain('explicit type column');

    const all = await check(config, '--include-third-party');
    expect(all.code).toBe(0);
    const subjects = all.problems.map((p) => `${p.kind} ${p.message.split(' ')[0]}`);
    expect(subjects).toEqual(
      expect.arrayContaining([
        'implicit-table-name auth.User',
        'implicit-m2m-table auth.User.groups',
        'implicit-m2m-table auth.Group.permissions',
      ]),
    );
    // ContentType names its table (django_content_type): silent there too.
    expect(subjects.filter((s) => s.includes('contenttypes.'))).toEqual([]);
    expect(all.problems.find((p) => p.message.startsWith('auth.User.groups'))!.file).toMatch(
      /django\/contrib\/auth\/models\.py$/,
    );
  });

  it('annotates the pull request with warnings, or errors at the levels deployctl.yaml sets', async () => {
    const { config } = await project();
    const r = await runCli(['check', '--format', 'github', '--config', config]);
    expect(r.stdout).toContain('check passed (3 warnings) with the database');
    const tableLine = await lineOf(MODELS, 'class Author(');
    expect(r.stdout).toContain(`::warning file=${MODELS},line=${tableLine}::catalog.Author has no Meta.db_table`);
    expect(r.stdout).toContain(`::warning file=${MODELS},line=${await lineOf(MODELS, '    target = ')}::`);

    const strict = await project(['djangoChecks:', '  implicit-table-name: error', '  generic-foreign-key: off']);
    const s = await runCli(['check', '--format', 'github', '--config', strict.config]);
    expect(s.code).toBe(1);
    expect(s.stdout).toContain(`::error file=${MODELS},line=${tableLine}::catalog.Author has no Meta.db_table`);
    expect(s.stdout).toContain('::warning file=');
    expect(s.stdout).not.toContain('GenericForeignKey');
  });

  it('names an unknown djangoChecks key and the known ones', async () => {
    const { config } = await project(['djangoChecks:', '  implicit-tables: error'], { manifest: false });
    const r = await runCli(['check', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "unknown config key 'migrations[0].djangoChecks.implicit-tables'; known keys here: implicit-table-name, implicit-m2m-table, generic-foreign-key, stale-schema-hash",
    );
    const level = await project(['djangoChecks:', '  implicit-table-name: fatal'], { manifest: false });
    expect((await runCli(['check', '--config', level.config])).stderr).toContain(
      "config key 'migrations[0].djangoChecks.implicit-table-name': expected one of error | warn | off",
    );
  });

  it('reports a project Django cannot load once, not again for its models', async () => {
    const { config } = await project([], { manifest: false, settings: 'mysite.no_such_settings' });
    const { code, problems } = await check(config);
    expect(code).toBe(1);
    expect(problems.map((p) => p.kind)).toEqual(['source']);
    expect(problems[0]!.message).toContain("No module named 'mysite.no_such_settings'");
  });

  it('writes SCHEMA_HASH deterministically; Python imports what fingerprint prints; the example commits it current', async () => {
    manage(db, ['migrate', '--no-input'], SETTINGS);
    const { root, config } = await project();
    const printed = await fingerprintJson(config);
    expect(Object.keys(printed.models)).toEqual([
      'catalog.Author',
      'catalog.Authorship',
      'catalog.Book',
      'catalog.Comment',
      'catalog.Publisher',
      'catalog.Tag',
    ]);
    expect(printed.models['catalog.Book']!.tables).toEqual(['book']);
    const module = path.join(root, 'schema_hashes.py');
    const w = await runCli(['fingerprint', '--django', '--write-python', module, '--config', config]);
    expect(w.code).toBe(0);
    expect(w.stderr).toContain('wrote');
    const text = await readFile(module, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^# Generated by `deployctl fingerprint --django --write-python`/);
    const imported = importModule(module);
    expect(imported).toEqual(Object.fromEntries(Object.entries(printed.models).map(([l, m]) => [l, m.hash])));
    for (const hash of Object.values(imported)) expect(hash).toMatch(/^[0-9a-f]{12}$/);
    // A model's hash is the start of its table's: `fingerprint --table` says the same.
    const table = await runCli(['fingerprint', '--table', 'catalog_author', '--config', config]);
    expect(table.stdout.trim().slice(0, 12)).toBe(imported['catalog.Author']);
    // Rewritten without a schema change: the same bytes.
    await runCli(['fingerprint', '--django', '--write-python', module, '--config', config]);
    expect(await readFile(module, 'utf8')).toBe(text);
    expect(await readFile(COMMITTED_MODULE, 'utf8')).toBe(text);
    // Third-party models only when asked for.
    const all = await runCli(['fingerprint', '--django', '--include-third-party', '--json', '--config', config]);
    expect(Object.keys(JSON.parse(all.stdout).models)).toEqual(
      expect.arrayContaining(['auth.User', 'contenttypes.ContentType', 'catalog.Book']),
    );
  });

  it('changes the hash of the model whose migration adds a column, and says when the database lags the migrations', async () => {
    manage(db, ['migrate', '--no-input'], SETTINGS);
    manage(db, ['migrate', 'catalog', '0001', '--no-input'], SETTINGS);
    const { config } = await project();
    const before = await runCli(['fingerprint', '--django', '--json', '--config', config]);
    expect(before.stderr).toContain('has not applied 1 migration (catalog.0002_author_born)');
    const old = JSON.parse(before.stdout).models as Record<string, { hash: string }>;
    manage(db, ['migrate', '--no-input'], SETTINGS);
    const after = await runCli(['fingerprint', '--django', '--json', '--config', config]);
    expect(after.stderr).toBe('');
    const now = JSON.parse(after.stdout).models as Record<string, { hash: string }>;
    const changed = Object.keys(now).filter((l) => now[l]!.hash !== old[l]!.hash);
    expect(changed).toEqual(['catalog.Author']);
  });

  it(
    'fails check while the module is stale against a pending migration that adds a column, and passes once rewritten',
    async () => {
      // The team's database, and the module written from it, predate catalog.0002 (Author.born).
      manage(db, ['migrate', '--no-input'], SETTINGS);
      manage(db, ['migrate', 'catalog', '0001', '--no-input'], SETTINGS);
      const { root, config } = await project(['schemaHashModule: schema_hashes.py']);
      const module = path.join(root, 'schema_hashes.py');
      expect((await runCli(['fingerprint', '--django', '--write-python', module, '--config', config])).code).toBe(0);
      const stale = await check(config);
      expect(stale.code).toBe(1);
      const errors = stale.problems.filter((p) => p.severity === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        kind: 'stale-schema-hash',
        file: module,
        line: await lineOf(module, '    "catalog.Author"'),
      });
      expect(errors[0]!.message).toContain('SCHEMA_HASH["catalog.Author"]');
      expect(errors[0]!.fix).toContain(`deployctl fingerprint --django --write-python ${module}`);
      // The check read the target database and changed nothing in it.
      expect(await db.sql("SELECT to_regclass('catalog_author') IS NOT NULL AS t")).toEqual([{ t: true }]);
      expect(
        await db.sql(
          "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'catalog_author' AND column_name = 'born'",
        ),
      ).toEqual([{ n: 0 }]);

      manage(db, ['migrate', '--no-input'], SETTINGS);
      expect((await runCli(['fingerprint', '--django', '--write-python', module, '--config', config])).code).toBe(0);
      const fresh = await check(config);
      expect(fresh.problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(fresh.code).toBe(0);
    },
    SCRATCH_MS,
  );

  it(
    "passes the example's committed module on an empty database, and reports a missing one",
    async () => {
      const committed = await project([`schemaHashModule: ${path.resolve(COMMITTED_MODULE)}`]);
      const ok = await check(committed.config);
      expect(ok.problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(ok.code).toBe(0);

      const missing = await project(['schemaHashModule: nowhere.py']);
      const r = await check(missing.config);
      expect(r.code).toBe(1);
      expect(r.problems.filter((p) => p.kind === 'stale-schema-hash').map((p) => p.message)).toEqual([
        `the schema-hash module ${path.join(missing.root, 'nowhere.py')} does not exist.`,
      ]);
    },
    SCRATCH_MS,
  );
});
