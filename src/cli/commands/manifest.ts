import { manifestStatus, writeManifest } from '../../engine/manifest.js';
import { EXIT } from '../exit.js';
import { configFrom, parse, scrub, SOURCE_OPTIONS, type CliContext } from '../context.js';

export const MANIFEST_USAGE = 'usage: deployctl manifest [--check] [--dir <path>]... [--config <file>] [--json]';

export async function manifestCli(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(args, { ...SOURCE_OPTIONS, check: { type: 'boolean' } }, MANIFEST_USAGE);
  if (values.help) {
    ctx.io.stdout.write(`${MANIFEST_USAGE}\n`);
    return EXIT.ok;
  }
  const config = await configFrom(ctx, values);
  const out = (s: string): void => {
    ctx.io.stdout.write(`${scrub(ctx)(s)}\n`);
  };
  if (values.check) {
    const s = await manifestStatus(config, ctx.io.cwd);
    const current = s.differences.length === 0;
    if (values.json) out(JSON.stringify({ version: 1, file: s.shown, current, differences: s.differences }, null, 2));
    else
      out(
        current
          ? `${s.shown} is current`
          : `${s.shown} is out of date:\n${s.differences.map((d) => `  - ${d.message}`).join('\n')}\nRun 'deployctl manifest' and commit the file.`,
      );
    return current ? EXIT.ok : EXIT.failed;
  }
  const w = await writeManifest(config, ctx.io.cwd);
  if (values.json)
    out(JSON.stringify({ version: 1, file: w.shown, changed: w.changed, manifest: w.expected }, null, 2));
  else out(w.changed ? `wrote ${w.shown}:\n${w.expected.trimEnd()}` : `${w.shown} is current`);
  return EXIT.ok;
}
