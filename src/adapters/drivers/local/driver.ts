/**
 * The `local` rollout driver. In-process (the demo, tests) it drives a Supervisor the caller
 * owns. Otherwise it finds the detached supervisor through `<stateDir>/supervisor.json`, or
 * starts one — `deployctl release` is short-lived, the app must keep serving after it exits.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../../clock.js';
import { type Clock } from '../../../ports.js';
import { DeployctlError } from '../../../errors.js';
import type { RolloutContext, RolloutDriver, RolloutResult } from '../../../ports.js';
import { appSpec, LOCAL_DEFAULTS, type AppSpec } from './config.js';
import { type LocalDriverConfig } from '../../../config/rollout.js';
import { RemoteSupervisor } from './control-client.js';
import { LOG_FILE, processAlive, readSupervisorFile, STATE_FILE } from './state-file.js';
import type { SupervisorControl, SupervisorState } from './supervisor.js';

/** How long a freshly spawned supervisor may take to announce itself. */
const SPAWN_READY_TIMEOUT_MS = 15000;
const SPAWN_POLL_MS = 50;

export interface LocalDriverOptions {
  /** In-process mode: drive this supervisor; its lifetime belongs to the caller. */
  supervisor?: SupervisorControl;
  /** Folder the start command runs in and `stateDir` is resolved against (the config's folder). */
  cwd?: string;
  clock?: Clock;
}

export class LocalDriver implements RolloutDriver {
  readonly name = 'local';
  private readonly spec: AppSpec;
  private readonly stateDir: string;
  private readonly clock: Clock;
  private connection: SupervisorControl | undefined;

  constructor(
    private readonly config: LocalDriverConfig,
    private readonly options: LocalDriverOptions = {},
  ) {
    const cwd = options.cwd ?? process.cwd();
    this.spec = appSpec(config, cwd);
    this.stateDir = path.resolve(cwd, config.stateDir ?? LOCAL_DEFAULTS.stateDir);
    this.clock = options.clock ?? systemClock;
    this.connection = options.supervisor;
  }

  async rollout(ctx: RolloutContext): Promise<RolloutResult> {
    const supervisor = await this.connect(true);
    ctx.log(`deploying ${ctx.artifact} behind 127.0.0.1:${this.config.port}`);
    return result(await supervisor.deploy(ctx.artifact, { spec: this.spec, log: ctx.log, signal: ctx.signal }));
  }

  async rollback(ctx: RolloutContext): Promise<RolloutResult> {
    const supervisor = await this.connect(true);
    ctx.log(`rolling back to ${ctx.artifact} behind 127.0.0.1:${this.config.port}`);
    return result(await supervisor.rollback(ctx.artifact, { spec: this.spec, log: ctx.log, signal: ctx.signal }));
  }

  /** Never starts a supervisor just to ask: none running means nothing is deployed. */
  async current(): Promise<string | undefined> {
    const supervisor = await this.connect(false);
    return supervisor ? (await supervisor.state()).current : undefined;
  }

  /** Forgets the connection; the supervisor and the app keep running. */
  async close(): Promise<void> {
    if (!this.options.supervisor) this.connection = undefined;
  }

  /** Stops the detached supervisor and every version it runs (`deployctl` teardown, tests). */
  async stopSupervisor(): Promise<void> {
    const supervisor = await this.findRunning();
    if (!supervisor) return;
    const { pid } = await supervisor.state();
    await supervisor.stop();
    const deadline = this.clock.now() + LOCAL_DEFAULTS.stopGraceMs + SPAWN_READY_TIMEOUT_MS;
    while (processAlive(pid) && this.clock.now() < deadline) await this.clock.sleep(SPAWN_POLL_MS);
    this.connection = undefined;
  }

