/** Builds the configured rollout driver. The only place that knows every driver. */
import type { Clock } from '../../ports.js';
import type { RolloutConfig } from '../../config/rollout.js';
import { DeployctlError } from '../../errors.js';
import { CommandDriver } from './command.js';
import type { RolloutDriver } from '../../ports.js';
import { LocalDriver } from './local/driver.js';
import { PulumiDriver } from './pulumi/driver.js';

export interface DriverDeps {
  clock: Clock;
  /** Folder commands and relative paths resolve against (the config file's folder). */
  cwd: string;
}

export async function createDriver(config: RolloutConfig | undefined, deps: DriverDeps): Promise<RolloutDriver> {
  if (!config) {
    throw new DeployctlError(
      'CONFIG_INVALID',
      "no rollout driver configured: add 'rollout:' to deployctl.yaml, e.g. rollout: { driver: command, deploy: ./deploy.sh }",
      { key: 'rollout' },
    );
  }
  switch (config.driver) {
    case 'command':
      return new CommandDriver(config, { clock: deps.clock, cwd: deps.cwd });
    case 'local':
      return new LocalDriver(config, { clock: deps.clock, cwd: deps.cwd });
    case 'pulumi':
      return new PulumiDriver(config, { cwd: deps.cwd });
  }
}
