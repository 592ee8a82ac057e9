import { DeployctlError } from '../../errors.js';
import { rollbackCommand } from '../../engine/release/rollback.js';
import { EXIT } from '../exit.js';
import { configFrom, reporterFor, type CliContext } from '../context.js';
import type { ROLLBACK_OPTIONS, Values } from '../spec.js';
import { lockWait, wire } from './release.js';

export async function rollbackCli(values: Values<typeof ROLLBACK_OPTIONS>, ctx: CliContext): Promise<number> {
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
      reporter.summary(
        `rolled back ${r.from} → ${r.to} (release ${r.releaseId}); health: ${r.health}${r.downs.length ? `; undid ${r.downs.join(', ')}` : ''}`,
      );
    return EXIT.ok;
  } finally {
    reporter.close();
    await wiring.close();
  }
}
