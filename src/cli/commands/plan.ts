import { planCommand } from '../../engine/plan.js';
import { checkArtifact } from '../../core/artifact.js';
import { planToJson } from '../../core/plan/json.js';
import { requireResolved } from '../../config/config.js';
import { renderPlan } from '../render/plan.js';
import { renderPlanMarkdown } from '../render/plan-markdown.js';
import { EXIT } from '../exit.js';
import { DeployctlError } from '../../errors.js';
import { configFrom, scrub, type CliContext } from '../context.js';
import type { PLAN_OPTIONS, Values } from '../spec.js';
import { styleFor } from '../style.js';

const FORMATS = ['human', 'json', 'markdown'] as const;
type PlanFormat = (typeof FORMATS)[number];

export async function planCli(values: Values<typeof PLAN_OPTIONS>, ctx: CliContext): Promise<number> {
  const format = formatFlag(values);
  if (values.rollout !== undefined) checkArtifact(values.rollout, '--rollout');
  const config = await configFrom(ctx, values, { pgVersion: pgVersionFlag(values['pg-version']) });
  const { plan, warnings } = await planCommand(config);
  for (const message of warnings) ctx.io.stderr.write(`${scrub(ctx)(`warning: ${message}`)}\n`);
  // Loaded only when asked for: the pulumi driver brings the Pulumi SDK.
  if (values.rollout) requireResolved(config, ['rollout']);
  const rollout = values.rollout
    ? await (await import('../../engine/rollout-preview.js')).previewRollout(config, values.rollout)
    : undefined;
  const text =
    format === 'json'
      ? JSON.stringify({ ...planToJson(plan), ...(rollout ? { rollout } : {}) }, null, 2)
      : format === 'markdown'
        ? renderPlanMarkdown(plan) +
          (rollout ? `\n\n**Rollout (${rollout.driver}) of \`${rollout.artifact}\`:** ${rollout.steps.join('; ')}` : '')
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
      `--pg-version takes a PostgreSQL major version, 10 or later (e.g. --pg-version 15), got '${value}'`,
    );
  return major;
}

function formatFlag(values: Values<typeof PLAN_OPTIONS>): PlanFormat {
  const format = values.format ?? (values.json ? 'json' : 'human');
  if (!(FORMATS as readonly string[]).includes(format))
    throw new DeployctlError('USAGE', `--format takes ${FORMATS.join(' | ')}, got '${format}'`);
  if (values.json && format !== 'json')
    throw new DeployctlError('USAGE', `--json and --format ${format} contradict each other`);
  return format as PlanFormat;
}
