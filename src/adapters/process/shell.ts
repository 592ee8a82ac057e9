/**
 * Runs one shell command (`sh -c`) in its own process group, so a timeout or an interrupt can
 * stop everything it started (a deploy script's children included), not just the shell.
 * Output is delivered line by line as it arrives; the last lines are kept for error messages.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { systemClock } from '../../clock.js';
import { type Clock } from '../../ports.js';

export interface ShellOptions {
  /** Extra environment, merged over the current process's. */
  env?: Record<string, string>;
  cwd?: string;
  /** 0 or undefined: no limit. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Each complete line of stdout and stderr, as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** How many trailing lines `ShellResult.tail` keeps. */
  tailLines?: number;
  clock?: Clock;
  /** Called with the child's pid (its process group id) once it is started. */
  onSpawn?: (pgid: number) => void;
  /** Linux: the shell gets SIGKILL when this process dies (setpriv --pdeathsig), where available. */
  dieWithParent?: boolean;
}

/** util-linux setpriv, which can set the parent-death signal before it runs the shell. */
const SETPRIV =
  process.platform === 'linux' ? ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) : undefined;

export interface ShellResult {
  /** null when the process was ended by a signal. */
  exitCode: number | null;
  /** The signal that ended the process, e.g. SIGTERM after a timeout. */
  exitSignal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  stdout: string;
  /** The last lines of stdout and stderr together, in arrival order. */
  tail: string[];
}

/** Grace between SIGTERM and SIGKILL when a command is stopped. */
const KILL_GRACE_MS = 5000;
/**
 * After the shell exits, how long to wait for its output pipes to close. A command that starts a
 * background daemon hands it the pipes; without this bound the run would never finish.
 */
const PIPE_CLOSE_GRACE_MS = 200;
const STDOUT_LIMIT_CHARS = 1_000_000;

export function runShell(command: string, options: ShellOptions = {}): Promise<ShellResult> {
  const clock = options.clock ?? systemClock;
  if (options.signal?.aborted) {
    return Promise.resolve({ exitCode: null, exitSignal: null, timedOut: false, aborted: true, stdout: '', tail: [] });
  }
  const tailLimit = options.tailLines ?? 20;
  const tail: string[] = [];
  let stdout = '';
  let timedOut = false;
  let aborted = false;

  const [file, args] =
    options.dieWithParent && SETPRIV
      ? [SETPRIV, ['--pdeathsig', 'KILL', '--', 'sh', '-c', command]]
      : ['sh', ['-c', command]];
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });

  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  const pending: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  const emit = (line: string, stream: 'stdout' | 'stderr'): void => {
    tail.push(line);
    if (tail.length > tailLimit) tail.shift();
    options.onLine?.(line, stream);
  };
  const onData =
    (stream: 'stdout' | 'stderr') =>
    (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      if (stream === 'stdout' && stdout.length < STDOUT_LIMIT_CHARS) stdout += text;
      const lines = (pending[stream] + text).split(/\r?\n/);
      pending[stream] = lines.pop() ?? '';
      for (const line of lines) emit(line, stream);
    };
  child.stdout.on('data', onData('stdout'));
  child.stderr.on('data', onData('stderr'));

  const stopTimers = new AbortController();
  const killGroup = (sig: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // The group is already gone.
    }
  };
  const terminate = (): void => {
    killGroup('SIGTERM');
    clock.sleep(KILL_GRACE_MS, stopTimers.signal).then(
      () => killGroup('SIGKILL'),
      () => undefined,
    );
  };

  if (options.timeoutMs) {
    clock.sleep(options.timeoutMs, stopTimers.signal).then(
      () => {
        timedOut = true;
        terminate();
      },
      () => undefined,
    );
  }
  const onAbort = (): void => {
    aborted = true;
    terminate();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (exitCode: number | null, exitSignal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      stopTimers.abort();
      options.signal?.removeEventListener('abort', onAbort);
      for (const stream of ['stdout', 'stderr'] as const) {
        if (pending[stream]) emit(pending[stream], stream);
      }
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ exitCode, exitSignal, timedOut, aborted, stdout, tail });
    };
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      stopTimers.abort();
      reject(e);
    });
    child.on('close', (code, sig) => finish(code, sig));
    child.on('exit', (code, sig) => {
      clock.sleep(PIPE_CLOSE_GRACE_MS).then(
        () => finish(code, sig),
        () => undefined,
      );
    });
  });
}

/** `exit code 3`, `killed by SIGTERM`, `timed out after 2000 ms` — for error details. */
export function describeExit(result: ShellResult, timeoutMs?: number): string {
  if (result.timedOut) return `timed out after ${timeoutMs} ms`;
  if (result.aborted) return 'interrupted';
  if (result.exitSignal) return `killed by ${result.exitSignal}`;
  return `exit code ${result.exitCode}`;
}
