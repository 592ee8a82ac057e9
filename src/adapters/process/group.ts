/**
 * Stopping a process group that a killed deployctl left behind (a deploy command still running).
 * A process group id can be reused once the group is gone, so on Linux a group only counts as
 * ours when one of its members carries the marker in its environment (`NAME=value`, set by the
 * driver); elsewhere the recorded id is trusted.
 */
import { readdir, readFile } from 'node:fs/promises';
import { systemClock } from '../../clock.js';
import type { Clock } from '../../ports.js';

/** How long a group gets to exit after SIGTERM before SIGKILL, and after SIGKILL before giving up. */
const TERM_GRACE_MS = 5000;
const KILL_GRACE_MS = 2000;
const POLL_MS = 50;

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Members of the group per /proc, or undefined where /proc cannot tell (not Linux). */
async function members(pgid: number): Promise<number[] | undefined> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return undefined;
  }
  const out: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid pgrp …; comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid) out.push(Number(entry));
  }
  return out;
}

async function carriesMarker(pid: number, marker: string): Promise<boolean> {
  const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
  return env.split('\0').includes(marker);
}

export type StopOutcome = 'not-running' | 'not-ours' | 'stopped' | 'still-running';

/** SIGTERM to the group, then SIGKILL after a grace period; waits until the group is gone. */
export async function stopGroup(pgid: number, marker: string, clock: Clock = systemClock): Promise<StopOutcome> {
  if (!groupAlive(pgid)) return 'not-running';
  const pids = await members(pgid);
  if (pids !== undefined) {
    if (pids.length === 0) return 'not-running';
    const ours = await Promise.all(pids.map((pid) => carriesMarker(pid, marker)));
    if (!ours.some(Boolean)) return 'not-ours';
  }
  const waitGone = async (ms: number): Promise<boolean> => {
    const deadline = clock.now() + ms;
    while (groupAlive(pgid)) {
      if (clock.now() >= deadline) return false;
      await clock.sleep(POLL_MS);
    }
    return true;
  };
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pgid, sig);
    } catch {
      // Gone already.
    }
  };
  signal('SIGTERM');
  if (await waitGone(TERM_GRACE_MS)) return 'stopped';
  signal('SIGKILL');
  return (await waitGone(KILL_GRACE_MS)) ? 'stopped' : 'still-running';
}
