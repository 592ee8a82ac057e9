/**
 * The throttle's probe reads a failing app as over budget: a refused connection, an error status or
 * a lost database connection counts as the probe's full timeout, however fast it failed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openProbe } from '../../src/adapters/health/probe.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('probe');
});
afterAll(async () => {
  await db.drop();
});

async function serve(status: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => res.writeHead(status).end('x'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/healthz`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

it('an answering HTTP check counts with its own time, an error status with the whole timeout', async () => {
  const ok = await serve(200);
  const failing = await serve(500);
  try {
    const good = await openProbe({ http: ok.url, timeoutMs: 60_000 }, db.url);
    expect(await good.run()).toBeLessThan(60_000);
    await good.close();
    const bad = await openProbe({ http: failing.url, timeoutMs: 60_000 }, db.url);
    expect(await bad.run()).toBeGreaterThanOrEqual(60_000);
    await bad.close();
  } finally {
    await ok.close();
    await failing.close();
  }
});

it('a refused HTTP connection counts with the whole timeout', async () => {
  const gone = await serve(200);
  await gone.close();
  const probe = await openProbe({ http: gone.url, timeoutMs: 60_000 }, db.url);
  expect(await probe.run()).toBeGreaterThanOrEqual(60_000);
  await probe.close();
});

it('a SQL probe whose connection is terminated counts with the whole timeout', async () => {
  const probe = await openProbe({ sql: 'SELECT 1', timeoutMs: 60_000 }, db.url);
  try {
    expect(await probe.run()).toBeLessThan(60_000);
    await db.sql(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'deployctl throttle probe' AND datname = current_database()",
    );
    expect(await probe.run()).toBeGreaterThanOrEqual(60_000);
  } finally {
    await probe.close();
  }
});
