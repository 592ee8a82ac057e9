/** The demo's Supervisor, run in a worker thread (see supervisor-worker.ts for why), behind the SupervisorControl port the local driver drives. */
import { Worker } from 'node:worker_threads';
import type {
  OperationOptions,
  SupervisorControl,
  SupervisorOptions,
  SupervisorState,
} from '../adapters/drivers/local/supervisor.js';
import { DeployctlError, type ErrorCode } from '../errors.js';
import type { SupervisorRequest } from './supervisor-worker.js';

type Reply =
  | { id: number; log: string }
  | { id: number; value: unknown }
  | { id: number; error: { code: ErrorCode; message: string; hint?: string } };

export class ThreadSupervisor implements SupervisorControl {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void; log?: (line: string) => void }
  >();
  private exited: Error | undefined;
  private stopped: Promise<void> | undefined;

  /** `env` is the environment the app versions start with (they inherit the thread's). */
  constructor(options: SupervisorOptions, env: NodeJS.ProcessEnv = process.env) {
    this.worker = new Worker(new URL('./supervisor-worker.js', import.meta.url), { workerData: options, env });
    this.worker.on('message', (m: Reply) => {
      const call = this.pending.get(m.id);
      if (!call) return;
      if ('log' in m) {
        call.log?.(m.log);
        return;
      }
      this.pending.delete(m.id);
      if ('error' in m) call.reject(new DeployctlError(m.error.code, m.error.message, { hint: m.error.hint }));
      else call.resolve(m.value);
    });
    const fail = (e: Error): void => {
      this.exited = e;
      for (const call of this.pending.values()) call.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) =>
      fail(new DeployctlError('INTERNAL', `the supervisor thread exited (code ${code})`)),
    );
  }

  /** Binds the public port; resolves with it. */
  listen(): Promise<number> {
    return this.call({ op: 'listen' }) as Promise<number>;
  }

  deploy(artifact: string, options: OperationOptions = {}): Promise<SupervisorState> {
    return this.call({ op: 'deploy', artifact, spec: options.spec }, options) as Promise<SupervisorState>;
  }

  rollback(artifact: string | undefined, options: OperationOptions = {}): Promise<SupervisorState> {
    return this.call({ op: 'rollback', artifact, spec: options.spec }, options) as Promise<SupervisorState>;
  }

  state(): Promise<SupervisorState> {
    return this.call({ op: 'state' }) as Promise<SupervisorState>;
  }

  /** Stops every version, closes the public port and ends the thread; later calls wait for the same stop. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      if (!this.exited) await this.call({ op: 'stop' }).catch(() => undefined);
      await this.worker.terminate();
    })();
    return this.stopped;
  }

  private call(request: Omit<SupervisorRequest, 'id'>, options: OperationOptions = {}): Promise<unknown> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    const onAbort = (): void => this.worker.postMessage({ id, op: 'abort' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, log: options.log });
      this.worker.postMessage({ id, ...request });
    }).finally(() => options.signal?.removeEventListener('abort', onAbort));
  }
}
