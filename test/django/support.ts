/**
 * The example Django project (examples/django) against a test database: a deployctl.yaml in a
 * temporary folder whose `command` driver records the shop_product columns it sees at rollout
 * time, and manage.py for setting up "what the previous release applied".
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { testTmp, type TestDatabase } from '../support/db.js';

export const MANAGE = path.resolve('examples/django/manage.py');

/**
 * The interpreter with Django and psycopg2, found by the global setup (test/support/global-setup.js);
 * empty when there is none, and then the Django tests are skipped (the setup said why, once).
 */
export const DJANGO_PYTHON = process.env.DEPLOYCTL_TEST_PYTHON ?? '';

/** `describe` when Django is available, else a skipped block. */
export const describeWithDjango: typeof describe = DJANGO_PYTHON ? describe : describe.skip;

export function djangoPython(): string {
  if (!DJANGO_PYTHON) throw new Error('no Python with Django (see the line printed at the start of the test run)');
  return DJANGO_PYTHON;
}

/** Runs manage.py directly, as the team did before deployctl; throws with Django's output on failure. */
export function manage(db: TestDatabase, args: string[], settings = 'mysite.settings', manageFile = MANAGE): string {
  const r = spawnSync(djangoPython(), [manageFile, ...args], {
    cwd: path.dirname(manageFile),
    env: { ...process.env, DATABASE_URL: db.url, DJANGO_SETTINGS_MODULE: settings },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`manage.py ${args.join(' ')} failed:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** A copy of the example project for a test to change; returns the copy's manage.py. */
export async function exampleCopy(): Promise<string> {
  const root = await mkdtemp(path.join(testTmp(), 'deployctl-django-copy-'));
  await cp(path.dirname(MANAGE), root, { recursive: true, filter: (src) => !src.includes('__pycache__') });
  return path.join(root, 'manage.py');
}

export interface DjangoProject {
  root: string;
  config: string;
  /** shop_product's columns as the deploy command saw them, or undefined when no rollout ran. */
  columnsAtRollout(): Promise<string[] | undefined>;
  /** The manage.py subcommands deployctl ran through the source's interpreter, in order (`shell plan`, `shell apply`, `migrate`). */
  manageCalls(): Promise<string[]>;
}

export async function djangoProject(
  db: TestDatabase,
  opts: {
    settings?: string;
    lockTimeoutMs?: number;
    decisions?: string[];
    /** Another project's manage.py (a copy of the example changed by the test). */
    manage?: string;
    /** The health check's SQL probe (default: a count over shop_product). */
    healthSql?: string;
  } = {},
): Promise<DjangoProject> {
  const root = await mkdtemp(path.join(testTmp(), 'deployctl-django-'));
  const python = djangoPython();
  // The source's interpreter logs each manage.py subcommand (for `shell`, which of deployctl's
  // helpers it runs: `shell plan`, `shell apply`), then runs the real one.
  const logged = path.join(root, 'python-logged');
  await writeFile(
    logged,
    [
      '#!/bin/sh',
      'case "$4" in *apply_helper*) helper=" apply" ;; *plan_helper*) helper=" plan" ;; *) helper="" ;; esac',
      `echo "$2$helper" >> ${JSON.stringify(path.join(root, 'manage-calls.txt'))}`,
      `exec ${JSON.stringify(python)} "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  await writeFile(
    path.join(root, 'columns.py'),
    [
      'import psycopg2, sys',
      `with psycopg2.connect(${JSON.stringify(db.url)}) as c, c.cursor() as cur:`,
      '    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = \'shop_product\' ORDER BY 1")',
      "    print(' '.join(r[0] for r in cur.fetchall()))",
    ].join('\n'),
  );
  const config = [
    'database:',
    `  url: ${db.url}`,
    'migrations:',
    '  - app: web',
    '    type: django',
    `    manage: ${opts.manage ?? MANAGE}`,
    `    python: ${logged}`,
    ...(opts.settings ? [`    settings: ${opts.settings}`] : []),
    // deployctl.yaml decisions of the source, one YAML line each, indented under `decisions:`.
    ...(opts.decisions ? ['    decisions:', ...opts.decisions.map((l) => `      ${l}`)] : []),
    `lockTimeoutMs: ${opts.lockTimeoutMs ?? 2000}`,
    'retry: { attempts: 20, minDelayMs: 50, maxDelayMs: 200 }',
    'rollout:',
    '  driver: command',
    `  deploy: '${python} columns.py > rollout-columns.txt && echo "$DEPLOYCTL_ARTIFACT" > state.txt'`,
    "  current: 'cat state.txt 2>/dev/null || true'",
    'health:',
    '  checks:',
    `    - sql: ${opts.healthSql ?? 'select count(*) >= 0 from shop_product'}`,
    '  consecutive: 1',
    '  intervalMs: 50',
    '  deadlineMs: 5000',
    '  bakeMs: 0',
  ].join('\n');
  await writeFile(path.join(root, 'deployctl.yaml'), `${config}\n`);
  return {
    root,
    config: path.join(root, 'deployctl.yaml'),
    columnsAtRollout: async () => {
      const text = await readFile(path.join(root, 'rollout-columns.txt'), 'utf8').catch(() => undefined);
      return text?.trim().split(' ');
    },
    manageCalls: async () => {
      const text = await readFile(path.join(root, 'manage-calls.txt'), 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean);
    },
  };
}
