import { planCommand } from '../../engine/plan.js';
import { checkArtifact } from '../../core/artifact.js';
import { planToJson } from '../../core/plan/json.js';
import { renderPlan } from '../render/plan.js';
import { EXIT } from '../exit.js';
import { configFrom, parse, scrub, SOURCE_OPTIONS, type CliContext } from '../context.js';
import { styleFor } from '../style.js';

export const PLAN_USAGE =
  'usage: deployctl plan [--dir <path>]... [--config <file>] [--database-url <url>] [--rollout <artifact>] [--json]';

export async function planCli(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, { ...SOURCE_OPTIONS, rollout: { type: 'string' } }, PLAN_USAGE);
  if (values.help) {
    ctx.io.stdout.write(`${PLAN_USAGE}\n`);
    return EXIT.ok;
  }
  if (values.rollout !== undefined) checkArtifact(values.rollout, '--rollout');
  const config = await configFrom(ctx, values);
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
