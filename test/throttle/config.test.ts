/**
 * The `throttle:` config section and the `deployctl:backfill` directive, without a database:
 * defaults, the probe chosen from the health checks, bad values named by key or file:line.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { probeConfig } from '../../src/adapters/health/probe.js';
import { classifyMigration } from '../../src/core/classify/classify.js';
import { migrationFromText } from '../../src/core/migration.js';
import { loadParser } from '../../src/core/sql/parse.js';
import { testTmp } from '../support/db.js';

beforeAll(() => loadParser());

async function config(yaml: string): ReturnType<typeof loadConfig> {
  const dir = await mkdtemp(path.join(testTmp(), 'throttle-config-'));
  const file = path.join(dir, 'deployctl.yaml');
  await writeFile(file, yaml);
  return loadConfig({ file, env: {} });
}

describe('throttle: config', () => {
  it('is off when absent', async () => {
    expect((await config('lockTimeoutMs: 500\n')).throttle).toBeUndefined();
  });

  it('fills defaults and takes the first http health check as the probe', async () => {
    const c = await config(
      [
        'health:',
        '  checks:',
        "    - sql: 'select 1'",
        "    - http: { url: 'http://127.0.0.1:8080/healthz', timeoutMs: 900 }",
        'throttle:',
        '  maxAppP99Ratio: 1.5',
        '  maintenance: { workMem: 64MB }',
        '',
      ].join('\n'),
    );
    expect(c.throttle).toEqual({
      maxAppP99Ratio: 1.5,
      probe: undefined,
      probeIntervalMs: 50,
      baselineMs: 2000,
      windowMs: 2000,
      batchTargetMs: 100,
      restRatio: 1,
      pauseDeadlineMs: 120000,
      maintenance: { maxParallelWorkers: 0, workMem: '64MB' },
    });
    expect(probeConfig(c)).toEqual({ http: 'http://127.0.0.1:8080/healthz', timeoutMs: 900 });
  });

  it('uses a configured SQL probe, else a sql health check, else SELECT 1', async () => {
    const own = await config("throttle:\n  maxAppP99Ratio: 2\n  probe: { sql: 'select 1 from t', timeoutMs: 300 }\n");
    expect(probeConfig(own)).toEqual({ sql: 'select 1 from t', timeoutMs: 300 });
    const none = await config('throttle:\n  maxAppP99Ratio: 2\n');
    expect(probeConfig(none)).toEqual({ sql: 'SELECT 1', timeoutMs: 2000 });
  });

  it('names the key of a bad value', async () => {
    await expect(config('throttle:\n  maxAppP99Ratio: 0.5\n')).rejects.toThrow(
      "config key 'throttle.maxAppP99Ratio': expected a number ≥ 1, got 0.5",
    );
    await expect(config('throttle:\n  batchTargetMs: 100\n')).rejects.toThrow(
      "config key 'throttle.maxAppP99Ratio': expected a number ≥ 1, got nothing",
    );
    await expect(config('throttle:\n  maxAppP99Ratio: 2\n  maintenance: { workMem: lots }\n')).rejects.toThrow(
      "config key 'throttle.maintenance.workMem'",
    );
    await expect(
      config("throttle:\n  maxAppP99Ratio: 2\n  probe: { sql: 'select 1', http: 'http://x' }\n"),
    ).rejects.toThrow("config key 'throttle.probe': set one of http, sql (found both)");
    await expect(config('throttle:\n  maxAppP99Ratio: 2\n  pace: 3\n')).rejects.toThrow(
      "unknown config key 'throttle.pace'",
    );
  });
});

describe('deployctl:backfill', () => {
  const classify = (sql: string) =>
    classifyMigration(migrationFromText('app', '0001_fill', '0001', 'migrations/0001_fill.sql', sql));

  it('marks the migration as run batch by batch, outside one transaction, before the rollout', () => {
    const m = classify('-- deployctl:backfill id 5000\nUPDATE t SET a = 1 WHERE id > $1 AND id <= $2 AND a IS NULL;\n');
    expect(m.directives.backfill).toEqual({ key: 'id', rows: 5000, line: 1 });
    expect(m.transactional).toBe(false);
    expect(m.phase).toBe('pre');
    expect(m.problems).toEqual([]);
    expect(
      classify('-- deployctl:backfill id\nDELETE FROM t WHERE id > $1 AND id <= $2;\n').directives.backfill,
    ).toEqual({ key: 'id', rows: 10000, line: 1 });
  });

  it('blocks a migration that is not one UPDATE / DELETE over $1 and $2, naming file:line', () => {
    expect(
      classify(
        '-- deployctl:backfill id\nUPDATE t SET a = 1 WHERE id > $1 AND id <= $2;\nUPDATE t SET b = 1 WHERE id > $1 AND id <= $2;\n',
      ).problems,
    ).toEqual([
      {
        kind: 'directive',
        line: 1,
        message:
          "migrations/0001_fill.sql:1: 'deployctl:backfill': a backfill migration holds exactly one UPDATE or DELETE (found 2 statements)",
      },
    ]);
    expect(
      classify('-- deployctl:backfill id\nUPDATE t SET a = $3 WHERE id > $1 AND id <= $2;\n').problems[0]?.message,
    ).toMatch(/must take the batch's key range as \$1 and \$2 and no other parameter/);
    expect(classify('-- deployctl:backfill id\nCREATE TABLE x (a int);\n').problems[0]?.message).toMatch(
      /one UPDATE or DELETE, not CreateStmt/,
    );
  });

  it('refuses a directive without a key or with a bad size', () => {
    expect(() => classify('-- deployctl:backfill\nUPDATE t SET a = 1 WHERE id > $1 AND id <= $2;\n')).toThrow(
      "migrations/0001_fill.sql:1: 'deployctl:backfill' takes the key column and optionally the first batch's rows",
    );
    expect(() => classify('-- deployctl:backfill id 0\nUPDATE t SET a = 1 WHERE id > $1 AND id <= $2;\n')).toThrow(
      /takes the key column/,
    );
  });
});
