import pg from 'pg';
import { createDriver } from '../../adapters/drivers/factory.js';
import { DeployctlError } from '../../errors.js';
import { checkArtifact } from '../../core/artifact.js';
import { buildHealthChecks } from '../../adapters/health/build.js';
import type { HealthCheckConfig } from '../../config/health.js';
import { releaseCommand, type ReleaseDeps, type ReleaseSummary } from '../../engine/release/release.js';
import type { Config } from '../../config/config.js';
import { EXIT } from '../exit.js';
import { configFrom, reporterFor, type CliContext } from '../context.js';
import type { RELEASE_OPTIONS, Values } from '../spec.js';
import type { Reporter } from '../reporter.js';

export async function releaseCli(values: Values<typeof RELEASE_OPTIONS>, ctx: CliContext): Promise<number> {
  if (values.resume && values.abort) throw new DeployctlError('USAGE', `--resume and --abort exclude each other`);
  if (!values.resume && !values.abort && !values.artifact)
    throw new DeployctlError('USAGE', `--artifact <version> is required`);
  if (values.artifact !== undefined) checkArtifact(values.artifact);
  const config = await configFrom(ctx, values);
  const { reporter } = reporterFor(ctx, values.json ?? false);
  const wiring = await wire(config, ctx, reporter);
  try {
    const summary = await releaseCommand(
      config,
      {
        artifact: values.artifact,
        resume: values.resume,
        abort: values.abort,
        deferPost: values['defer-post'],
        lockWaitMs: lockWait(values['lock-wait']),
        acceptDrift: values['accept-drift'],
      },
      wiring.deps,
    );
    if (values.json) ctx.io.stdout.write(`${JSON.stringify({ type: 'summary', ...summary })}\n`);
    else reporter.summary(renderSummary(summary));
    return EXIT.ok;
  } finally {
    reporter.close();
    await wiring.close();
  }
}

export function lockWait(value: string | undefined): number {
  const ms = value === undefined ? 0 : Number(value);
  if (!Number.isInteger(ms) || ms < 0)
    throw new DeployctlError('USAGE', '--lock-wait takes milliseconds, e.g. --lock-wait 30000');
  return ms;
}

/** Real ports for the pipeline: the configured driver and health checks. */
export async function wire(
  config: Config,
  ctx: CliContext,
  reporter: Reporter,
): Promise<{ deps: ReleaseDeps; close(): Promise<void> }> {
  const driver = await createDriver(config.rollout, { clock: ctx.clock, cwd: config.baseDir });
  const needsDb = config.health.checks.some((c) => c.sql !== undefined);
  const pool =
    needsDb && config.databaseUrl
      ? new pg.Pool({ connectionString: config.databaseUrl, max: 2, application_name: 'deployctl health' })
      : undefined;
  pool?.on('error', () => undefined);
  const deps: ReleaseDeps = {
    clock: ctx.clock,
    emit: reporter.emit,
    signal: ctx.signal,
    driver,
    healthChecks: (outputs) =>
      buildHealthChecks(withOutputs(config.health.checks, outputs), {
        db: pool,
        clock: ctx.clock,
        cwd: config.baseDir,
        version: outputs.version,
      }),
  };
  return {
    deps,
    close: async () => {
      await driver.close();
      await pool?.end();
    },
  };
}

/**
 * A rollout that reports a health URL (a Pulumi stack) gets an http check on it when none is
 * configured; when it also reports the version it deployed, the check requires the app to serve it.
 */
function withOutputs(checks: HealthCheckConfig[], outputs: Record<string, string>): HealthCheckConfig[] {
  if (!outputs.healthUrl || checks.some((c) => c.http)) return checks;
  return [...checks, { http: { url: outputs.healthUrl, expectVersion: outputs.version !== undefined } }];
}

function renderSummary(s: ReleaseSummary): string {
  const lines = [
    `release ${s.releaseId}: ${s.previousArtifact ?? '(nothing)'} → ${s.artifact}: ${s.status} in ${(s.totalMs / 1000).toFixed(1)}s`,
  ];
  for (const st of s.stages) lines.push(`  ${st.stage.padEnd(15)} ${(st.ms / 1000).toFixed(1)}s`);
  for (const a of s.applied)
    lines.push(
      `  applied in ${a.stage}: ${a.app}/${a.id} (${a.ms} ms${a.attempts > 1 ? `, ${a.attempts} attempts` : ''})`,
    );
  if (s.rollout)
    lines.push(
      `  rollout: now serving ${s.rollout.artifact}${Object.keys(s.rollout.outputs).length ? ` ${JSON.stringify(s.rollout.outputs)}` : ''}`,
    );
  for (const h of s.health) lines.push(`  health ${h.stage}: ${h.ok ? 'ok' : 'FAILED'} — ${h.summary}`);
  return lines.join('\n');
}
