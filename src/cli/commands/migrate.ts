import { migrateCommand } from '../../engine/migrate/migrate.js';
import { DeployctlError } from '../../errors.js';
import { EXIT } from '../exit.js';
import { configFrom, reporterFor, type CliContext } from '../context.js';
import type { MIGRATE_OPTIONS, Values } from '../spec.js';

export async function migrateCli(values: Values<typeof MIGRATE_OPTIONS>, ctx: CliContext): Promise<number> {
  if (values.phase !== 'pre' && values.phase !== 'post')
    throw new DeployctlError('USAGE', `--phase must be pre or post`);
  const lockWaitMs = values['lock-wait'] === undefined ? 0 : Number(values['lock-wait']);
  if (!Number.isInteger(lockWaitMs) || lockWaitMs < 0)
    throw new DeployctlError('USAGE', `--lock-wait takes milliseconds, e.g. --lock-wait 30000`);
  if (values.force !== undefined && !values.force.trim())
    throw new DeployctlError('USAGE', `--force takes the reason, e.g. --force 'v2 serves alone since 12:00'`);
  const config = await configFrom(ctx, values);
  const { reporter } = reporterFor(ctx, values.json ?? false);
  try {
    const result = await migrateCommand(
      config,
      { phase: values.phase, dryRun: values['dry-run'], lockWaitMs, force: values.force },
      { clock: ctx.clock, emit: reporter.emit, signal: ctx.signal },
    );
    if (values['dry-run']) {
      reporter.summary(
        result.selected.length
          ? `would apply (${values.phase}): ${result.selected.join(', ')}`
          : `nothing to apply in phase ${values.phase}`,
      );
      if (values.json)
        ctx.io.stdout.write(`${JSON.stringify({ dryRun: true, phase: values.phase, migrations: result.selected })}\n`);
    } else {
      reporter.summary(
        result.applied.length
          ? `applied ${result.applied.length} migration(s) in phase ${values.phase}`
          : `nothing to apply in phase ${values.phase}`,
      );
    }
    return EXIT.ok;
  } finally {
    reporter.close();
  }
}
