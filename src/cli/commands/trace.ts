import { renderTrace, traceToJson } from '../render/trace.js';
import { traceCommand } from '../../engine/trace/command.js';
import { EXIT, exitCodeFor } from '../exit.js';
import { configFrom, parse, scrub, SOURCE_OPTIONS, type CliContext } from '../context.js';
import { styleFor } from '../style.js';

export const TRACE_USAGE =
  'usage: deployctl trace [--dir <path>]... [--config <file>] [--database-url <url>] [--json]\n\n' +
  'Runs the pending migrations on a scratch database (schema only, created on the same server and\n' +
  'always dropped) and compares the locks and rewrites PostgreSQL performed with the plan. Exit 1\n' +
  'when any statement disagrees with the plan or fails.';

export async function traceCli(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, SOURCE_OPTIONS, TRACE_USAGE);
  if (values.help) {
    ctx.io.stdout.write(`${TRACE_USAGE}\n`);
    return EXIT.ok;
  }
  const config = await configFrom(ctx, values);
  const report = await traceCommand(config, { clock: ctx.clock, signal: ctx.signal });
  const text = values.json
    ? JSON.stringify(traceToJson(report), null, 2)
    : renderTrace(report, styleFor(ctx.io.stdout, ctx.io.env));
  ctx.io.stdout.write(`${scrub(ctx)(text)}\n`);
  return report.ok ? EXIT.ok : exitCodeFor('TRACE_DISAGREES');
}
