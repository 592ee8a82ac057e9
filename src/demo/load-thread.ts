/** Runs the load generator in a worker thread (see load-worker.ts for why) and collects its samples. */
import { Worker } from 'node:worker_threads';
import type { LoadOptions, LoadProgress } from './load.js';
import type { Sample } from './stats.js';

export interface LoadThread {
  /** The latest progress the worker reported. */
  progress(): LoadProgress;
  /** Stops sending, waits for the requests in flight, returns every sample; later calls return the same. */
  stop(): Promise<Sample[]>;
}

export function startLoadThread(options: LoadOptions): LoadThread {
  const worker = new Worker(new URL('./load-worker.js', import.meta.url), { workerData: options });
  let latest: LoadProgress = { sent: 0, ok: 0, failed: 0, inFlight: 0 };
  let failure: Error | undefined;
  const done = new Promise<Sample[]>((resolve, reject) => {
    worker.on('message', (m: { type: 'progress'; progress: LoadProgress } | { type: 'done'; samples: Sample[] }) => {
      if (m.type === 'progress') latest = m.progress;
      else resolve(m.samples);
    });
    worker.on('error', (e) => {
      failure = e;
      reject(e);
    });
    worker.on('exit', (code) =>
      reject(failure ?? new Error(`the load generator thread exited (code ${code}) before reporting`)),
    );
  });
  done.catch(() => undefined);
  let stopping: Promise<Sample[]> | undefined;
  return {
    progress: () => latest,
    stop: () => {
      stopping ??= (async () => {
        worker.postMessage({ type: 'stop' });
        try {
          return await done;
        } finally {
          await worker.terminate();
        }
      })();
      return stopping;
    },
  };
}
