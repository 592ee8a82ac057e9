/**
 * The detached supervisor process: `deployctl release` exits, the app keeps serving.
 *
 *   node dist/src/adapters/drivers/local/supervisor-main.js --state-dir <dir> --port <n> --start <cmd>
 *     [--health-path /healthz] [--startup-timeout-ms n] [--drain-timeout-ms n] [--cwd <dir>]
 *
 * Serves the control API on 127.0.0.1 and announces itself in <dir>/supervisor.json once ready.
 * SIGTERM, SIGINT or POST /stop stop every version and exit.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { systemClock } from '../../../clock.js';
import { LOCAL_DEFAULTS } from './config.js';
import { serveControl } from './control-server.js';
import { removeSupervisorFile, writeSupervisorFile } from './state-file.js';
import { Supervisor } from './supervisor.js';

const { values } = parseArgs({
  options: {
    'state-dir': { type: 'string' },
    port: { type: 'string' },
    start: { type: 'string' },
    'health-path': { type: 'string' },
    'startup-timeout-ms': { type: 'string' },
    'drain-timeout-ms': { type: 'string' },
    cwd: { type: 'string' },
  },
});

const log = (line: string): void => {
  process.stdout.write(`${new Date(systemClock.now()).toISOString()} ${line}\n`);
};

async function main(): Promise<void> {
  const stateDir = values['state-dir'];
  const start = values.start;
  const port = Number(values.port);
  if (!stateDir || !start || !Number.isInteger(port)) {
    throw new Error(
      'usage: supervisor-main --state-dir <dir> --port <n> --start <command> [--health-path p] [--startup-timeout-ms n] [--drain-timeout-ms n] [--cwd dir]',
    );
  }
  await mkdir(stateDir, { recursive: true });
  const supervisor = new Supervisor(
    {
      port,
      spec: {
        start,
        healthPath: values['health-path'] ?? LOCAL_DEFAULTS.healthPath,
        startupTimeoutMs: Number(values['startup-timeout-ms'] ?? LOCAL_DEFAULTS.startupTimeoutMs),
        cwd: values.cwd,
      },
      drainTimeoutMs: Number(values['drain-timeout-ms'] ?? LOCAL_DEFAULTS.drainTimeoutMs),
    },
    { clock: systemClock, log },
  );
  const publicPort = await supervisor.listen();
  const token = randomBytes(24).toString('hex');

  let stopping: Promise<void> | undefined;
  const shutdown = (why: string): Promise<void> =>
    (stopping ??= (async () => {
      log(`stopping (${why})`);
      await supervisor.stop();
      await control.close();
      await removeSupervisorFile(stateDir, process.pid);
      log('stopped');
      process.exit(0);
    })());

  const control = await serveControl(supervisor, { token, onStop: () => void shutdown('stop requested') });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await writeSupervisorFile(stateDir, { pid: process.pid, controlPort: control.port, token, port: publicPort });
  log(`ready: proxy on 127.0.0.1:${publicPort}, control API on 127.0.0.1:${control.port}`);
}

main().catch((e: unknown) => {
  log(`could not start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
