/** Ways to stand up each RolloutDriver for the contract suite, with an independent observer. */
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/clock.js';
import { CommandDriver } from '../../src/adapters/drivers/command.js';
import type { RolloutDriver } from '../../src/ports.js';
import { appSpec } from '../../src/adapters/drivers/local/config.js';
import { type LocalDriverConfig } from '../../src/config/rollout.js';
import { LocalDriver } from '../../src/adapters/drivers/local/driver.js';
import { Supervisor } from '../../src/adapters/drivers/local/supervisor.js';
import { PulumiDriver } from '../../src/adapters/drivers/pulumi/driver.js';
import { fakePulumiCli, type FakeCli } from './pulumi/fake-cli.js';

export const APP_SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/app/server.mjs');

export interface DriverHarness {
  setup(): Promise<RolloutDriver>;
  teardown(): Promise<void>;
  /** An artifact whose rollout fails. */
  failingArtifact: string;
  /** What is deployed, read without going through the driver. */
  observe(): Promise<string | undefined>;
}

/** Deploy script: records the artifact in a state file; the artifact `broken` fails to deploy. */
export function commandHarness(withRollbackCommand: boolean): DriverHarness {
  let dir = '';
  const state = (): string => path.join(dir, 'state');
  return {
    failingArtifact: 'broken',
    async setup() {
      dir = await mkdtemp(path.join(os.tmpdir(), 'deployctl-cmd-'));
      const deploy = `if [ "$DEPLOYCTL_ARTIFACT" = broken ]; then echo "pulling $ARTIFACT" ; echo "image not found" >&2; exit 3; fi; echo "deploying $ARTIFACT (release $RELEASE_ID)"; echo "$DEPLOYCTL_ARTIFACT" > '${state()}'`;
      return new CommandDriver({
        deploy,
        rollback: withRollbackCommand
          ? `echo "rolling back from $DEPLOYCTL_PREVIOUS_ARTIFACT"; echo "$DEPLOYCTL_ARTIFACT" > '${state()}'`
          : undefined,
        current: `cat '${state()}' 2>/dev/null || true`,
        timeoutMs: 20000,
      });
    },
    async teardown() {
      await rm(dir, { recursive: true, force: true });
    },
    async observe() {
      return (await readFile(state(), 'utf8').catch(() => '')).trim() || undefined;
    },
  };
}

/** The fixture app behind an in-process supervisor; observed through the public port. */
export function localInProcessHarness(): DriverHarness {
  let supervisor: Supervisor;
  let port = 0;
  return {
    failingArtifact: 'unhealthy-v9',
    async setup() {
      const config: LocalDriverConfig = {
        start: `exec node '${APP_SERVER}'`,
        port: 0,
        startupTimeoutMs: 1500,
        drainTimeoutMs: 5000,
      };
      supervisor = new Supervisor(
        { port: 0, spec: appSpec(config), drainTimeoutMs: 5000, stopGraceMs: 5000 },
        { clock: systemClock, log: () => undefined },
      );
      port = await supervisor.listen();
      return new LocalDriver({ ...config, port }, { supervisor });
    },
    async teardown() {
      await supervisor.stop();
    },
    async observe() {
      return new Promise((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/version', agent: false }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve(res.statusCode === 200 ? body : undefined));
          })
          .on('error', reject);
      });
    },
  };
}

/**
 * The pulumi driver through the real Automation API against the fake `pulumi` executable
 * (pulumi/fake-cli.ts), observed through the image the fake's last successful `up` deployed (its
 * `image` output, read from the fake's state rather than through the driver). The artifact
 * `broken` fails its `up` the way an ECS rollout does (the deployment circuit breaker trips).
 */
export function pulumiHarness(): DriverHarness {
  const repository = 'registry.example.com/team/shop';
  let cli: FakeCli;
  return {
    failingArtifact: 'broken',
    async setup() {
      cli = await fakePulumiCli();
      return new PulumiDriver({ stack: 'prod', imageRepository: repository }, { cwd: cli.workDir });
    },
    async teardown() {
      await cli.teardown();
    },
    async observe() {
      const image = (await cli.state()).stacks.prod?.outputs.image;
      if (image === undefined) return undefined;
      const prefix = `${repository}:`;
      if (typeof image !== 'string' || !image.startsWith(prefix))
        throw new Error(`the fake stack deployed ${String(image)}, not an image of ${repository}`);
      return image.slice(prefix.length);
    },
  };
}
