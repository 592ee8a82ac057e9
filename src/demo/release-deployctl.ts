/**
 * The release as `deployctl release --artifact v2` runs it — the real pipeline (releaseCommand),
 * the real classifier and executor — with the local driver driving the demo's in-process
 * supervisor. Besides the release summary it measures the release's own overhead: its wall
 * time minus the time spent inside migrations, the rollout and health verification (which
 * includes the bake window), i.e. what the orchestration itself costs.
 */
import pg from 'pg';
import type { Clock } from '../ports.js';
import type { Config } from '../config/config.js';
import { LocalDriver } from '../adapters/drivers/local/driver.js';
import type { SupervisorControl } from '../adapters/drivers/local/supervisor.js';
import { DeployctlError } from '../errors.js';
import { buildHealthChecks } from '../adapters/health/build.js';
import type { HealthCheck } from '../ports.js';
import { releaseCommand, type ReleaseSummary } from '../engine/release/release.js';
import type { StageRecorder, StageWindow } from './events.js';

export interface DeployctlReleaseDeps {
  supervisor: SupervisorControl;
  clock: Clock;
  now(): number;
  signal?: AbortSignal;
  recorder: StageRecorder;
}

export interface DeployctlReleaseResult {
  summary: ReleaseSummary;
  window: StageWindow;
  overheadMs: number;
}

export async function deployctlRelease(
  config: Config,
  artifact: string,
  deps: DeployctlReleaseDeps,
): Promise<DeployctlReleaseResult> {
  if (config.rollout?.driver !== 'local')
    throw new DeployctlError(
      'CONFIG_INVALID',
      'the demo releases through the local driver: set rollout.driver: local',
      { key: 'rollout.driver' },
    );
  const driver = new LocalDriver(config.rollout, {
    supervisor: deps.supervisor,
    cwd: config.baseDir,
    clock: deps.clock,
  });
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2, application_name: 'deployctl health' });
  pool.on('error', () => undefined);
  const healthSpans: StageWindow[] = [];
  const timed = (check: HealthCheck): HealthCheck => ({
    name: check.name,
    run: async (signal) => {
      const startMs = deps.now();
      try {
        return await check.run(signal);
      } finally {
        healthSpans.push({ name: check.name, startMs, endMs: deps.now() });
      }
    },
  });
  const startMs = deps.now();
  try {
    const summary = await releaseCommand(
      config,
      { artifact },
      {
        clock: deps.clock,
        emit: deps.recorder.emit,
        signal: deps.signal,
        driver,
        healthChecks: () =>
          buildHealthChecks(config.health.checks, { db: pool, clock: deps.clock, cwd: config.baseDir }).map(timed),
      },
    );
    const window = { name: 'release', startMs, endMs: deps.now() };
    return { summary, window, overheadMs: overhead(window, deps.recorder.windows, summary, healthSpans) };
  } finally {
    await driver.close();
    await pool.end();
  }
}

/**
 * Wall time minus migrations (as the executor timed them), the rollout stage, the verify stages
 * (health checks and bake) and the baseline health check inside preflight.
 */
function overhead(
  release: StageWindow,
  stages: StageWindow[],
  summary: ReleaseSummary,
  healthSpans: StageWindow[],
): number {
  const inside = stages.filter((s) => s.startMs >= release.startMs && s.endMs <= release.endMs);
  const span = (s: StageWindow): number => s.endMs - s.startMs;
  const migrationsMs = summary.applied.reduce((sum, a) => sum + a.ms, 0);
  const rolloutMs = inside.filter((s) => s.name === 'rollout').reduce((sum, s) => sum + span(s), 0);
  const verifyMs = inside.filter((s) => s.name.startsWith('verify:')).reduce((sum, s) => sum + span(s), 0);
  const preflight = inside.find((s) => s.name === 'preflight');
  const preflightChecks = preflight
    ? healthSpans.filter((h) => h.startMs >= preflight.startMs && h.endMs <= preflight.endMs)
    : [];
  const preflightHealthMs = preflightChecks.length
    ? Math.max(...preflightChecks.map((h) => h.endMs)) - Math.min(...preflightChecks.map((h) => h.startMs))
    : 0;
  return Math.max(0, span(release) - migrationsMs - rolloutMs - verifyMs - preflightHealthMs);
}
