/**
 * `npm run bench:django`: a Django project read and released on a new database. The example
 * project's `mysite.settings_fresh` (Django's contrib apps plus shop, accounts, blog: 41
 * migrations), each run on a database of its own at DATABASE_URL's server, measuring wall time
 * (process start to exit) and the Python processes the source started (the configured
 * interpreter is a script that logs each start, then runs the real one). Prints a Markdown table
 * for bench/RESULTS.md. BENCH_BASELINE_CLI=<path to another build's dist/src/cli/main.js> runs
 * that build alternately with this one, for a before/after comparison on the same machine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PYTHON = process.env.DEPLOYCTL_TEST_PYTHON ?? '/usr/bin/python3';
const MANAGE = path.resolve('examples/django/manage.py');
const RUNS = Number(process.env.BENCH_RUNS ?? '3');
const builds: [string, string][] = [['this build', path.resolve('dist/src/cli/main.js')]];
if (process.env.BENCH_BASELINE_CLI) builds.unshift(['baseline', path.resolve(process.env.BENCH_BASELINE_CLI)]);

/** What a fresh install needs decided while same-release tables are judged as existing (test/django/fresh.test.ts). */
const DECISIONS = [
  'contenttypes.0002_remove_content_type_name: { phase: pre, reason: new database }',
  ...[
    '0002_alter_permission_name_max_length',
    '0003_alter_user_email_max_length',
    '0008_alter_user_username_max_length',
    '0009_alter_user_last_name_max_length',
    '0010_alter_group_name_max_length',
    '0012_alter_user_first_name_max_length',
  ].map((m) => `auth.${m}: { allow: [{ rule: alter-column-type, reason: new database }] }`),
  'sites.0002_alter_domain_unique: { allow: [{ rule: add-unique-constraint, reason: new database }, { rule: create-index-blocking, reason: new database }] }',
  'blog.0002_post_slug: { allow: [{ rule: create-index-blocking, reason: new database }] }',
];

interface Measured {
  exit: number | null;
  ms: number;
  processes: number;
}

async function withDatabase<T>(fn: (url: string) => T): Promise<T> {
  const name = `bench_django_${process.pid}`;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(SERVER);
    url.pathname = `/${name}`;
    return fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

function measure(cli: string, command: string[], url: string, decisions: boolean): Measured {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deployctl-bench-django-'));
  const calls = path.join(dir, 'python-starts.txt');
  writeFileSync(calls, '');
  writeFileSync(
    path.join(dir, 'python'),
    `#!/bin/sh\necho "$2" >> ${JSON.stringify(calls)}\nexec ${JSON.stringify(PYTHON)} "$@"\n`,
    { mode: 0o755 },
  );
  const config = [
    'database:',
    `  url: ${url}`,
    'migrations:',
    '  - app: web',
    '    type: django',
    `    manage: ${MANAGE}`,
    `    python: ${path.join(dir, 'python')}`,
    '    settings: mysite.settings_fresh',
    ...(decisions ? ['    decisions:', ...DECISIONS.map((d) => `      ${d}`)] : []),
    'rollout:',
    '  driver: command',
    "  deploy: 'true'",
    "  current: 'true'",
  ].join('\n');
  writeFileSync(path.join(dir, 'deployctl.yaml'), `${config}\n`);
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, ...command, '--config', path.join(dir, 'deployctl.yaml')], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const processes = readFileSync(calls, 'utf8').split('\n').filter(Boolean).length;
  return { exit: r.status, ms, processes };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: string[] = [];
const results = new Map<string, Measured[]>();
const record = (key: string, m: Measured): void => {
  results.set(key, [...(results.get(key) ?? []), m]);
};

for (let run = 0; run < RUNS; run++) {
  for (const [label, cli] of builds) {
    // A baseline build may not know `decisions:`; it gets the plain config.
    const decisions = label === 'this build';
    record(`${label}|plan`, await withDatabase((url) => measure(cli, ['plan', '--json'], url, decisions)));
    record(
      `${label}|release`,
      await withDatabase((url) => measure(cli, ['release', '--artifact', 'v1'], url, decisions)),
    );
  }
}
for (const [key, ms] of results) {
  const [label, command] = key.split('|');
  rows.push(
    `| ${label} | ${command} | ${Math.round(median(ms.map((m) => m.ms)))} ms | ${median(ms.map((m) => m.processes))} | ${[...new Set(ms.map((m) => m.exit))].join(', ')} |`,
  );
}
console.log(`Fresh install of examples/django (mysite.settings_fresh), median of ${RUNS} runs:\n`);
console.log('| build | command | wall time | Python processes | exit |');
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
