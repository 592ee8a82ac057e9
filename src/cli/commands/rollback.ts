import { DeployctlError } from '../../errors.js';
import { rollbackCommand } from '../../engine/release/rollback.js';
import { EXIT } from '../exit.js';
import { configFrom, parse, reporterFor, type CliContext } from '../context.js';
import { lockWait, wire } from './release.js';

export const ROLLBACK_USAGE =
  'usage: deployctl rollback [--to <release-id>] [--force] [--schema] [--config deployctl.yaml] [--database-url <url>] [--json] [--lock-wait <ms>]';

export async function rollbackCli(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(
    args,
    {
      config: { type: 'string', short: 'c' },
      'database-url': { type: 'string' },
      'ledger-schema': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      to: { type: 'string' },
      force: { type: 'boolean' },
      schema: { type: 'boolean' },
      'lock-wait': { type: 'string' },
    },
    ROLLBACK_USAGE,
  );
  if (values.help) {
    ctx.io.stdout.write(`${ROLLBACK_USAGE}\n`);
    return EXIT.ok;
  }
  const to = values.to === undefined ? undefined : Number(values.to);
  if (to !== undefined && !Number.isInteger(to))
    throw new DeployctlError('USAGE', `--to takes a release id (see 'deployctl history')`);
  const config = await configFrom(ctx, values);
  const { reporter } = reporterFor(ctx, values.json ?? false);
  const wiring = await wire(config, ctx, reporter);
  try {
    const r = await rollbackCommand(
      config,
      { to, force: values.force, schema: values.schema, lockWaitMs: lockWait(values['lock-wait']) },
      wiring.deps,
    );
    if (values.json) ctx.io.stdout.write(`${JSON.stringify({ type: 'summary', ...r })}\n`);
    else
      reporter.line(
        `rolled back ${r.from} → ${r.to} (release ${r.releaseId}); health: ${r.health}${r.downs.length ? `; undid ${r.downs.join(', ')}` : ''}`,
      );
    return EXIT.ok;
  } finally {
    reporter.close();
    await wiring.close();
  }
}
