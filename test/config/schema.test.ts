/**
 * deployctl.yaml is validated against one zod schema: a bad key is named with its full path and
 * what was expected, an unknown key with the keys allowed there. The JSON Schema editors read is
 * generated from it, and the committed deployctl.schema.json must be what it generates today.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/config.js';
import { configJsonSchema } from '../../src/config/schema.js';
import { configText } from '../../src/engine/init/templates.js';
import { testTmp } from '../support/db.js';

async function load(yaml: string) {
  const dir = await mkdtemp(path.join(testTmp(), 'schema-'));
  await writeFile(path.join(dir, 'deployctl.yaml'), yaml);
  return loadConfig({ cwd: dir, env: {} });
}

it('the committed deployctl.schema.json is the one the zod schema generates (npm run schema)', async () => {
  expect(JSON.parse(await readFile('deployctl.schema.json', 'utf8'))).toEqual(configJsonSchema());
});

it.each([
  ['retry:\n  attempts: ten\n', `config key 'retry.attempts': expected a whole number ≥ 1, got "ten"`],
  ['pgVersion: 8\n', `config key 'pgVersion': expected a whole number ≥ 10, got 8`],
  ['allowOutOfOrder: yes please\n', `config key 'allowOutOfOrder': expected true or false, got "yes please"`],
  ['health:\n  maxFailureRatio: 2\n', `config key 'health.maxFailureRatio': expected a number from 0 to 1, got 2`],
  ['migrations:\n  app: shop\n', `config key 'migrations': expected a list, got {"app":"shop"}`],
  ['migrations:\n  - dir: db\n', `config key 'migrations[0].app': expected a non-empty string, got nothing`],
  ['migrations:\n  - app:\n    dir: db\n', `config key 'migrations[0].app': expected a non-empty string, got null`],
  ['rollout:\n  driver: k8s\n', `config key 'rollout.driver': expected one of command | local | pulumi, got "k8s"`],
  ['rollout:\n  driver: command\n', `config key 'rollout.deploy': expected a non-empty string, got nothing`],
  ['rollout: ./deploy.sh\n', `config key 'rollout': expected a mapping of keys, got "./deploy.sh"`],
  ['post: later\n', `config key 'post': expected one of after-verify | next-release, got "later"`],
  ['- a\n- b\n', `config key 'the file': expected a mapping of keys, got ["a","b"]`],
])('%j is refused: %s', async (yaml, message) => {
  await expect(load(yaml)).rejects.toMatchObject({ code: 'CONFIG_INVALID', message });
});

it('an unknown key names its path and lists the keys known at that level', async () => {
  await expect(load('lockTimeout: 100\n')).rejects.toMatchObject({
    message: expect.stringMatching(
      /^unknown config key 'lockTimeout'; known keys here: database, schema, migrations, lockTimeoutMs, .*, post, throttle$/,
    ),
    key: 'lockTimeout',
  });
  await expect(
    load('rollout:\n  driver: command\n  deploy: ./deploy.sh\n  timeout: 5\n  current: cat v\n'),
  ).rejects.toMatchObject({
    message: "unknown config key 'rollout.timeout'; known keys here: driver, deploy, rollback, current, timeoutMs",
  });
  // Reported before the bad values beside it: the typo is the likelier cause.
  await expect(load('health:\n  checks:\n    - http: { url: "", statuss: 200 }\n')).rejects.toMatchObject({
    message:
      "unknown config key 'health.checks[0].http.statuss'; known keys here: url, status, body, expectVersion, timeoutMs, maxLatencyMs",
  });
});

it('a key with nothing after it counts as absent', async () => {
  const config = await load('retry:\nrollout:\nmigrations:\n  - app: shop\n    dir: db\n    type:\n');
  expect(config.retry.attempts).toBe(10);
  expect(config.rollout).toBeUndefined();
  expect(config.sources).toMatchObject([{ app: 'shop', type: 'sql' }]);
});

describe('the JSON Schema', () => {
  const validate = new Ajv({ allErrors: true }).compile(configJsonSchema());

  it.each(['examples/shop/deployctl.yaml', 'examples/django/deployctl.yaml'])('accepts %s', async (file) => {
    const raw: unknown = parseYaml(await readFile(file, 'utf8'));
    expect(validate(raw) ? [] : validate.errors).toEqual([]);
  });

  it('accepts what init writes with every commented example switched on, and refuses what deployctl refuses', () => {
    const text = configText([{ type: 'sql', app: 'shop', path: 'db/migrations', evidence: 'db/migrations' }])
      .split('\n')
      .map((l) => l.replace(/^# ( *(?:[A-Za-z]+:|- ))/, '$1'))
      .join('\n');
    const raw = parseYaml(text) as Record<string, unknown>;
    expect(Object.keys(raw).sort()).toEqual([
      'database',
      'health',
      'lockTimeoutMs',
      'migrations',
      'pgVersion',
      'rollout',
    ]);
    expect(validate(raw) ? [] : validate.errors).toEqual([]);
    for (const bad of [
      { lockTimeout: 1 },
      { retry: { attempts: 0 } },
      { rollout: { driver: 'k8s' } },
      { migrations: [{}] },
    ])
      expect(validate(bad)).toBe(false);
  });
});
