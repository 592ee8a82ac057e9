/**
 * Each test gets its own database on the run's server (DATABASE_URL or the embedded one), so
 * tests are isolated and order-independent.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { withDatabase } from '../../src/adapters/postgres/url.js';

export function serverUrl(): string {
  const url = process.env.DEPLOYCTL_TEST_DATABASE_URL;
  if (!url) throw new Error('DEPLOYCTL_TEST_DATABASE_URL is not set: run the tests through jest (global setup)');
  return url;
}

export interface TestDatabase {
  url: string;
  name: string;
  /** Runs SQL on the test database with a fresh connection. */
  sql<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const name = `deployctl_${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(serverUrl(), name);
  return {
    url,
    name,
    async sql(text, params) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query(text, params)).rows;
      } finally {
        await c.end();
      }
    },
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Writes `files` (name → SQL) into a new temporary migrations folder and returns its path. */
export async function migrationsDir(files: Record<string, string>, name = 'migrations'): Promise<string> {
  const root = await mkdtemp(path.join(testTmp(), 'deployctl-test-'));
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [file, sql] of Object.entries(files)) await writeFile(path.join(dir, file), sql);
  return dir;
}

/** The run's scratch root (removed by the global teardown), or the system's temporary folder. */
export function testTmp(): string {
  return process.env.DEPLOYCTL_TEST_TMP ?? os.tmpdir();
}
