/**
 * The `pulumi` rollout driver: a release is a change of the stack's image config followed by
 * `pulumi up` through the Automation API. The stack in stacks/ waits for ECS to settle, so a
 * successful `up` means the new image serves; its `healthUrl` output points verify at it.
 */
import path from 'node:path';
import { DeployctlError } from '../../../errors.js';
import type { RolloutContext, RolloutDriver, RolloutResult } from '../../../ports.js';
import { DEFAULT_HEALTH_URL_OUTPUT, DEFAULT_IMAGE_CONFIG_KEY } from './config.js';
import { type PulumiRolloutConfig } from '../../../config/rollout.js';
import { translatePulumiError, type PulumiOperation } from './errors.js';
import { artifactOf, imageFor } from './image.js';
import { openLocalStack, type StackFactory, type StackLike } from './stack.js';

export interface PulumiDriverDeps {
  /** Folder `workDir` resolves against (deployctl.yaml's folder). */
  cwd?: string;
  /** Opens the stack; the default drives the Pulumi CLI. */
  openStack?: StackFactory;
}

/** What `deployctl plan --rollout` shows: the image change and the resources it would touch. */
export interface PulumiPreview {
  stack: string;
  configKey: string;
  /** Unset when the stack has never had an image. */
  currentImage?: string;
  image: string;
  /** Resource counts per operation (`update: 2, same: 40`), as the Pulumi engine reports them. */
  changes: Record<string, number>;
}

export class PulumiDriver implements RolloutDriver {
  readonly name = 'pulumi';
  private readonly workDir: string;
  private readonly configKey: string;
  private stack?: Promise<StackLike>;

  constructor(
    private readonly config: PulumiRolloutConfig,
    private readonly deps: PulumiDriverDeps = {},
  ) {
    this.workDir = path.resolve(deps.cwd ?? '.', config.workDir ?? '.');
    this.configKey = config.imageConfigKey ?? DEFAULT_IMAGE_CONFIG_KEY;
  }

  /** Sets the image for `ctx.artifact` and runs `up`; repeating it for the same artifact changes nothing. */
  rollout(ctx: RolloutContext): Promise<RolloutResult> {
    return this.deploy('rollout', ctx);
  }

  /** Same as rollout, towards the previous artifact: the stack converges on whatever image it is given. */
  rollback(ctx: RolloutContext): Promise<RolloutResult> {
    return this.deploy('rollback', ctx);
  }

  /** The artifact in the stack's image config; undefined when the key is not set. */
  async current(): Promise<string | undefined> {
    const stack = await this.open();
    const image = await this.guard('config', () => this.readImage(stack));
    return image === undefined ? undefined : artifactOf(image, this.config.imageRepository);
  }

  /**
   * Previews a rollout of `artifact`. The Automation API previews the stack's saved config only,
   * so the image is set for the preview and put back afterwards, also when the preview fails.
   */
  async preview(artifact: string): Promise<PulumiPreview> {
    const image = imageFor(artifact, this.config.imageRepository);
    const stack = await this.open();
    const currentImage = await this.guard('config', () => this.readImage(stack));
    const summary: PulumiPreview = {
      stack: this.config.stack,
      configKey: this.configKey,
      currentImage,
      image,
      changes: {},
    };
    if (currentImage !== image) await this.guard('config', () => stack.setConfig(this.configKey, { value: image }));
    try {
      const result = await this.guard('preview', () => stack.preview({ color: 'never' }));
      for (const [operation, count] of Object.entries(result.changeSummary)) {
        if (count !== undefined) summary.changes[operation] = count;
      }
    } finally {
      if (currentImage !== image) await this.restoreImage(stack, currentImage, 'the preview');
    }
    return summary;
  }

  /** The Automation API holds no connection between CLI calls; forget the stack so a later call reopens it. */
  async close(): Promise<void> {
    this.stack = undefined;
  }

