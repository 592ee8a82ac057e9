/**
 * `deployctl plan --rollout <artifact>`: what the rollout stage would do, without doing it. The
 * pulumi driver asks the engine for a preview (resource changes); the others have nothing to ask
 * and describe the step they would run.
 */
import type { Config } from '../config/config.js';
import { DeployctlError } from '../errors.js';
import { PulumiDriver } from '../adapters/drivers/pulumi/driver.js';

export interface RolloutPreview {
  driver: string;
  artifact: string;
  /** One line per step the rollout would take. */
  steps: string[];
  /** Resource changes per operation, when the driver can compute them (pulumi). */
  changes?: Record<string, number>;
}

export async function previewRollout(config: Config, artifact: string): Promise<RolloutPreview> {
  const rollout = config.rollout;
  if (!rollout)
    throw new DeployctlError('CONFIG_INVALID', "--rollout needs a rollout driver: add 'rollout:' to deployctl.yaml", {
      key: 'rollout',
    });
  switch (rollout.driver) {
    case 'command':
      return { driver: 'command', artifact, steps: [`run: ${rollout.deploy}`, `with DEPLOYCTL_ARTIFACT=${artifact}`] };
    case 'local':
      return {
        driver: 'local',
        artifact,
        steps: [
          `start: ${rollout.start} (ARTIFACT=${artifact}, PORT=<fresh port>)`,
          `wait for ${rollout.healthPath ?? '/healthz'} to answer 200`,
          `swap 127.0.0.1:${rollout.port} to it, drain and stop the previous version`,
        ],
      };
    case 'pulumi': {
      const driver = new PulumiDriver(rollout, { cwd: config.baseDir });
      try {
        const p = await driver.preview(artifact);
        return {
          driver: 'pulumi',
          artifact,
          steps: [`stack ${p.stack}: set ${p.configKey} ${p.currentImage ?? '(unset)'} → ${p.image}`, 'pulumi up'],
          changes: p.changes,
        };
      } finally {
        await driver.close();
      }
    }
  }
}
