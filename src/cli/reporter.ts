/**
 * Renders DeployEvents three ways: `ora` spinners on a TTY, plain timestamped lines in CI (not a
 * TTY, or CI=true), one JSON object per line with --json. Every line passes through the secret
 * scrubber first.
 */
import ora, { type Ora } from 'ora';
import type { DeployEvent, Emit, LockWait } from '../ports.js';
import type { Style } from './style.js';

export type OutputMode = 'tty' | 'plain' | 'json';

export function outputMode(
  json: boolean,
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): OutputMode {
  if (json) return 'json';
  // NO_COLOR and a dumb terminal get plain lines: no spinner, no cursor movement, no escape codes.
  const plainTerminal = Boolean(env.NO_COLOR) || env.TERM === 'dumb';
  return stream.isTTY && !plainTerminal && env.CI !== 'true' && env.CI !== '1' ? 'tty' : 'plain';
}

export interface Reporter {
  emit: Emit;
  /** A free-form line (summary, notice) in the reporter's mode. */
  line(text: string): void;
  close(): void;
}

export function createReporter(
  mode: OutputMode,
  write: (s: string) => void,
  scrub: (s: string) => string,
  style: Style,
  now: () => number = Date.now,
): Reporter {
  if (mode === 'json') {
    return {
      emit: (e) => write(`${scrub(JSON.stringify({ ts: new Date(now()).toISOString(), ...e }))}\n`),
      line: () => undefined,
      close: () => undefined,
    };
  }
  if (mode === 'plain') {
    const print = (t: string): void => write(`${new Date(now()).toISOString()} ${scrub(t)}\n`);
    const health = healthTally(now);
    return {
      emit: (e) => {
        if (e.type === 'health' && e.result.ok) {
          const summary = health.add(e.stage);
          if (summary) print(summary);
          return;
        }
        const pending = health.flush();
        if (pending) print(pending);
        const t = describe(e, style);
        if (t) print(t);
      },
      line: (t) => write(`${scrub(t)}\n`),
      close: () => {
        const pending = health.flush();
        if (pending) print(pending);
      },
    };
  }
  return spinnerReporter(write, scrub, style, now);
}

function spinnerReporter(
  write: (s: string) => void,
  scrub: (s: string) => string,
  style: Style,
  now: () => number,
): Reporter {
  let spinner: Ora | undefined;
  let stageStart = 0;
  let stage = '';
  let ticker: NodeJS.Timeout | undefined;
  const stopTicker = (): void => {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
  };
  return {
    emit: (e) => {
      if (e.type === 'stage:start') {
        stage = e.stage;
        stageStart = now();
        spinner = ora({ text: e.stage, stream: process.stderr }).start();
        stopTicker();
        ticker = setInterval(() => {
          if (spinner) spinner.text = `${stage} ${style.dim(`${((now() - stageStart) / 1000).toFixed(1)}s`)}`;
        }, 200);
        ticker.unref();
        return;
      }
      if (e.type === 'stage:end') {
        stopTicker();
        spinner?.succeed(`${e.stage} ${style.dim(`${(e.ms / 1000).toFixed(1)}s`)}`);
        spinner = undefined;
        return;
      }
      if (e.type === 'stage:fail') {
        stopTicker();
        spinner?.fail(`${e.stage} failed ${style.dim(`${(e.ms / 1000).toFixed(1)}s`)}`);
        spinner = undefined;
        return;
      }
      // The spinner shows the stage is alive; passing health samples and heartbeats would only scroll.
      if ((e.type === 'health' && e.result.ok) || e.type === 'migration:running') return;
      const t = describe(e, style);
      if (!t) return;
      if (spinner) spinner.clear();
      write(`  ${scrub(t)}\n`);
      spinner?.render();
    },
    line: (t) => {
      spinner?.clear();
      write(`${scrub(t)}\n`);
      spinner?.render();
    },
    close: () => {
      stopTicker();
      spinner?.stop();
    },
  };
}

/** Passing health samples are counted, not printed: one line per interval says how many passed. */
export const HEALTH_LINE_INTERVAL_MS = 5000;

