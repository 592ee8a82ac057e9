import { statusCommand, type StatusReport } from '../../engine/status.js';
import { EXIT } from '../exit.js';
import { configFrom, scrub, type CliContext } from '../context.js';
import type { STATUS_OPTIONS, Values } from '../spec.js';
import { styleFor, type Style } from '../style.js';

export async function statusCli(values: Values<typeof STATUS_OPTIONS>, ctx: CliContext): Promise<number> {
  const config = await configFrom(ctx, values);
  const report = await statusCommand(config);
  const text = values.json
    ? JSON.stringify(report, null, 2)
    : renderStatus(report, styleFor(ctx.io.stdout, ctx.io.env));
  ctx.io.stdout.write(`${scrub(ctx)(text)}\n`);
  return EXIT.ok;
}

function renderStatus(r: StatusReport, style: Style): string {
  const out: string[] = [];
  for (const app of r.apps) {
    const last = app.applied[app.applied.length - 1];
    out.push(style.bold(`app ${app.app}`));
    out.push(`  applied: ${app.applied.length}${last ? ` (latest ${last.id}, ${last.appliedAt})` : ''}`);
    if (app.pending.length === 0) out.push('  pending: none');
    for (const p of app.pending) out.push(`  pending: ${p.id} (${p.phase})`);
  }
  out.push(style.bold('releases'));
  if (r.releases.length === 0) out.push('  none yet');
  for (const rel of r.releases) {
    out.push(
      `  #${rel.id} ${rel.artifact} ${rel.status} (stage ${rel.stage}, started ${rel.startedAt.toISOString()}${rel.finishedAt ? `, finished ${rel.finishedAt.toISOString()}` : ''})`,
    );
  }
  if (r.unfinishedRelease)
    out.push(
      style.yellow(
        `half-done: release #${r.unfinishedRelease.id} stopped after stage '${r.unfinishedRelease.stage}': run 'deployctl release --resume' or '--abort'`,
      ),
    );
  for (const i of r.invalidIndexes)
    out.push(
      style.yellow(
        `half-done: index ${i} is INVALID (a concurrent build failed); deployctl drops it before the build is retried`,
      ),
    );
  for (const p of r.problems) out.push(style.red(`problem: ${p}`));
  return out.join('\n');
}
