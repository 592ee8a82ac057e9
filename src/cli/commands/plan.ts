import { planCommand } from '../../engine/plan.js';
import { checkArtifact } from '../../core/artifact.js';
import { planToJson } from '../../core/plan/json.js';
import { renderPlan } from '../render/plan.js';
import { EXIT } from '../exit.js';
import { DeployctlError } from '../../errors.js';
import { configFrom, parse, scrub, SOURCE_OPTIONS, type CliContext } from '../context.js';
import { styleFor } from '../style.js';

export const PLAN_USAGE =
  'usage: deployctl plan [--dir <path>]... [--config <file>] [--database-url <url>] [--pg-version <major>] [--rollout <artifact>] [--json]';

export async function planCli(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(
    args,
    { ...SOURCE_OPTIONS, rollout: { type: 'string' }, 'pg-version': { type: 'string' } },
    PLAN_USAGE,
  );
  if (values.help) {
    ctx.io.stdout.write(`${PLAN_USAGE}\n`);
    return EXIT.ok;
  }
  if (values.rollout !== undefined) checkArtifact(values.rollout, '--rollout');
  const config = await configFrom(ctx, values, { pgVersion: pgVersionFlag(values['pg-version']) });
  const { plan } = await planCommand(config);
  // Loaded only when asked for: the pulumi driver brings the Pulumi SDK.
  const rollout = values.rollout
    ? await (await import('../../engine/rollout-preview.js')).previewRollout(config, values.rollout)
    : undefined;
  const text = values.json
    ? JSON.stringify({ ...planToJson(plan), ...(rollout ? { rollout } : {}) }, null, 2)
    : renderPlan(plan, styleFor(ctx.io.stdout, ctx.io.env)) +
      (rollout
        ? `\n\nRollout (${rollout.driver}) of ${rollout.artifact}:\n${[...rollout.steps, ...Object.entries(rollout.changes ?? {}).map(([op, n]) => `${op}: ${n} resource(s)`)].map((l) => `  ${l}`).join('\n')}`
        : '');
  ctx.io.stdout.write(`${scrub(ctx)(text)}\n`);
  return plan.ok ? EXIT.ok : EXIT.failed;
}

/** `--pg-version 15`: a PostgreSQL major version (10 or later), for a plan without a database. */
function pgVersionFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const major = Number(value);
  if (!/^[0-9]+$/.test(value) || major < 10)
    throw new DeployctlError(
      'USAGE',
      `--pg-version takes a PostgreSQL major version, 10 or later (e.g. --pg-version 15), got '${value}'\n\n${PLAN_USAGE}`,
    );
  return major;
}
