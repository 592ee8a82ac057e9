/**
 * The process port of the Django source: running `python manage.py …` with an argument list (no
 * shell, so paths and names need no quoting). Injected so the runner can be driven by other means;
 * `spawnExec` is the real one.
 */
import { execFile, spawn } from 'node:child_process';

export interface ExecOptions {
  cwd: string;
  /** Extra environment, merged over the current process's. */
  env: Record<string, string>;
  signal?: AbortSignal;
}

export interface ExecResult {
  /** null when the process was ended by a signal. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export type Exec = (file: string, args: readonly string[], options: ExecOptions) => Promise<ExecResult>;

/** Output beyond this is an error, not a silently cut-off plan: sqlmigrate of a huge data migration. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** Resolves with the exit code and output; rejects only when the program could not be started (ENOENT…). */
export const spawnExec: Exec = (file, args, options) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        maxBuffer: MAX_OUTPUT_BYTES,
        signal: options.signal,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        // A non-zero exit puts the exit code (a number) in `code`; a failure to run puts a string there.
        const code: unknown = error ? (error as { code?: unknown }).code : 0;
        if (typeof code === 'string' && code !== 'ABORT_ERR') return reject(error);
        resolve({ exitCode: typeof code === 'number' ? code : null, stdout, stderr });
      },
    );
  });

/** A process deployctl talks to over its standard input and output while it runs. */
export interface RunningProcess {
  /** Writes to its standard input. */
  write(text: string): void;
  /** Closes its standard input (end of commands). */
  endInput(): void;
  /** Each complete line of its standard output, as it arrives. */
  onLine(listener: (line: string) => void): void;
  /** Resolves when it has exited (standard output read to the end); rejects only when it could not be started. */
  readonly exited: Promise<ExecResult>;
}

export type Start = (file: string, args: readonly string[], options: Omit<ExecOptions, 'signal'>) => RunningProcess;

/** The real Start: a child process with piped standard streams, no shell. Standard error is kept (its last 64 KB). */
export const spawnStart: Start = (file, args, options) => {
  const child = spawn(file, [...args], { cwd: options.cwd, env: { ...process.env, ...options.env } });
  const listeners: ((line: string) => void)[] = [];
  let partial = '';
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      stdout = (stdout + line + '\n').slice(-KEPT_OUTPUT_CHARS);
      for (const l of listeners) l(line);
    }
  });
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-KEPT_OUTPUT_CHARS);
  });
  // A process that exits early closes its input: writing then must not crash deployctl.
  child.stdin.on('error', () => undefined);
  const exited = new Promise<ExecResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (partial) for (const l of listeners) l(partial);
      resolve({ exitCode: code, stdout, stderr });
    });
  });
  return {
    write: (text) => {
      if (child.stdin.writable) child.stdin.write(text);
    },
    endInput: () => child.stdin.end(),
    onLine: (listener) => listeners.push(listener),
    exited,
  };
};

const KEPT_OUTPUT_CHARS = 64 * 1024;
