import { renderTrace, traceToJson } from '../render/trace.js';
import { traceCommand } from '../../engine/trace/command.js';
import { EXIT, exitCodeFor } from '../exit.js';
import { configFrom, scrub, type CliContext } from '../context.js';
import type { TRACE_OPTIONS, Values } from '../spec.js';
import { styleFor } from '../style.js';

export async function traceCli(values: Values<typeof TRACE_OPTIONS>, ctx: CliContext): Promise<number> {
  const config = await configFrom(ctx, values);
  const report = await traceCommand(config, { clock: ctx.clock, signal: ctx.signal });
  const text = values.json
    ? JSON.stringify(traceToJson(report), null, 2)
    : renderTrace(report, styleFor(ctx.io.stdout, ctx.io.env));
  ctx.io.stdout.write(`${scrub(ctx)(text)}\n`);
  return report.ok ? EXIT.ok : exitCodeFor('TRACE_DISAGREES');
}
