import { adoptCommand } from '../../engine/adopt.js';
import type { LedgerTool } from '../../adapters/sources/tools/tool.js';
import { DeployctlError } from '../../errors.js';
import { EXIT } from '../exit.js';
import { configFrom, scrub, type CliContext } from '../context.js';
import type { ADOPT_OPTIONS, Values } from '../spec.js';

export async function adoptCli(values: Values<typeof ADOPT_OPTIONS>, ctx: CliContext): Promise<number> {
  const lockWaitMs = values['lock-wait'] === undefined ? 0 : Number(values['lock-wait']);
  if (!Number.isInteger(lockWaitMs) || lockWaitMs < 0)
    throw new DeployctlError('USAGE', `--lock-wait takes milliseconds, e.g. --lock-wait 30000`);
  const config = await configFrom(ctx, values);
  const result = await adoptCommand(
    config,
    {
      from: values.from as LedgerTool | undefined,
      through: values.through,
      app: values.app,
      dryRun: values['dry-run'],
      force: values.force,
      lockWaitMs,
    },
    { clock: ctx.clock },
  );
  const clean = scrub(ctx);
  if (values.json) {
    ctx.io.stdout.write(`${clean(JSON.stringify({ version: 1, ...result }))}\n`);
    return EXIT.ok;
  }
  const out: string[] = [];
  const verb = result.dryRun ? 'would record' : 'recorded';
  out.push(
    result.adopted.length
      ? `${verb} ${result.adopted.length} migration(s) of app '${result.app}' as applied (from ${result.basis}):`
      : `nothing to record for app '${result.app}' (from ${result.basis})`,
  );
  for (const a of result.adopted) out.push(`  ${a.id}  sha256 ${a.checksum.slice(0, 12)}  ${a.file}`);
  if (result.alreadyRecorded.length) out.push(`already in the ledger: ${result.alreadyRecorded.join(', ')}`);
  for (const o of result.missing)
    out.push(`warning (--force): ${o.file}:${o.line}: ${o.noun} ${o.name} does not exist`);
  for (const o of result.partial)
    out.push(
      `warning (--force): ${o.file}:${o.line}: ${o.noun} ${o.name} already exists, but this file is not adopted`,
    );
  if (result.fingerprint) out.push(`schema fingerprint ${result.fingerprint}`);
  ctx.io.stdout.write(`${clean(out.join('\n'))}\n`);
  return EXIT.ok;
}
