/**
 * Worker-thread entry of the load generator. The generator gets an event loop of its own, so
 * the release running in the main thread (parsing, planning, JSON, logging) cannot delay its
 * sends — a delay there would be charged to the app as latency.
 *
 * Messages in: `{ type: 'stop' }`. Out: `{ type: 'progress', progress }` every
 * PROGRESS_INTERVAL_MS, then `{ type: 'done', samples }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LoadGenerator, type LoadOptions } from './load.js';
import { epochNow } from './stats.js';

const PROGRESS_INTERVAL_MS = 500;

if (parentPort) {
  const port = parentPort;
  const generator = new LoadGenerator(workerData as LoadOptions, {
    now: epochNow,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  generator.start();
  const ticker = setInterval(
    () => port.postMessage({ type: 'progress', progress: generator.progress() }),
    PROGRESS_INTERVAL_MS,
  );
  port.on('message', (message: { type: string }) => {
    if (message.type !== 'stop') return;
    clearInterval(ticker);
    void generator.stop().then((samples) => {
      port.postMessage({ type: 'done', samples });
      port.close();
    });
  });
}
