/**
 * One mode of the demo, start to end, on its own copy of the seeded database: start version 1
 * behind the in-process local driver, drive load and watch lock waits, measure a steady-state
 * baseline, release version 2 (deployctl or naive), keep the load on for a short tail, then stop
 * everything and check the end state. Whatever happens, the app processes are stopped and the
 * run's database dropped before this returns.
 */
import path from 'node:path';
import type { Clock } from '../ports.js';
import { readSources } from '../engine/snapshot.js';
import { loadConfig, type Config } from '../config/config.js';
import { connect } from '../adapters/postgres/connect.js';
import { type Db } from '../ports.js';
import { appSpec } from '../adapters/drivers/local/config.js';
import { type LocalDriverConfig } from '../config/rollout.js';
import { DeployctlError } from '../errors.js';
import { readableIdent } from '../core/sql/identifiers.js';
import { deployctlRelease } from './release-deployctl.js';
import { naiveRelease } from './release-naive.js';
import { StageRecorder, type DemoEmit, type StageWindow } from './events.js';
import { startLoadThread, type LoadThread } from './load-thread.js';
import { measure, type DemoMode, type RunChecks, type RunReport } from './measure.js';
import { LockMonitor } from './monitor.js';
import type { DemoServer } from './server.js';
import { ThreadSupervisor } from './supervisor-thread.js';

/** Excluded from the baseline: the app's pool and the generator's sockets open here. */
export const WARMUP_MS = 1000;
/** Load kept on after the release, to show the new version serving. */
export const TAIL_MS = 2000;
/** The load generator gives up on its own after the baseline plus this much. */
const RELEASE_BUDGET_MS = 15 * 60 * 1000;
const PROGRESS_INTERVAL_MS = 500;
const STOP_GRACE_MS = 5000;
/** The shop's backends call themselves `shop v1` / `shop v2`. */
const APP_NAME_PREFIX = 'shop ';

export interface RunOptions {
  mode: DemoMode;
  rows: number;
  rps: number;
  /** Steady load before the release: the baseline. */
  baselineMs: number;
  /** Release with the example's `throttle:` section (false: without it). */
  throttle: boolean;
  /** The seeded database this run copies. */
  template: string;
  exampleDir: string;
}

export interface RunDeps {
  server: DemoServer;
  clock: Clock;
  /** The demo's timer (epochNow in stats.ts), for latencies and stage windows. */
  now(): number;
  signal: AbortSignal;
  emit: DemoEmit;
}

