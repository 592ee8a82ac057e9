/**
 * A fake of the Automation API's `Stack` for the `pulumi` driver (its `openStack` seam): it
 * records what the driver asks of Pulumi, keeps the stack config, remembers which image the last
 * successful `up` deployed (what serves, seen without the driver), and fails the way the
 * Automation API does (its own error classifier builds the errors from CLI output).
 */
import * as automationErrors from '@pulumi/pulumi/automation/errors.js';
import type { ConfigValueLike, OperationOptions, StackLike } from '../../src/adapters/drivers/pulumi/stack.js';

export const PROJECT = 'deployctl-app';

/** The Automation API's own classifier: CLI result in, typed error out (internal, so untyped). */
const { createCommandError } = automationErrors as unknown as {
  createCommandError(result: { stdout: string; stderr: string; code: number; err?: Error; toString(): string }): Error;
};
export function cliError(stderr: string, code = 255, err?: Error): Error {
  return createCommandError({ stdout: '', stderr, code, err, toString: () => `code: ${code}\n stderr: ${stderr}` });
}

export type Outputs = Record<string, { value: unknown; secret: boolean }>;

export class FakeStack implements StackLike {
  readonly name = 'prod';
  readonly calls: string[] = [];
  readonly config: Record<string, ConfigValueLike> = { 'aws:region': { value: 'eu-west-1' } };
  outputs: Outputs = {
    url: { value: 'http://app-123.elb.amazonaws.com', secret: false },
    healthUrl: { value: 'http://app-123.elb.amazonaws.com/healthz', secret: false },
    dbEndpoint: { value: 'db:5432', secret: false },
  };
  /** The image the last successful `up` deployed; undefined before the first one. */
  deployedImage?: string;
  /** Replaces the default `up` (print two chunks, succeed). */
  upImpl?: (options: OperationOptions) => Promise<{ outputs: Outputs }>;
  previewImpl?: () => Promise<{ changeSummary: Partial<Record<string, number>> }>;

  async setConfig(key: string, value: ConfigValueLike): Promise<void> {
    this.calls.push(`setConfig ${key}=${value.value}`);
    this.config[key.includes(':') ? key : `${PROJECT}:${key}`] = value;
  }
  async removeConfig(key: string): Promise<void> {
    this.calls.push(`removeConfig ${key}`);
    delete this.config[key.includes(':') ? key : `${PROJECT}:${key}`];
  }
  async getAllConfig(): Promise<Record<string, ConfigValueLike>> {
    this.calls.push('getAllConfig');
    return { ...this.config };
  }
  async up(options: OperationOptions): Promise<{ outputs: Outputs }> {
    const image = this.config[`${PROJECT}:image`]?.value;
    this.calls.push(`up image=${image}`);
    let result: { outputs: Outputs };
    if (this.upImpl) {
      result = await this.upImpl(options);
    } else {
      options.onOutput?.('Updating (prod)\n\n     Type   Name\n ~   aws:ecs:Ser');
      options.onOutput?.('vice  app  updated\n\nResources: 1 updated');
      result = { outputs: this.outputs };
    }
    this.deployedImage = image;
    return result;
  }
  async preview(): Promise<{ changeSummary: Partial<Record<string, number>> }> {
    this.calls.push(`preview image=${this.config[`${PROJECT}:image`]?.value}`);
    return this.previewImpl ? this.previewImpl() : { changeSummary: { same: 40, update: 1, create: 1 } };
  }
  async cancel(): Promise<void> {
    this.calls.push('cancel');
  }
}
