import { checkCommand } from '../../engine/check.js';
import { renderCheck, type CheckFormat } from '../render/check.js';
import { DeployctlError } from '../../errors.js';
import { EXIT } from '../exit.js';
import { configFrom, scrub, type CliContext } from '../context.js';
import type { CHECK_OPTIONS, Values } from '../spec.js';
import { styleFor } from '../style.js';

const FORMATS: CheckFormat[] = ['human', 'github', 'json'];

export async function checkCli(values: Values<typeof CHECK_OPTIONS>, ctx: CliContext): Promise<number> {
  const format = (values.json ? 'json' : (values.format ?? 'human')) as CheckFormat;
  if (!FORMATS.includes(format))
    throw new DeployctlError('USAGE', `--format takes ${FORMATS.join(' | ')}, got '${values.format}'`);
  if (values.json && values.format && values.format !== 'json')
    throw new DeployctlError('USAGE', `--json and --format ${values.format} contradict each other`);
  const config = await configFrom(ctx, values);
  const report = await checkCommand(config, ctx.io.cwd, { includeThirdParty: values['include-third-party'] });
  ctx.io.stdout.write(`${scrub(ctx)(renderCheck(report, format, styleFor(ctx.io.stdout, ctx.io.env)))}\n`);
  return report.ok ? EXIT.ok : EXIT.failed;
}
