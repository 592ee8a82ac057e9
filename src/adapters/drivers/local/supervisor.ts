/**
 * Single-host blue/green: owns the public proxy and the running version, and moves traffic
 * between versions without dropping a request — start the new version, wait until it is
 * healthy, swap, drain the old one, stop it. The old version is stopped rather than kept idle:
 * left running it would keep doing background work against a schema that moves on without it.
 *
 * Runs inside whatever process owns it: the demo and tests (in-process), or supervisor-main.ts
 * (detached, so the app outlives the short-lived `deployctl release`).
 */
import type { Clock } from '../../../ports.js';
import { DeployctlError } from '../../../errors.js';
import { LOCAL_DEFAULTS, type AppSpec } from './config.js';
import { AppProcess } from './process.js';
import { ReverseProxy } from './proxy.js';

export interface SupervisorState {
  /** The artifact the proxy sends traffic to; undefined before the first deploy. */
  current?: string;
  /** The artifact served before `current`: the default rollback target. */
  previous?: string;
  /** The public port. */
  port: number;
  /** Running versions (normally just the current one). */
  versions: { artifact: string; port: number; pid?: number }[];
}

export interface OperationOptions {
  /** How to start the version; defaults to the supervisor's configured spec. */
  spec?: AppSpec;
  /** Progress lines for this operation, the version's startup output included. */
  log?: (line: string) => void;
  /** Checked at safe points: before a version starts, before traffic is swapped, and during a slow start. */
  signal?: AbortSignal;
}

/** What the local driver needs from a supervisor, in-process or across the control API. */
export interface SupervisorControl {
  deploy(artifact: string, options?: OperationOptions): Promise<SupervisorState>;
  /** Back to `artifact`, or to the previous version when undefined. */
  rollback(artifact: string | undefined, options?: OperationOptions): Promise<SupervisorState>;
  state(): Promise<SupervisorState>;
}

export interface SupervisorOptions {
  /** Public port; 0 picks a free one (tests). */
  port: number;
  spec: AppSpec;
  drainTimeoutMs?: number;
  stopGraceMs?: number;
}

export class Supervisor implements SupervisorControl {
  private readonly proxy: ReverseProxy;
  private active: AppProcess | undefined;
  private previous: { artifact: string; spec: AppSpec } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private operationLog: ((line: string) => void) | undefined;
  private publicPort = 0;

  constructor(
    private readonly options: SupervisorOptions,
    private readonly deps: { clock: Clock; log: (line: string) => void },
  ) {
    this.proxy = new ReverseProxy({ log: (line) => this.log(line), clock: deps.clock });
  }

  /** Binds the public port; resolves with it. */
  async listen(): Promise<number> {
    try {
      this.publicPort = await this.proxy.listen(this.options.port);
    } catch (e) {
      throw new DeployctlError(
        'ROLLOUT_FAILED',
        `could not listen on 127.0.0.1:${this.options.port}: ${(e as Error).message}`,
        {
          key: 'rollout.port',
          cause: e,
          hint: 'another process holds the port; stop it or choose another `rollout.port`',
        },
      );
    }
    return this.publicPort;
  }

  deploy(artifact: string, options: OperationOptions = {}): Promise<SupervisorState> {
    const spec = options.spec ?? this.options.spec;
    return this.serialized(options, () => this.activate(artifact, spec, options.signal, spec.slowStartMs ?? 0));
  }

  rollback(artifact: string | undefined, options: OperationOptions = {}): Promise<SupervisorState> {
    return this.serialized(options, async () => {
      const target = artifact ?? this.previous?.artifact;
      if (target === undefined) {
        throw new DeployctlError('ROLLBACK_REFUSED', 'no previous version is known to this supervisor', {
          hint: 'name the version to return to, e.g. `deployctl rollback --to <release>`',
        });
      }
      const spec = target === this.previous?.artifact ? this.previous.spec : (options.spec ?? this.options.spec);
      // Away from a version that fails, traffic moves at once: no slow start on a rollback.
      return this.activate(target, spec, options.signal, 0);
    });
  }

