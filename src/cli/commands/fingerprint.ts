import { fingerprintCommand } from '../../engine/fingerprint.js';
import { EXIT } from '../exit.js';
import { configFrom, scrub, type CliContext } from '../context.js';
import type { FINGERPRINT_OPTIONS, Values } from '../spec.js';

export async function fingerprintCli(values: Values<typeof FINGERPRINT_OPTIONS>, ctx: CliContext): Promise<number> {
  const config = await configFrom(ctx, values);
  const fp = await fingerprintCommand(config, { table: values.table });
  let text: string;
  if (values.json) text = JSON.stringify({ version: 1, ...fp }, null, 2);
  // One table: the bare hash, for `KEY=$(deployctl fingerprint --table users)`.
  else if (values.table) text = Object.values(fp.tables)[0]!;
  else {
    const width = Math.max(6, ...Object.keys(fp.tables).map((t) => t.length));
    text = [
      `${'schema'.padEnd(width)}  ${fp.schema}`,
      ...Object.entries(fp.tables).map(([t, h]) => `${t.padEnd(width)}  ${h}`),
    ].join('\n');
  }
  ctx.io.stdout.write(`${scrub(ctx)(text)}\n`);
  return EXIT.ok;
}
