/** Process checks for tests that must leave nothing behind. */
import { processAlive } from '../../src/adapters/drivers/local/state-file.js';

/** Waits (bounded: about 5 s) for the process to be gone; true when it is. */
export async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 250 && processAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return !processAlive(pid);
}
