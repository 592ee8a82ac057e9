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

// A reader that went away (`deployctl status | head -1`) is not a failure: output stops quietly,
// and a command that is changing something (a release) still finishes and exits with its own code.
const closed = new Set<NodeJS.WriteStream>();
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') closed.add(stream);
    else throw e;
  });
}
const quiet = (stream: NodeJS.WriteStream) => ({
  get isTTY() {
    return stream.isTTY;
  },
  write: (s: string): boolean => (closed.has(stream) ? true : stream.write(s)),
});
const io = { stdout: quiet(process.stdout), stderr: quiet(process.stderr), env: process.env, cwd: process.cwd() };
const code = await run(process.argv.slice(2), defaultContext(io, controller.signal));
process.exitCode = code;
// Drivers and pools may hold sockets open; the command is done.
setTimeout(() => process.exit(code), 50).unref();
