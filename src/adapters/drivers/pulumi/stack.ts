/**
 * The seam between the `pulumi` driver and Pulumi's Automation API. `StackLike` is the part of
 * the Automation API's `Stack` the driver uses, so the real `Stack` satisfies it as is; the
 * default factory opens the stack with the Pulumi CLI through `LocalWorkspace`.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DeployctlError } from '../../../errors.js';
import { loadAutomation } from './automation.js';

export interface OperationOptions {
  /** Called with chunks of the CLI's stdout / stderr as they arrive (not whole lines). */
  onOutput?: (chunk: string) => void;
  onError?: (chunk: string) => void;
  /** Recorded in the stack's update history. */
  message?: string;
  color?: 'always' | 'never' | 'raw' | 'auto';
  /**
   * The stack configuration to use instead of the checked-out `Pulumi.<stack>.yaml`
   * (`--config-file`): the driver's copy of it with the image set, so the working tree is never
   * rewritten.
   */
  configFile?: string;
  /** Aborting sends SIGINT to the CLI: the engine finishes the resource operations in flight, saves state and stops. */
  signal?: AbortSignal;
}

export interface UpOptions extends OperationOptions {
  /** Refresh the state from the cloud before the update (`--refresh`). */
  refresh?: boolean;
}

export type StackOutputs = Record<string, { value: unknown; secret: boolean }>;

export interface StackLike {
  readonly name: string;
  up(options: UpOptions): Promise<{ outputs: StackOutputs }>;
  preview(options: OperationOptions): Promise<{ changeSummary: Partial<Record<string, number>> }>;
  /** The outputs of the last successful update: what the stack deployed. */
  outputs(): Promise<StackOutputs>;
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
  const { LocalWorkspace } = await loadAutomation();
  return LocalWorkspace.selectStack({ stackName, workDir });
};