export async function runMode(options: RunOptions, deps: RunDeps): Promise<RunReport> {
  const { server, clock, now, signal } = deps;
  const database = `${server.prefix}_${options.mode}`;
  await server.create(database, options.template);
  const url = server.url(database);
  const recorder = new StageRecorder(now, deps.emit);
  const rolloutLog =
    (stage: string) =>
    (line: string): void =>
      deps.emit({ type: 'rollout', stage, line });
  let supervisor: ThreadSupervisor | undefined;
  let monitorDb: Db | undefined;
  let load: LoadThread | undefined;
  let monitor: LockMonitor | undefined;
  const ticker = new AbortController();
  try {
    const config = await demoConfig(options.exampleDir, url);
    const local = config.rollout as LocalDriverConfig & { driver: 'local' };
    // The app versions get their database through the environment they inherit from the supervisor.
    supervisor = new ThreadSupervisor(
      {
        port: 0,
        spec: appSpec(local, config.baseDir),
        drainTimeoutMs: local.drainTimeoutMs,
        stopGraceMs: STOP_GRACE_MS,
      },
      { ...process.env, SHOP_DATABASE_URL: url },
    );
    const port = await supervisor.listen();
    const releaseConfig: Config = await demoConfig(options.exampleDir, url, port);
    if (!options.throttle) delete releaseConfig.throttle;
    // Read the migrations now: the parser's one-time WebAssembly compile then happens before the
    // baseline. deployctl normally runs on a CI runner, not on the app's host; here the two share
    // one machine, and that compile would otherwise compete with the app for CPU mid-release.
    const migrationFiles = (await readSources(releaseConfig)).reduce((n, s) => n + s.files.length, 0);
    deps.emit({ type: 'info', message: `${options.mode}: starting shop v1 on 127.0.0.1:${port}` });
    await supervisor.deploy('v1', { log: rolloutLog('start') });
    const appProcesses = versions(await supervisor.state());

    monitorDb = await connect(url, 'deployctl demo monitor');
    // Flush what copying the seeded database left dirty, so that writing it out does not land in
    // this run's baseline or release (and each mode starts from the same state). Needs superuser
    // or pg_checkpoint; without it the run goes on.
    await monitorDb.query('CHECKPOINT').catch(() => undefined);
    monitor = new LockMonitor(APP_NAME_PREFIX, { db: monitorDb, now, sleep: (ms) => clock.sleep(ms) });
    monitor.start();
    load = startLoadThread({
      port,
      rps: options.rps,
      rows: options.rows,
      maxDurationMs: WARMUP_MS + options.baselineMs + RELEASE_BUDGET_MS + TAIL_MS,
    });
    void progress(options.mode, load, recorder, deps, ticker.signal);

    const warmup = await window(recorder, 'warm-up', WARMUP_MS, deps);
    const baseline = await window(recorder, 'baseline', options.baselineMs, deps);
    const outcome =
      options.mode === 'deployctl'
        ? await deployctlRelease(releaseConfig, 'v2', { supervisor, clock, now, signal, recorder })
        : await naiveRelease(releaseConfig, 'v2', { supervisor, now, recorder, signal });
    appProcesses.push(...versions(await supervisor.state()));
    const after = await window(recorder, 'after', TAIL_MS, deps);

    const samples = await load.stop();
    const { waits } = await monitor.stop();
    const releaseStages = recorder.windows.filter(
      (w) => w.startMs >= outcome.window.startMs && w.endMs <= outcome.window.endMs,
    );
    return measure({
      mode: options.mode,
      rps: options.rps,
      rows: options.rows,
      samples,
      warmup,
      baseline,
      releaseStages,
      statements: recorder.statements,
      throttled: options.mode === 'deployctl' && releaseConfig.throttle !== undefined,
      throttleTotals: recorder.throttle,
      release: outcome.window,
      after,
      waits,
      releaseStatus: 'summary' in outcome ? outcome.summary.status : 'done',
      overheadMs: 'overheadMs' in outcome ? outcome.overheadMs : null,
      lockTimeoutMs: options.mode === 'deployctl' ? releaseConfig.lockTimeoutMs : null,
      checks: await endChecks(monitorDb, releaseConfig.schema, migrationFiles),
      appProcesses,
    });
  } finally {
    // Each step on its own: one failing (e.g. the server already gone) must not skip the rest.
    ticker.abort();
    await load?.stop().catch(() => undefined);
    await monitor?.stop();
    await monitorDb?.end().catch(() => undefined);
    await supervisor?.stop().catch(() => undefined);
    await server.drop(database).catch(() => undefined);
  }
}

/** examples/shop/deployctl.yaml with this run's database and (once known) public port filled in. */
async function demoConfig(exampleDir: string, url: string, port = 0): Promise<Config> {
  const config = await loadConfig({
    file: path.join(exampleDir, 'deployctl.yaml'),
    env: { ...process.env, SHOP_DATABASE_URL: url, SHOP_PORT: String(port) },
  });
  if (config.rollout?.driver !== 'local') {
    throw new DeployctlError(
      'CONFIG_INVALID',
      `${path.join(exampleDir, 'deployctl.yaml')}: the demo needs rollout.driver: local`,
      { key: 'rollout.driver' },
    );
  }
  if (port) config.rollout = { ...config.rollout, port };
  return config;
}

/** A stage of the demo that is only load: waits `ms` (interruptible) and returns its window. */
async function window(recorder: StageRecorder, name: string, ms: number, deps: RunDeps): Promise<StageWindow> {
  await recorder.stage(name, () => deps.clock.sleep(ms, deps.signal));
  return recorder.windows[recorder.windows.length - 1]!;
}

async function progress(
  mode: string,
  load: LoadThread,
  recorder: StageRecorder,
  deps: RunDeps,
  stop: AbortSignal,
): Promise<void> {
  while (!stop.aborted) {
    deps.emit({ type: 'load', mode, stage: recorder.current, progress: load.progress() });
    await deps.clock.sleep(PROGRESS_INTERVAL_MS, stop).catch(() => undefined);
  }
}

async function endChecks(db: Db, schema: string, migrationFiles: number): Promise<RunChecks> {
  const column = await db.query(
    "SELECT 1 FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'legacy_code'",
  );
  const table = `${readableIdent(schema)}.migration`;
  const hasLedger = (await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table])).rows[0]?.t;
  const recorded = hasLedger
    ? (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n
    : 0;
  return { legacy_code_dropped: column.rowCount === 0, migration_files: migrationFiles, migrations_recorded: recorded };
}

function versions(state: { versions: { artifact: string; pid?: number }[] }): { artifact: string; pid: number }[] {
  return state.versions.filter((v) => v.pid !== undefined).map((v) => ({ artifact: v.artifact, pid: v.pid! }));
}
