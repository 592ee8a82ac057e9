import { fingerprintCommand } from '../../engine/fingerprint.js';
import { djangoFingerprintCommand, type DjangoFingerprint } from '../../engine/django-schema.js';
import { DeployctlError } from '../../errors.js';
import { EXIT } from '../exit.js';
import { configFrom, scrub, type CliContext } from '../context.js';
import type { FINGERPRINT_OPTIONS, Values } from '../spec.js';

export async function fingerprintCli(values: Values<typeof FINGERPRINT_OPTIONS>, ctx: CliContext): Promise<number> {
  const django = values.django || values['write-python'] !== undefined;
  if (!django)
    for (const flag of ['include-third-party', 'app'] as const)
      if (values[flag] !== undefined) throw new DeployctlError('USAGE', `--${flag} goes with --django`);
  if (django && values.table !== undefined)
    throw new DeployctlError('USAGE', '--table and --django contradict each other: --django hashes every model');
  const config = await configFrom(ctx, values);
  if (django) return djangoFingerprintCli(values, ctx, await djangoFingerprintCommand(config, options(values, ctx)));
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

function options(values: Values<typeof FINGERPRINT_OPTIONS>, ctx: CliContext) {
  return {
    app: values.app,
    includeThirdParty: values['include-third-party'],
    writePython: values['write-python'],
    cwd: ctx.io.cwd,
  };
}

/** The models' hashes on stdout; on stderr, why some may not describe the schema being released. */
function djangoFingerprintCli(
  values: Values<typeof FINGERPRINT_OPTIONS>,
  ctx: CliContext,
  fp: DjangoFingerprint,
): number {
  const say = scrub(ctx);
  if (fp.pending.length) {
    const names = fp.pending.length > 5 ? [...fp.pending.slice(0, 5), '…'] : fp.pending;
    ctx.io.stderr.write(
      say(
        `warning: the database has not applied ${fp.pending.length} migration${fp.pending.length === 1 ? '' : 's'} (${names.join(', ')}): ` +
          `these hashes describe the schema before ${fp.pending.length === 1 ? 'it' : 'them'}, and check will report a module written from them as stale. Run python manage.py migrate first.\n`,
      ),
    );
  }
  for (const [label, tables] of Object.entries(fp.missing))
    ctx.io.stderr.write(
      say(
        `warning: ${label} left out: its table ${tables.map((t) => `"${t}"`).join(', ')} does not exist in the database\n`,
      ),
    );
  let text: string;
  if (values.json) text = JSON.stringify({ version: 1, ...fp }, null, 2);
  else {
    const width = Math.max(0, ...Object.keys(fp.models).map((l) => l.length));
    text = Object.entries(fp.models)
      .map(([label, m]) => `${label.padEnd(width)}  ${m.hash}  ${m.tables.join(', ')}`)
      .join('\n');
  }
  ctx.io.stdout.write(`${say(text)}\n`);
  if (fp.written) ctx.io.stderr.write(`wrote ${say(fp.written)}\n`);
  return EXIT.ok;
}
