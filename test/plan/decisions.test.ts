/**
 * deployctl.yaml decisions (`allow`, `phase` per migration id) on a SQL source: the same effect
 * as the directives in the file, over the whole migration, shown in the plan, and a decision
 * that decides nothing is a problem. Pure planning on parsed SQL, plus the config keys as loaded.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildPlan } from '../../src/core/plan/build.js';
import type { MigrationDecision } from '../../src/core/plan/decisions.js';
import { planToJson } from '../../src/core/plan/json.js';
import { migrationFromText } from '../../src/core/migration.js';
import { loadParser } from '../../src/core/sql/parse.js';
import { loadConfig } from '../../src/config/config.js';

beforeAll(async () => {
  await loadParser();
});

const file = (id: string, sql: string) => migrationFromText('vendor', id, id.split('_')[0]!, `vendor/${id}.sql`, sql);
const plan = (files: ReturnType<typeof file>[], decisions: Record<string, MigrationDecision> = {}) =>
  planToJson(buildPlan({ sources: [{ app: 'vendor', files, decisions }], applied: [] }));

const TWO_INDEXES = 'CREATE TABLE t (a int, b int);\nCREATE INDEX t_a ON t (a);\nCREATE INDEX t_b ON t (b);\n';
const DROP = 'ALTER TABLE t DROP COLUMN b;\n';

describe('deployctl.yaml decisions', () => {
  it('allow: every finding of the rule in the migration is shown with the reason and no longer decides', () => {
    const f = file('0002_idx', 'CREATE INDEX t_a ON t (a);\nCREATE INDEX t_b ON t (b);\n');
    expect(plan([f]).stages.blocked).toEqual(['vendor/0002_idx']);
    const decided = plan([f], {
      '0002_idx': { allow: [{ rule: 'create-index-blocking', reason: 't holds ten rows' }] },
    });
    expect(decided.ok).toBe(true);
    expect(decided.stages.pre).toEqual(['vendor/0002_idx']);
    expect(decided.migrations[0]!.statements.map((s) => [s.phase, s.rules.map((r) => r.allowed)])).toEqual([
      ['pre', [expect.stringMatching(/^t holds ten rows \(deployctl\.yaml decisions of vendor\/0002_idx\)$/)]],
      ['pre', [expect.stringMatching(/^t holds ten rows/)]],
    ]);
  });

  it('phase: forces the phase with its reason, as -- deployctl:phase would, and resolves a mixed migration', () => {
    const mixed = file('0003_mixed', 'ALTER TABLE t ADD COLUMN c int;\n' + DROP);
    expect(plan([mixed]).migrations[0]!.phase).toBe('mixed');
    const decided = plan([mixed], { '0003_mixed': { phase: 'post', reason: 'the new code never reads c' } });
    expect(decided.ok).toBe(true);
    expect(decided.stages.post).toEqual(['vendor/0003_mixed']);
    expect(decided.migrations[0]!.forcedPhase).toEqual({
      phase: 'post',
      reason: 'the new code never reads c (deployctl.yaml decisions of vendor/0003_mixed)',
    });
    // As in the file, a forced phase never hides an unsafe statement.
    const unsafe = file('0004_idx', 'CREATE INDEX t_a ON t (a);\n');
    expect(plan([unsafe], { '0004_idx': { phase: 'pre', reason: 'x' } }).stages.blocked).toEqual(['vendor/0004_idx']);
  });

  it('is a problem when it decides nothing, names no migration, or contradicts the file', () => {
    const created = file('0001_t', TWO_INDEXES);
    const unused = plan([created], { '0001_t': { allow: [{ rule: 'drop-column', reason: 'r' }] } });
    expect(unused.problems).toEqual([
      expect.objectContaining({
        kind: 'directive',
        id: '0001_t',
        message:
          "deployctl.yaml decisions of vendor/0001_t.allow[0]: 'drop-column' matches no finding of 0001_t; remove it",
      }),
    ]);
    const typo = plan([created], { '0001_tt': { phase: 'pre', reason: 'r' } });
    expect(typo.ok).toBe(false);
    expect(typo.problems.map((p) => p.message)).toEqual([
      'deployctl.yaml decides about vendor/0001_tt, but the source has no migration with that id; correct or remove it',
    ]);
    const own = file('0005_drop', `-- deployctl:phase post the new code stopped reading b\n${DROP}`);
    const contradicted = plan([own], { '0005_drop': { phase: 'pre', reason: 'r' } });
    expect(contradicted.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/\.phase says pre, but vendor\/0005_drop\.sql:1 says 'deployctl:phase post'; keep one$/),
    ]);
  });

  it('are read from each source in deployctl.yaml and refused with the key when incomplete', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'deployctl-decisions-'));
    const write = async (decisions: string[]) => {
      const config = path.join(dir, 'deployctl.yaml');
      await writeFile(
        config,
        [
          'migrations:',
          '  - app: vendor',
          '    dir: sql',
          '    decisions:',
          ...decisions.map((l) => `      ${l}`),
        ].join('\n'),
      );
      return loadConfig({ file: config });
    };
    const config = await write([
      '0002_idx:',
      '  allow: [{ rule: create-index-blocking, reason: t holds ten rows }]',
      '0003_mixed: { phase: post, reason: the new code never reads c }',
    ]);
    expect(config.sources[0]!.decisions).toEqual({
      '0002_idx': { allow: [{ rule: 'create-index-blocking', reason: 't holds ten rows' }] },
      '0003_mixed': { phase: 'post', reason: 'the new code never reads c' },
    });
    await expect(write(['0003_mixed: { phase: post }'])).rejects.toThrow(
      /config key 'migrations\[0\]\.decisions\.0003_mixed\.reason': a forced phase needs a reason/,
    );
    await expect(write(['0002_idx: { allow: [{ rule: create-index-blocking }] }'])).rejects.toThrow(
      /config key 'migrations\[0\]\.decisions\.0002_idx\.allow\[0\]\.reason': expected a non-empty string/,
    );
    await expect(write(['0002_idx: { phase: later, reason: r }'])).rejects.toThrow(
      /config key 'migrations\[0\]\.decisions\.0002_idx\.phase': expected one of pre \| post/,
    );
    await expect(write(['0002_idx: {}'])).rejects.toThrow(/decisions\.0002_idx': decides nothing/);
  });
});
