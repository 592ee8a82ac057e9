/**
 * Where the demo's databases live: an embedded PostgreSQL in a temporary folder (nothing to
 * install), or the server behind --database-url / DATABASE_URL, on which the demo only creates
 * and drops databases of its own (`deployctl_demo_<random>_…`).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { unreachable } from '../adapters/postgres/connect.js';
import { withDatabase } from '../adapters/postgres/url.js';
import { startEmbeddedPostgres } from '../adapters/postgres/embedded.js';
import { readableIdent } from '../core/sql/identifiers.js';

export interface DemoServer {
  /** A database on the server to run CREATE / DROP DATABASE from. */
  adminUrl: string;
  embedded: boolean;
  /** A name prefix unique to this run. */
  prefix: string;
  /** URL of one of this run's databases. */
  url(database: string): string;
  /** Creates a database, as a copy of `template` when given. */
  create(database: string, template?: string): Promise<void>;
  drop(database: string): Promise<void>;
  /** Drops what is left of this run's databases, then stops the embedded server and removes its folder. */
  close(): Promise<void>;
}

export async function openServer(databaseUrl: string | undefined, log: (line: string) => void): Promise<DemoServer> {
  const embedded = databaseUrl ? undefined : await startEmbeddedPostgres();
  if (embedded) log(`started an embedded PostgreSQL on 127.0.0.1:${embedded.port} in ${embedded.folder}`);
  const adminUrl = databaseUrl ?? embedded!.url;
  const created = new Set<string>();
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: adminUrl, application_name: 'deployctl demo' });
    c.on('error', () => undefined);
    try {
      await c.connect();
    } catch (e) {
      await c.end().catch(() => undefined);
      throw unreachable(adminUrl, e);
    }
    try {
      return await fn(c);
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  const server: DemoServer = {
    adminUrl,
    embedded: embedded !== undefined,
    prefix: `deployctl_demo_${randomBytes(4).toString('hex')}`,
    url: (database) => withDatabase(adminUrl, database),
    create: (database, template) =>
      admin(async (c) => {
        created.add(database);
        await c.query(
          `CREATE DATABASE ${readableIdent(database)}${template ? ` TEMPLATE ${readableIdent(template)}` : ''}`,
        );
      }),
    drop: (database) =>
      admin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${readableIdent(database)} WITH (FORCE)`);
        created.delete(database);
      }),
    close: async () => {
      try {
        for (const database of [...created]) await server.drop(database).catch(() => undefined);
      } finally {
        await embedded?.stop();
      }
    },
  };
  return server;
}
