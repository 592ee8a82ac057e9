#!/usr/bin/env node
/** The `deployctl` executable: wires real streams, environment and signals, then exits with run()'s code. */
import { defaultContext } from './context.js';
import { run } from './run.js';

const controller = new AbortController();
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupts++;
    // First signal: stop at the next safe point. Second: stop now.
    if (interrupts > 1) process.exit(130);
    process.stderr.write(
      `\ndeployctl: ${signal} received; stopping at the next safe point (send it again to stop now)\n`,
    );
    controller.abort(new Error(signal));
  });
}

const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
const code = await run(process.argv.slice(2), defaultContext(io, controller.signal));
process.exitCode = code;
// Drivers and pools may hold sockets open; the command is done.
setTimeout(() => process.exit(code), 50).unref();
