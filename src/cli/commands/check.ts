import { checkCommand } from '../../engine/check.js';
import { renderCheck, type CheckFormat } from '../render/check.js';
import { DeployctlError } from '../../errors.js';
import { EXIT } from '../exit.js';
import { configFrom, parse, scrub, SOURCE_OPTIONS, type CliContext } from '../context.js';
import { styleFor } from '../style.js';

export const CHECK_USAGE =
  'usage: deployctl check [--format human|github|json] [--json] [--dir <path>]... [--config <file>] [--database-url <url>]';

const FORMATS: CheckFormat[] = ['human', 'github', 'json'];

export async function checkCli(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, { ...SOURCE_OPTIONS, format: { type: 'string' } }, CHECK_USAGE);
  if (values.help) {
    ctx.io.stdout.write(`${CHECK_USAGE}\n`);
    return EXIT.ok;
  }
  const format = (values.json ? 'json' : (values.format ?? 'human')) as CheckFormat;
  if (!FORMATS.includes(format))
    throw new DeployctlError(
      'USAGE',
      `--format takes ${FORMATS.join(' | ')}, got '${values.format}'\n\n${CHECK_USAGE}`,
    );
  if (values.json && values.format && values.format !== 'json')
    throw new DeployctlError('USAGE', `--json and --format ${values.format} contradict each other\n\n${CHECK_USAGE}`);
  const config = await configFrom(ctx, values);
  const report = await checkCommand(config, ctx.io.cwd);
  ctx.io.stdout.write(`${scrub(ctx)(renderCheck(report, format, styleFor(ctx.io.stdout, ctx.io.env)))}\n`);
  return report.ok ? EXIT.ok : EXIT.failed;
}
