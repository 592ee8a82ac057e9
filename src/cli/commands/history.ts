import { historyCommand } from '../../engine/history.js';
import { EXIT } from '../exit.js';
import { configFrom, parse, scrub, type CliContext } from '../context.js';

export const HISTORY_USAGE =
  'usage: deployctl history [--config deployctl.yaml] [--database-url <url>] [--limit <n>] [--json]';

export async function historyCli(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(
    args,
    {
      config: { type: 'string', short: 'c' },
      'database-url': { type: 'string' },
      'ledger-schema': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      limit: { type: 'string' },
    },
    HISTORY_USAGE,
  );
  if (values.help) {
    ctx.io.stdout.write(`${HISTORY_USAGE}\n`);
    return EXIT.ok;
  }
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
