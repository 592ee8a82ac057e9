/**
 * `deployctl demo`: seed the shop once, then run each requested mode (deployctl, naive, or both
 * for --compare) on its own copy of the same seeded database (CREATE DATABASE … TEMPLATE), so
 * the modes differ only in how they release. Everything started — the embedded server, the
 * databases, the app versions — is stopped and removed before this returns, also when the run
 * is interrupted (the signal) or fails.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../ports.js';
import { connect } from '../adapters/postgres/connect.js';
import { DeployctlError } from '../errors.js';
import type { DemoEmit } from './events.js';
import type { DemoMode, RunReport } from './measure.js';
import { runMode } from './run.js';
import { seedShop } from './seed.js';
import { openServer } from './server.js';

export interface DemoOptions {
  modes: DemoMode[];
  rows: number;
  rps: number;
  /** Steady load before each release (the baseline window). */
  baselineMs: number;
  /** Release with the example's `throttle:` section (false: without it). */
  throttle: boolean;
  /** A server to create the demo's databases on; an embedded one is started when undefined. */
  databaseUrl?: string;
  /** Folder holding server.js, schema.sql, migrations/ and deployctl.yaml; the bundled shop by default. */
  exampleDir?: string;
}

export interface DemoDeps {
  clock: Clock;
  /** The demo's timer (epochNow in stats.ts), for latencies and stage windows. */
  now(): number;
  signal: AbortSignal;
  emit: DemoEmit;
}

export interface DemoReport {
  runs: RunReport[];
  seed: { rows: number; ms: number };
  server: 'embedded' | 'database-url';
  server_version: string;
}

export async function demoCommand(options: DemoOptions, deps: DemoDeps): Promise<DemoReport> {
  const exampleDir = options.exampleDir ?? shopExampleDir();
  const info = (message: string): void => deps.emit({ type: 'info', message });
  try {
    const server = await openServer(options.databaseUrl, info);
    try {
      const template = `${server.prefix}_seed`;
      await server.create(template);
      const seedStart = deps.now();
      info(`seeding ${options.rows.toLocaleString('en-US')} orders`);
      const db = await connect(server.url(template), 'deployctl demo seed');
      let serverVersion = '';
      try {
        serverVersion = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
        await seedShop(db, {
          rows: options.rows,
          exampleDir,
          progress: (done) =>
            info(`seeded ${done.toLocaleString('en-US')} / ${options.rows.toLocaleString('en-US')} orders`),
        });
      } finally {
        await db.end().catch(() => undefined);
      }
      const seed = { rows: options.rows, ms: Math.round(deps.now() - seedStart) };
      const runs: RunReport[] = [];
      for (const mode of options.modes) {
        deps.signal.throwIfAborted();
        runs.push(
          await runMode(
            {
              mode,
              rows: options.rows,
              rps: options.rps,
              baselineMs: options.baselineMs,
              throttle: options.throttle,
              template,
              exampleDir,
            },
            { ...deps, server },
          ),
        );
      }
      return { runs, seed, server: server.embedded ? 'embedded' : 'database-url', server_version: serverVersion };
    } finally {
      await server.close();
    }
  } catch (e) {
    if (deps.signal.aborted && !(e instanceof DeployctlError && e.code !== 'INTERRUPTED')) {
      throw new DeployctlError(
        'INTERRUPTED',
        'demo interrupted; the app versions were stopped and the demo databases removed',
        { cause: e },
      );
    }
    throw e;
  }
}

/** examples/shop in the package, found from this file (src/demo or dist/src/demo). */
export function shopExampleDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'examples', 'shop');
    if (existsSync(path.join(candidate, 'deployctl.yaml'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new DeployctlError('INTERNAL', 'examples/shop is missing from the deployctl package');
}