function healthTally(now: () => number): { add(stage: string): string | undefined; flush(): string | undefined } {
  let stage = '';
  let passed = 0;
  let since = 0;
  const line = (): string | undefined => {
    if (passed === 0) return undefined;
    const text = `${stage}: ${passed} health sample${passed === 1 ? '' : 's'} passed in the last ${((now() - since) / 1000).toFixed(0)} s`;
    passed = 0;
    return text;
  };
  return {
    add: (s) => {
      const previous = s !== stage ? line() : undefined;
      if (passed === 0 || s !== stage) since = now();
      stage = s;
      passed++;
      return previous ?? (now() - since >= HEALTH_LINE_INTERVAL_MS ? line() : undefined);
    },
    flush: line,
  };
}

/** `waiting on pid 123 (lock on orders)`, or `waiting on nothing` for a statement that is just slow. */
function describeWait(w: LockWait): string {
  if (w.pids.length === 0) return 'waiting on nothing';
  const lock = w.relation ? `lock on ${w.relation}` : `${w.lockType ?? 'a'} lock`;
  return `waiting on ${w.pids.map((p) => `pid ${p}`).join(', ')} (${lock})`;
}

export function describe(e: DeployEvent, style: Style): string | undefined {
  switch (e.type) {
    case 'stage:start':
      return `▶ ${e.stage}`;
    case 'stage:end':
      return `✔ ${e.stage} (${(e.ms / 1000).toFixed(1)}s)`;
    case 'stage:fail':
      // The error itself is printed once, with its next step, when the command ends.
      return style.red(`✖ ${e.stage} failed (${(e.ms / 1000).toFixed(1)}s)`);
    case 'migration:start':
      return e.attempt === 1 ? `applying ${e.app}/${e.id} (${e.phase})` : undefined;
    case 'migration:retry': {
      if (e.reason === 'connection-lost')
        return style.yellow(
          `connection lost while applying ${e.app}/${e.id}, attempt ${e.attempt} (${e.error}); reconnecting and checking the ledger before retrying`,
        );
      const who = e.blockers
        .map(
          (b) =>
            `pid ${b.pid} (${b.state ?? '?'}, ${b.ageMs === null ? '?' : `${Math.round(b.ageMs / 1000)}s`}: ${(b.query ?? '').replace(/\s+/g, ' ').slice(0, 80)})`,
        )
        .join('; ');
      return style.yellow(
        `lock timeout on ${e.app}/${e.id}, attempt ${e.attempt}; retrying with backoff${who ? ` — blocked by ${who}` : ''}`,
      );
    }
    case 'migration:applied':
      return style.green(
        `applied ${e.app}/${e.id} in ${e.ms} ms${e.attempts > 1 ? ` after ${e.attempts} attempts` : ''}`,
      );
    case 'migration:skipped':
      return `skipped ${e.app}/${e.id}: ${e.reason}`;
    case 'migration:invalid-index-dropped':
      return style.yellow(`dropped INVALID index ${e.index} left by an earlier failed build of ${e.app}/${e.id}`);
    case 'migration:running':
      return `still running ${e.app}/${e.id}: ${Math.round(e.ms / 1000)} s${e.waitingOn ? `, ${describeWait(e.waitingOn)}` : ''}`;
    case 'migration:reconnected':
      return style.yellow(`connection lost during ${e.app}/${e.id}; reconnected and re-checked the ledger`);
    case 'statement:start':
    case 'statement:end':
      return undefined;
    case 'throttle':
      return e.paused
        ? style.yellow(
            `${e.app}/${e.id}: ${e.what}, paused ${(e.paused.ms / 1000).toFixed(1)} s: app p99 ${e.paused.p99Ms.toFixed(1)} ms > ${e.paused.budgetMs.toFixed(1)} ms budget`,
          )
        : `${e.app}/${e.id}: ${e.what}`;
    case 'throttle:totals':
      return `throttle: ${e.batches} batches, ${e.pauses} pause${e.pauses === 1 ? '' : 's'} (${(e.pausedMs / 1000).toFixed(1)} s paused, ${(e.restMs / 1000).toFixed(1)} s resting between batches)`;
    case 'health':
      return `${e.result.ok ? style.green('healthy') : style.red('unhealthy')} ${e.result.check} ${e.result.latencyMs.toFixed(0)} ms${e.result.ok ? '' : `: ${e.result.detail}`}`;
    case 'rollout':
      return style.dim(`[${e.stage}] ${e.line}`);
    case 'info':
      return e.message;
  }
}
