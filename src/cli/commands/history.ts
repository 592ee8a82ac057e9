import { historyCommand } from '../../engine/history.js';
import { EXIT } from '../exit.js';
import { configFrom, scrub, type CliContext } from '../context.js';
import type { HISTORY_OPTIONS, Values } from '../spec.js';

export async function historyCli(values: Values<typeof HISTORY_OPTIONS>, ctx: CliContext): Promise<number> {
  const config = await configFrom(ctx, values);
  const entries = await historyCommand(config, values.limit ? Number(values.limit) : 20);
  if (values.json) {
    ctx.io.stdout.write(`${scrub(ctx)(JSON.stringify(entries, null, 2))}\n`);
    return EXIT.ok;
  }
  if (entries.length === 0) ctx.io.stdout.write('no releases yet\n');
  for (const e of entries) {
    const took = e.finishedAt ? ` in ${((e.finishedAt.getTime() - e.startedAt.getTime()) / 1000).toFixed(1)}s` : '';
    ctx.io.stdout.write(
      `#${e.id} ${e.previousArtifact ?? '(nothing)'} → ${e.artifact}  ${e.status}${took}  ${e.startedAt.toISOString()}${e.rolledBackBy ? `  (rolled back by #${e.rolledBackBy})` : ''}\n`,
    );
    for (const s of e.stages)
      ctx.io.stdout.write(
        `    ${s.ok ? '✔' : '✖'} ${s.stage} ${s.ms === null ? '' : `${(s.ms / 1000).toFixed(1)}s`}\n`,
      );
    for (const m of e.migrations) ctx.io.stdout.write(`    ${m.phase} ${m.app}/${m.id}\n`);
    if (e.error) ctx.io.stdout.write(`    error: ${scrub(ctx)(e.error)}\n`);
  }
  return EXIT.ok;
}
