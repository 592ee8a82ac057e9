/**
 * The process port of the Django source: running `python manage.py …` with an argument list (no
 * shell, so paths and names need no quoting). Injected so the runner can be driven by other means;
 * `spawnExec` is the real one.
 */
import { execFile } from 'node:child_process';

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
