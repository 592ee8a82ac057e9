/**
 * Worker-thread entry hosting the demo's Supervisor, so its reverse proxy has an event loop of
 * its own. In the main thread, every millisecond the release spends on CPU (reading and planning
 * migrations, the ledger, rendering) would hold up every request passing through the proxy — an
 * artefact of running deployctl and the app's front door in one process, which a real deploy
 * (CI runner + detached supervisor) does not have.
 *
 * Requests in: `{ id, op: 'listen' | 'deploy' | 'rollback' | 'state' | 'stop' | 'abort', artifact?, spec? }`.
 * Out: `{ id, value }` or `{ id, error: { code, message, hint } }`, and `{ id, log }` lines of an operation.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../clock.js';
import { Supervisor, type SupervisorOptions } from '../adapters/drivers/local/supervisor.js';
import type { AppSpec } from '../adapters/drivers/local/config.js';
import { DeployctlError } from '../errors.js';

export interface SupervisorRequest {
  id: number;
  op: 'listen' | 'deploy' | 'rollback' | 'state' | 'stop' | 'abort';
  artifact?: string;
  spec?: AppSpec;
}

if (parentPort) {
  const port = parentPort;
  const supervisor = new Supervisor(workerData as SupervisorOptions, { clock: systemClock, log: () => undefined });
  const aborts = new Map<number, AbortController>();
  port.on('message', (r: SupervisorRequest) => {
    if (r.op === 'abort') {
      aborts.get(r.id)?.abort(new Error('interrupted'));
      return;
    }
    const abort = new AbortController();
    aborts.set(r.id, abort);
    const options = {
      spec: r.spec,
      signal: abort.signal,
      log: (line: string) => port.postMessage({ id: r.id, log: line }),
    };
    const run = (): Promise<unknown> => {
      switch (r.op) {
        case 'listen':
          return supervisor.listen();
        case 'deploy':
          return supervisor.deploy(r.artifact!, options);
        case 'rollback':
          return supervisor.rollback(r.artifact, options);
        case 'state':
          return supervisor.state();
        default:
          return supervisor.stop();
      }
    };
    run()
      .then(
        (value) => port.postMessage({ id: r.id, value }),
        (e: unknown) =>
          port.postMessage({
            id: r.id,
            error: {
              code: e instanceof DeployctlError ? e.code : 'INTERNAL',
              message: e instanceof Error ? e.message : String(e),
              hint: (e as { hint?: string }).hint,
            },
          }),
      )
      .finally(() => {
        aborts.delete(r.id);
        if (r.op === 'stop') port.close();
      });
  });
}
