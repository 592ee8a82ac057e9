import { manifestStatus, writeManifest } from '../../engine/manifest.js';
import { EXIT } from '../exit.js';
import { configFrom, scrub, type CliContext } from '../context.js';
import type { MANIFEST_OPTIONS, Values } from '../spec.js';

export async function manifestCli(values: Values<typeof MANIFEST_OPTIONS>, ctx: CliContext): Promise<number> {
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
