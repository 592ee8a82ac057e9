import { initCommand } from '../../engine/init/init.js';
import { DeployctlError } from '../../errors.js';
import { EXIT } from '../exit.js';
import type { CliContext } from '../context.js';
import type { INIT_OPTIONS, Values } from '../spec.js';

export async function initCli(values: Values<typeof INIT_OPTIONS>, ctx: CliContext): Promise<number> {
  if (values.ci !== undefined && values.ci !== 'github')
    throw new DeployctlError('USAGE', `--ci takes github, got '${values.ci}'`);
  const root = values.dir ?? ctx.io.cwd;
  const r = await initCommand({
    root: root.startsWith('/') ? root : `${ctx.io.cwd}/${root}`,
    ci: values.ci,
    force: values.force,
  });
  const out: string[] = [];
  if (r.detected.length === 0)
    out.push(
      'no migrations found: deployctl.yaml points at ./migrations; edit migrations[0].dir if they live elsewhere',
    );
  for (const d of r.detected) out.push(`found ${d.type} migrations: ${d.path} (${d.evidence})`);
  for (const f of r.written) out.push(`wrote ${f}`);
  out.push(
    "next: run 'deployctl plan' to see how the pending migrations would be staged, then fill in rollout: in deployctl.yaml for 'deployctl release'",
  );
  ctx.io.stdout.write(`${out.join('\n')}\n`);
  return EXIT.ok;
}