  async state(): Promise<SupervisorState> {
    return this.snapshot();
  }

  /** Stops every version and closes the public port. */
  stop(): Promise<void> {
    return this.serialized({}, async () => {
      const app = this.active;
      this.active = undefined;
      await app?.stop(this.stopGraceMs);
      await this.proxy.close();
    });
  }

  private async activate(
    artifact: string,
    spec: AppSpec,
    signal: AbortSignal | undefined,
    slowStartMs: number,
  ): Promise<SupervisorState> {
    const old = this.active;
    if (old?.artifact === artifact && old.running) {
      this.log(`${artifact} is already serving on port ${this.publicPort}`);
      return this.snapshot();
    }
    interrupted(signal, artifact);
    const next = await AppProcess.start(artifact, spec, { clock: this.deps.clock, log: (line) => this.log(line) });
    if (signal?.aborted) {
      await next.stop(0);
      interrupted(signal, artifact);
    }
    if (old && slowStartMs > 0) {
      this.log(`moving traffic on port ${this.publicPort} to ${artifact} (port ${next.port}) over ${slowStartMs} ms`);
      const outcome = await this.proxy.shift(next.port, slowStartMs, { signal, gone: next.whenExited });
      if (outcome !== 'shifted') {
        // Every new request is back on the old version; let the new one finish what it has.
        await this.proxy.drain(next.port, this.drainTimeoutMs);
        await next.stop(this.stopGraceMs);
        if (outcome === 'aborted')
          throw new DeployctlError(
            'INTERRUPTED',
            `deploy of ${artifact} was interrupted while traffic was moving to it; all traffic is back on ${old.artifact}`,
          );
        throw new DeployctlError(
          'ROLLOUT_FAILED',
          `${artifact} exited while traffic was moving to it; all traffic is back on ${old.artifact}`,
          { key: 'rollout.start', hint: `${old.artifact} keeps serving; see the version's output above` },
        );
      }
    }
    this.proxy.swap(next.port);
    this.active = next;
    this.log(`traffic on port ${this.publicPort} now goes to ${artifact} (port ${next.port})`);
    if (old) {
      this.previous = { artifact: old.artifact, spec: old.spec };
      const drained = await this.proxy.drain(old.port, this.drainTimeoutMs);
      if (!drained)
        this.log(
          `${this.proxy.pending(old.port)} request(s) to ${old.artifact} still running after ${this.drainTimeoutMs} ms; stopping it anyway`,
        );
      await old.stop(this.stopGraceMs);
      this.log(`stopped ${old.artifact}`);
    }
    return this.snapshot();
  }

  private get drainTimeoutMs(): number {
    return this.options.drainTimeoutMs ?? LOCAL_DEFAULTS.drainTimeoutMs;
  }

  private get stopGraceMs(): number {
    return this.options.stopGraceMs ?? LOCAL_DEFAULTS.stopGraceMs;
  }

  private snapshot(): SupervisorState {
    const app = this.active;
    return {
      current: app?.artifact,
      previous: this.previous?.artifact,
      port: this.publicPort,
      versions: app?.running ? [{ artifact: app.artifact, port: app.port, pid: app.pid }] : [],
    };
  }

  /** One operation at a time: a deploy and a rollback must never interleave their swaps. */
  private serialized<T>(options: OperationOptions, fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      this.operationLog = options.log;
      try {
        return await fn();
      } finally {
        this.operationLog = undefined;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private log(line: string): void {
    this.deps.log(line);
    this.operationLog?.(line);
  }
}

function interrupted(signal: AbortSignal | undefined, artifact: string): void {
  if (signal?.aborted) {
    throw new DeployctlError(
      'INTERRUPTED',
      `deploy of ${artifact} was interrupted before traffic moved; the serving version is unchanged`,
    );
  }
}
