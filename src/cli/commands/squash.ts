import { squashCommand } from '../../engine/squash.js';
import { DeployctlError } from '../../errors.js';
import { EXIT } from '../exit.js';
import { configFrom, scrub, type CliContext } from '../context.js';
import type { SQUASH_OPTIONS, Values } from '../spec.js';

export async function squashCli(values: Values<typeof SQUASH_OPTIONS>, ctx: CliContext): Promise<number> {
  if (!values.through)
    throw new DeployctlError('USAGE', `squash needs --through <id>: the last migration to fold into the baseline`);
  const config = await configFrom(ctx, values);
  const app = values.app ?? (config.sources.length === 1 ? config.sources[0]!.app : undefined);
  if (!app)
    throw new DeployctlError(
      'USAGE',
      `squash needs --app <app> (configured: ${config.sources.map((s) => s.app).join(', ')})`,
    );
  const r = await squashCommand(config, { app, through: values.through, deleteSquashed: values.delete }, ctx.io.cwd);
  const text = values.json
    ? JSON.stringify({ version: 1, ...r }, null, 2)
    : [
        `wrote ${r.baseline.file} (${r.baseline.statements} statements) replacing ${r.squashed.length} migration${r.squashed.length === 1 ? '' : 's'}: ${r.squashed.join(', ')}`,
        r.movedTo ? `moved them to ${r.movedTo}` : 'deleted them',
        r.recorded
          ? "recorded the baseline as applied in the database's ledger"
          : `not recorded in the database's ledger: ${r.notRecordedBecause}`,
        `schema fingerprint (same from the baseline and from the migrations): ${r.fingerprint}`,
        'Deploy a release with the squashed migrations to every database before one with the baseline: a database that has only some of them cannot use it.',
      ].join('\n');
  ctx.io.stdout.write(`${scrub(ctx)(text)}\n`);
  return EXIT.ok;
}
