/**
 * The seam between the `pulumi` driver and Pulumi's Automation API. `StackLike` is the part of
 * the Automation API's `Stack` the driver uses, so the real `Stack` satisfies it as is and tests
 * pass a fake; the default factory opens the stack with the Pulumi CLI through `LocalWorkspace`.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DeployctlError } from '../../../errors.js';

export interface ConfigValueLike {
  value: string;
  secret?: boolean;
}

export interface OperationOptions {
  /** Called with chunks of the CLI's stdout / stderr as they arrive (not whole lines). */
  onOutput?: (chunk: string) => void;
  onError?: (chunk: string) => void;
  /** Recorded in the stack's update history. */
  message?: string;
  color?: 'always' | 'never' | 'raw' | 'auto';
}

export interface StackLike {
  readonly name: string;
  setConfig(key: string, value: ConfigValueLike): Promise<void>;
  removeConfig(key: string): Promise<void>;
  /** Keys are namespaced: `deployctl-app:image`, `aws:region`. */
  getAllConfig(): Promise<Record<string, ConfigValueLike>>;
  up(options: OperationOptions): Promise<{ outputs: Record<string, { value: unknown; secret: boolean }> }>;
  preview(options: OperationOptions): Promise<{ changeSummary: Partial<Record<string, number>> }>;
  /** Stops the update running on the stack (server side) and releases the stack's lock. */
  cancel(): Promise<void>;
}

export interface StackOpenOptions {
  stackName: string;
  /** Absolute path of the folder holding Pulumi.yaml. */
  workDir: string;
}

export type StackFactory = (options: StackOpenOptions) => Promise<StackLike>;

/**
 * Selects an existing stack with the Pulumi CLI. The Automation API is loaded on first use only:
 * deployctl runs without it for every other driver. A missing Pulumi.yaml is reported here, before
 * the CLI would fail with a less helpful message.
 */
export const openLocalStack: StackFactory = async ({ stackName, workDir }) => {
  const projectFile = path.join(workDir, 'Pulumi.yaml');
  const found = await stat(projectFile).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!found) {
    throw new DeployctlError('CONFIG_INVALID', `no Pulumi project at ${workDir}: ${projectFile} does not exist`, {
      key: 'rollout.workDir',
      hint: 'set rollout.workDir to the folder holding Pulumi.yaml, relative to deployctl.yaml',
    });
  }
  const { LocalWorkspace } = await import('@pulumi/pulumi/automation/index.js');
  return LocalWorkspace.selectStack({ stackName, workDir });
};
