import type { DemoReport } from '../../demo/compare.js';
import { loadDemoCommand } from '../../demo/entry.js';
import type { DemoEvent } from '../../demo/events.js';
import type { DemoMode } from '../../demo/measure.js';
import { renderReport } from '../../demo/report.js';
import { epochNow } from '../../demo/stats.js';
import { DeployctlError } from '../../errors.js';
import { EXIT } from '../exit.js';
import { scrub, type CliContext } from '../context.js';
import type { DEMO_OPTIONS, Values } from '../spec.js';
import { describe, outputMode } from '../reporter.js';
import { styleFor } from '../style.js';

/** A plain-output load line every this many progress events (they come every 500 ms). */
const PLAIN_LOAD_EVERY = 10;

export async function demoCli(values: Values<typeof DEMO_OPTIONS>, ctx: CliContext): Promise<number> {
  if (values.compare && values.naive)
    throw new DeployctlError('USAGE', `--compare already runs the naive release; pass one of them`);
  const databaseUrl = values['database-url'] || ctx.io.env.DATABASE_URL || undefined;
  ctx.secrets.push(databaseUrl);
  const modes: DemoMode[] = values.compare ? ['deployctl', 'naive'] : values.naive ? ['naive'] : ['deployctl'];
  const render = renderer(ctx, values.json ?? false);
  try {
    const demoCommand = await loadDemoCommand();
    const report = await demoCommand(
      {
        modes,
        rows: count(values.rows, 'rows', 1_000_000, 1000, 50_000_000),
        rps: count(values.rps, 'rps', 200, 1, 5000),
        baselineMs: count(values.duration, 'duration', 5, 1, 3600) * 1000,
        throttle: !values.unthrottled,
        databaseUrl,
      },
      { clock: ctx.clock, now: epochNow, signal: ctx.signal, emit: render.emit },
    );
    render.close();
    ctx.io.stdout.write(`${scrub(ctx)(values.json ? JSON.stringify(report, null, 2) : renderReport(report))}\n`);
    return claimHeld(report) ? EXIT.ok : EXIT.failed;
  } finally {
    render.close();
  }
}

/** The deployctl run must have failed no request and finished its release. */
function claimHeld(report: DemoReport): boolean {
  return report.runs.every(
    (r) => r.mode !== 'deployctl' || (r.requests.failed === 0 && r.release_status === 'succeeded'),
  );
}

function count(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min || n > max)
    throw new DeployctlError(
      'USAGE',
      `--${flag} takes a whole number from ${min} to ${max}, e.g. --${flag} ${fallback}`,
    );
  return n;
}

/** Progress on stderr: a live load line on a TTY, plain timestamped lines otherwise, nothing with --json. */
function renderer(ctx: CliContext, json: boolean): { emit(e: DemoEvent): void; close(): void } {
  const mode = outputMode(json, ctx.io.stderr, ctx.io.env);
  const style = styleFor(ctx.io.stderr, ctx.io.env);
  const clean = scrub(ctx);
  const out = ctx.io.stderr;
  let live = '';
  let loadEvents = 0;
  const clearLive = (): void => {
    if (live) out.write('\r\x1b[K');
  };
  const line = (text: string): void => {
    if (mode === 'tty') {
      clearLive();
      out.write(`${clean(text)}\n`);
      if (live) out.write(live);
    } else out.write(`${new Date(ctx.clock.now()).toISOString()} ${clean(text)}\n`);
  };
  return {
    emit: (e) => {
      if (mode === 'json') return;
      if (e.type === 'load') {
        const p = e.progress;
        const text = `load [${e.mode}${e.stage ? ` · ${e.stage}` : ''}] sent ${p.sent}  ok ${p.ok}  failed ${p.failed}  in flight ${p.inFlight}`;
        if (mode === 'tty') {
          clearLive();
          live = style.dim(text);
          out.write(live);
        } else if (loadEvents++ % PLAIN_LOAD_EVERY === 0) line(text);
        return;
      }
      // Passing health checks arrive several times a second during the bake; only failures are news.
      if (e.type === 'health' && e.result.ok) return;
      const text = describe(e, style);
      if (text) line(text);
    },
    close: () => {
      if (mode === 'tty') clearLive();
      live = '';
    },
  };
}