  private async deploy(verb: 'rollout' | 'rollback', ctx: RolloutContext): Promise<RolloutResult> {
    const image = imageFor(ctx.artifact, this.config.imageRepository);
    if (ctx.signal?.aborted) throw interrupted(verb, ctx.artifact, this.config.stack);
    const stack = await this.open();
    // Put back if `up` fails, so current() keeps naming what serves (the next release rolls back to it).
    const servingImage = await this.guard('config', () => this.readImage(stack));
    ctx.log(`${verb}: setting ${this.configKey}=${image} on Pulumi stack '${this.config.stack}'`);
    await this.guard('config', () => stack.setConfig(this.configKey, { value: image }));
    // Nothing is deployed yet; a resumed release sets the same image again and runs `up`.
    if (ctx.signal?.aborted) throw interrupted(verb, ctx.artifact, this.config.stack);

    const stdout = lineSplitter(ctx.log);
    const stderr = lineSplitter(ctx.log);
    const onAbort = (): void => {
      ctx.log(`interrupted: cancelling the update on stack '${this.config.stack}'`);
      stack
        .cancel()
        .catch((e: unknown) => ctx.log(`pulumi cancel failed: ${e instanceof Error ? e.message : String(e)}`));
    };
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await this.guard('up', () =>
        stack.up({
          onOutput: stdout.write,
          onError: stderr.write,
          color: 'never',
          message: `deployctl ${verb} ${ctx.artifact} (release ${ctx.releaseId})`,
        }),
      ).catch(async (e: unknown) => {
        if (servingImage !== image) await this.restoreImage(stack, servingImage, `the failed ${verb}`);
        throw ctx.signal?.aborted ? interrupted(verb, ctx.artifact, this.config.stack, e) : e;
      });
      return { artifact: ctx.artifact, outputs: this.pickOutputs(result.outputs, ctx.log) };
    } finally {
      ctx.signal?.removeEventListener('abort', onAbort);
      stdout.flush();
      stderr.flush();
    }
  }

  /** The URLs verify needs, as plain strings; secret outputs are never copied out of the stack. */
  private pickOutputs(
    outputs: Record<string, { value: unknown; secret: boolean }>,
    log: (line: string) => void,
  ): Record<string, string> {
    const picked: Record<string, string> = {};
    const wanted: Array<[string, string]> = [
      ['healthUrl', this.config.healthUrlOutput ?? DEFAULT_HEALTH_URL_OUTPUT],
      ['url', 'url'],
    ];
    for (const [name, output] of wanted) {
      const found = outputs[output];
      if (found === undefined) {
        if (name === 'healthUrl')
          log(`stack '${this.config.stack}' has no output '${output}'; verify uses the configured health checks only`);
      } else if (found.secret || typeof found.value !== 'string') {
        log(`stack output '${output}' is ${found.secret ? 'secret' : 'not a string'}; not used as ${name}`);
      } else {
        picked[name] = found.value;
      }
    }
    return picked;
  }

  /** The stack's image, whether `configKey` is namespaced (`app:image`) or not (`image`). */
  private async readImage(stack: StackLike): Promise<string | undefined> {
    const all = await stack.getAllConfig();
    if (this.configKey.includes(':')) return all[this.configKey]?.value;
    const matches = Object.keys(all).filter((key) => key.endsWith(`:${this.configKey}`));
    if (matches.length > 1) {
      throw new DeployctlError(
        'CONFIG_INVALID',
        `stack '${this.config.stack}' has several '${this.configKey}' config keys: ${matches.join(', ')}`,
        {
          key: 'rollout.imageConfigKey',
          hint: `name the one holding the image with its namespace, e.g. imageConfigKey: ${matches[0]}`,
        },
      );
    }
    return matches.length === 1 ? all[matches[0]!]!.value : undefined;
  }

  private async restoreImage(stack: StackLike, previous: string | undefined, after: string): Promise<void> {
    try {
      if (previous === undefined) await stack.removeConfig(this.configKey);
      else await stack.setConfig(this.configKey, { value: previous });
    } catch (e) {
      const fix =
        previous === undefined
          ? `pulumi config rm ${this.configKey}`
          : `pulumi config set ${this.configKey} ${previous}`;
      throw new DeployctlError(
        'ROLLOUT_FAILED',
        `could not put back '${this.configKey}' on stack '${this.config.stack}' after ${after}; the next \`pulumi up\` would deploy that image again`,
        {
          cause: e,
          hint: `run \`${fix} --stack ${this.config.stack}\` in ${this.workDir}`,
        },
      );
    }
  }

  private open(): Promise<StackLike> {
    if (!this.stack) {
      const openStack = this.deps.openStack ?? openLocalStack;
      this.stack = this.guard('open', () => openStack({ stackName: this.config.stack, workDir: this.workDir }));
      // A failed open (CLI missing, not logged in) is retried by the next call.
      this.stack.catch(() => {
        this.stack = undefined;
      });
    }
    return this.stack;
  }

  private async guard<T>(operation: PulumiOperation, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      throw translatePulumiError(e, { operation, stackName: this.config.stack, workDir: this.workDir });
    }
  }
}

function interrupted(verb: string, artifact: string, stack: string, cause?: unknown): DeployctlError {
  return new DeployctlError('INTERRUPTED', `${verb} of ${artifact} on Pulumi stack '${stack}' was interrupted`, {
    cause,
    hint: `check the stack (\`pulumi stack --stack ${stack}\`; \`pulumi refresh\` if it reports pending operations), then run \`deployctl release --resume\``,
  });
}

/** The CLI's output arrives in chunks; the reporter wants whole, non-blank lines. */
function lineSplitter(log: (line: string) => void): { write: (chunk: string) => void; flush: () => void } {
  let pending = '';
  const emit = (line: string): void => {
    const trimmed = line.trimEnd();
    if (trimmed !== '') log(trimmed);
  };
  return {
    write: (chunk) => {
      const lines = (pending + chunk).split(/\r?\n/);
      pending = lines.pop() ?? '';
      lines.forEach(emit);
    },
    flush: () => {
      emit(pending);
      pending = '';
    },
  };
}
