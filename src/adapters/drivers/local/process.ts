/**
 * One running version of the app: started from the `start` template on a fresh port, in its own
 * process group (so stopping it stops whatever the template started), ready once its health path
 * answers 200.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Clock } from '../../../ports.js';
import { freePort } from '../../process/free-port.js';
import { DeployctlError } from '../../../errors.js';
import { HttpHealthCheck } from '../../health/http.js';
import type { AppSpec } from './config.js';

/** Pause between readiness probes while a version starts. */
const READY_POLL_MS = 100;
/** Limit for one readiness probe; a hung probe must not eat the whole startup budget. */
const READY_PROBE_TIMEOUT_MS = 2000;
const OUTPUT_TAIL_LINES = 20;

export interface AppProcessDeps {
  clock: Clock;
  /** The version's stdout/stderr lines, prefixed with its artifact. */
  log: (line: string) => void;
}

export class AppProcess {
  private readonly tail: string[] = [];
  private exitInfo: string | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    readonly artifact: string,
    readonly port: number,
    readonly spec: AppSpec,
    private readonly child: ChildProcess,
    private readonly deps: AppProcessDeps,
  ) {
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitInfo = signal ? `killed by ${signal}` : `exit code ${code}`;
        resolve();
      });
      child.on('error', (e) => {
        this.exitInfo = `could not start: ${e.message}`;
        resolve();
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream?.on('data', (chunk: Buffer) => {
        const lines = (pending + chunk.toString('utf8')).split(/\r?\n/);
        pending = lines.pop() ?? '';
        for (const line of lines) this.output(line);
      });
      stream?.on('end', () => pending && this.output(pending));
    }
  }

  /** Starts `artifact` and resolves once it is ready; on failure nothing is left running. */
  static async start(artifact: string, spec: AppSpec, deps: AppProcessDeps): Promise<AppProcess> {
    const port = await freePort();
    const child = spawn('sh', ['-c', spec.start], {
      cwd: spec.cwd,
      env: { ...process.env, PORT: String(port), ARTIFACT: artifact, DEPLOYCTL_ARTIFACT: artifact },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const app = new AppProcess(artifact, port, spec, child, deps);
    deps.log(`started ${artifact} on port ${port} (pid ${child.pid ?? '?'}): ${spec.start}`);
    try {
      await app.waitReady();
    } catch (e) {
      await app.stop(0);
      throw e;
    }
    return app;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Settles once the version has exited, for whatever reason. */
  get whenExited(): Promise<void> {
    return this.exited;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the version has exited. */
  async stop(graceMs: number): Promise<void> {
    if (this.running) {
      this.signalGroup('SIGTERM');
      const timer = new AbortController();
      const gaveUp = await Promise.race([
        this.exited.then(() => false),
        this.deps.clock.sleep(graceMs, timer.signal).then(
          () => true,
          () => false,
        ),
      ]);
      timer.abort();
      if (gaveUp) {
        this.deps.log(`${this.artifact} did not stop within ${graceMs} ms; sending SIGKILL`);
        this.signalGroup('SIGKILL');
      }
      await this.exited;
    }
    // Whatever the template started besides the leader goes with it.
    this.signalGroup('SIGKILL');
  }

  private async waitReady(): Promise<void> {
    const { clock } = this.deps;
    const url = `http://127.0.0.1:${this.port}${this.spec.healthPath}`;
    const probe = new HttpHealthCheck({ url, timeoutMs: READY_PROBE_TIMEOUT_MS }, { clock });
    const deadline = clock.now() + this.spec.startupTimeoutMs;
    let last = 'no answer yet';
    for (;;) {
      if (!this.running) throw this.failure(`exited (${this.exitInfo}) before ${url} answered 200`);
      const result = await probe.run();
      if (result.ok) return;
      last = result.detail;
      if (clock.now() + READY_POLL_MS > deadline) break;
      await Promise.race([clock.sleep(READY_POLL_MS), this.exited]);
    }
    throw this.failure(`did not answer 200 at ${url} within ${this.spec.startupTimeoutMs} ms (last: ${last})`);
  }

  private failure(what: string): DeployctlError {
    const output = this.tail.length ? `\nlast output:\n  ${this.tail.join('\n  ')}` : '';
    return new DeployctlError('ROLLOUT_FAILED', `${this.artifact} ${what}${output}`, {
      key: 'rollout.start',
      hint: 'the version kept serving is unchanged; run the start command by hand with PORT set to see why it fails',
    });
  }

  private output(line: string): void {
    this.tail.push(line);
    if (this.tail.length > OUTPUT_TAIL_LINES) this.tail.shift();
    this.deps.log(`[${this.artifact}] ${line}`);
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // The group is gone already.
    }
  }
}
