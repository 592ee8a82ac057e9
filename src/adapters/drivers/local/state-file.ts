/**
 * `<stateDir>/supervisor.json`: how a short-lived `deployctl` finds the detached supervisor.
 * Written atomically (temp file + rename) with mode 0600, because it holds the control token.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface SupervisorFile {
  pid: number;
  controlPort: number;
  token: string;
  /** The public port the supervisor's proxy owns. */
  port: number;
}

export const STATE_FILE = 'supervisor.json';
export const LOG_FILE = 'supervisor.log';

export async function readSupervisorFile(stateDir: string): Promise<SupervisorFile | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path.join(stateDir, STATE_FILE), 'utf8')) as Partial<SupervisorFile>;
    const { pid, controlPort, token, port } = parsed;
    if (
      typeof pid !== 'number' ||
      typeof controlPort !== 'number' ||
      typeof token !== 'string' ||
      typeof port !== 'number'
    )
      return undefined;
    return { pid, controlPort, token, port };
  } catch {
    return undefined;
  }
}

export async function writeSupervisorFile(stateDir: string, file: SupervisorFile): Promise<void> {
  const target = path.join(stateDir, STATE_FILE);
  const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, target);
}

/** Removes the file only if it still describes `pid`: a newer supervisor may have replaced it. */
export async function removeSupervisorFile(stateDir: string, pid: number): Promise<void> {
  const file = await readSupervisorFile(stateDir);
  if (file?.pid === pid) await rm(path.join(stateDir, STATE_FILE), { force: true });
}

/**
 * Whether `pid` still runs. A zombie (exited, never reaped — what an orphan becomes under an init
 * that does not reap, as in some containers) counts as gone; /proc tells, where there is one.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return !existsSync(`/proc/${process.pid}`);
  }
}
