/** Talks to a detached supervisor through its control API (see control.ts). */
import http from 'node:http';
import { DeployctlError } from '../../../errors.js';
import { deserializeError, type OperationEvent, type OperationRequest, type StateAnswer } from './control.js';
import type { OperationOptions, SupervisorControl, SupervisorState } from './supervisor.js';

/** A state query answers at once; a slower answer means the supervisor is wedged. */
const STATE_TIMEOUT_MS = 5000;

export class RemoteSupervisor implements SupervisorControl {
  constructor(
    readonly controlPort: number,
    private readonly token: string,
  ) {}

  async state(): Promise<StateAnswer> {
    const res = await this.request('GET', '/state', undefined, AbortSignal.timeout(STATE_TIMEOUT_MS));
    return JSON.parse(await readAll(res)) as StateAnswer;
  }

  deploy(artifact: string, options: OperationOptions = {}): Promise<SupervisorState> {
    return this.operation('/deploy', { artifact, spec: options.spec }, options);
  }

  rollback(artifact: string | undefined, options: OperationOptions = {}): Promise<SupervisorState> {
    return this.operation('/rollback', { artifact, spec: options.spec }, options);
  }

  /** Asks the supervisor to stop its versions and exit. */
  async stop(): Promise<void> {
    await readAll(await this.request('POST', '/stop', {}, AbortSignal.timeout(STATE_TIMEOUT_MS)));
  }

  private async operation(path: string, body: OperationRequest, options: OperationOptions): Promise<SupervisorState> {
    const res = await this.request('POST', path, body, options.signal);
    let state: SupervisorState | undefined;
    let failure: DeployctlError | undefined;
    let pending = '';
    const onLine = (line: string): void => {
      if (!line.trim()) return;
      const event = JSON.parse(line) as OperationEvent;
      if ('log' in event) options.log?.(event.log);
      else if ('state' in event) state = event.state;
      else failure = deserializeError(event.error);
    };
    await new Promise<void>((resolve, reject) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop() ?? '';
        lines.forEach(onLine);
      });
      res.on('end', resolve);
      res.on('error', reject);
    }).catch((e: unknown) => {
      if (options.signal?.aborted)
        throw new DeployctlError('INTERRUPTED', `${path.slice(1)} was interrupted`, { cause: e });
      throw lostSupervisor(this.controlPort, e);
    });
    onLine(pending);
    if (failure) throw failure;
    if (!state) throw lostSupervisor(this.controlPort, new Error('the answer ended without an outcome'));
    return state;
  }

  private request(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.controlPort,
          method,
          path,
          agent: false,
          signal,
          headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        },
        (res) => {
          if (res.statusCode === 200) return resolve(res);
          void readAll(res).then(
            (text) => reject(lostSupervisor(this.controlPort, new Error(`HTTP ${res.statusCode}: ${text}`))),
            reject,
          );
        },
      );
      req.on('error', (e) =>
        reject(
          signal?.aborted
            ? new DeployctlError('INTERRUPTED', `${path.slice(1)} was interrupted`, { cause: e })
            : lostSupervisor(this.controlPort, e),
        ),
      );
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }
}

function lostSupervisor(port: number, cause: unknown): DeployctlError {
  return new DeployctlError(
    'ROLLOUT_FAILED',
    `the local supervisor on 127.0.0.1:${port} did not answer: ${cause instanceof Error ? cause.message : String(cause)}`,
    {
      cause,
      hint: 'see supervisor.log in the state folder (`rollout.stateDir`, default .deployctl/local)',
    },
  );
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}