  private async connect(spawnIfMissing: true): Promise<SupervisorControl>;
  private async connect(spawnIfMissing: false): Promise<SupervisorControl | undefined>;
  private async connect(spawnIfMissing: boolean): Promise<SupervisorControl | undefined> {
    if (this.connection) return this.connection;
    const running = await this.findRunning();
    if (running) {
      const { port } = await running.state();
      if (port !== this.config.port) {
        throw new DeployctlError(
          'ROLLOUT_FAILED',
          `the local supervisor in ${this.stateDir} serves port ${port}, but rollout.port is ${this.config.port}`,
          {
            key: 'rollout.port',
            hint: 'stop that supervisor first (it stops the app), or set rollout.port back',
          },
        );
      }
      return (this.connection = running);
    }
    if (!spawnIfMissing) return undefined;
    return (this.connection = await this.spawnSupervisor());
  }

  private async findRunning(): Promise<RemoteSupervisor | undefined> {
    const file = await readSupervisorFile(this.stateDir);
    if (!file || !processAlive(file.pid)) return undefined;
    const remote = new RemoteSupervisor(file.controlPort, file.token);
    try {
      return (await remote.state()).pid === file.pid ? remote : undefined;
    } catch {
      return undefined;
    }
  }

  private async spawnSupervisor(): Promise<RemoteSupervisor> {
    await mkdir(this.stateDir, { recursive: true });
    await rm(path.join(this.stateDir, STATE_FILE), { force: true });
    const logPath = path.join(this.stateDir, LOG_FILE);
    const logFile = await open(logPath, 'a');
    const args = [
      ...supervisorEntry(),
      '--state-dir',
      this.stateDir,
      '--port',
      String(this.config.port),
      '--start',
      this.spec.start,
      '--health-path',
      this.spec.healthPath,
      '--startup-timeout-ms',
      String(this.spec.startupTimeoutMs),
      '--drain-timeout-ms',
      String(this.config.drainTimeoutMs ?? LOCAL_DEFAULTS.drainTimeoutMs),
      ...(this.spec.cwd ? ['--cwd', this.spec.cwd] : []),
    ];
    const child = spawn(process.execPath, args, {
      detached: true,
      stdio: ['ignore', logFile.fd, logFile.fd],
      cwd: this.spec.cwd,
    });
    await logFile.close();
    child.unref();
    let exited: string | undefined;
    child.on('exit', (code, signal) => (exited = signal ? `killed by ${signal}` : `exit code ${code}`));
    child.on('error', (e) => (exited = e.message));

    const deadline = this.clock.now() + SPAWN_READY_TIMEOUT_MS;
    while (this.clock.now() < deadline && exited === undefined) {
      const file = await readSupervisorFile(this.stateDir);
      if (file && file.pid === child.pid) return new RemoteSupervisor(file.controlPort, file.token);
      await this.clock.sleep(SPAWN_POLL_MS);
    }
    if (exited === undefined && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    const tail = (await readFile(logPath, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n  ');
    throw new DeployctlError(
      'ROLLOUT_FAILED',
      `the local supervisor did not start (${exited ?? `not ready within ${SPAWN_READY_TIMEOUT_MS} ms`})${tail ? `:\n  ${tail}` : ''}`,
      {
        file: logPath,
        hint: 'see the log for the reason, e.g. the public port is taken by another process',
      },
    );
  }
}

function result(state: SupervisorState): RolloutResult {
  if (state.current === undefined)
    throw new DeployctlError('INTERNAL', 'the supervisor reports no current version after a deploy');
  return { artifact: state.current, outputs: { url: `http://127.0.0.1:${state.port}` } };
}

/**
 * Node arguments that run supervisor-main. From the build it sits beside this file; from the
 * TypeScript sources (tests, `npm run deployctl`) the build is preferred, else the sources run
 * under the same loader flags as this process.
 */
function supervisorEntry(): string[] {
  const here = fileURLToPath(import.meta.url);
  const sibling = path.join(path.dirname(here), `supervisor-main${path.extname(here)}`);
  if (here.endsWith('.js')) return [sibling];
  const built = path.resolve(path.dirname(here), '../../../../dist/src/adapters/drivers/local/supervisor-main.js');
  return existsSync(built) ? [built] : [...process.execArgv, sibling];
}
