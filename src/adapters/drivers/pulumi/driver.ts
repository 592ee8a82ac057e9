/**
 * The `pulumi` rollout driver: a release is `pulumi up` (with `--refresh`) through the Automation
 * API, with the image and version of the artifact set in a temporary copy of the stack's config
 * (release-config.ts), never in the working tree. The stack in stacks/ waits for ECS to settle;
 * its outputs name the image it deployed (what current() reports) and the version verify asks
 * the app for, so a deployment ECS rolled back is a failed rollout.
 */
import path from 'node:path';
import { DeployctlError } from '../../../errors.js';
import type { RolloutContext, RolloutDriver, RolloutResult } from '../../../ports.js';
import { type PulumiRolloutConfig } from '../../../config/rollout.js';
import { loadAutomation } from './automation.js';
import {
  DEFAULT_HEALTH_URL_OUTPUT,
  DEFAULT_IMAGE_CONFIG_KEY,
  DEFAULT_IMAGE_OUTPUT,
  DEFAULT_VERSION_CONFIG_KEY,
  VERSION_OUTPUT,
} from './config.js';
import { translatePulumiError, type PulumiOperation } from './errors.js';
import { artifactOf, imageFor } from './image.js';
import { writeReleaseConfig } from './release-config.js';
import { openLocalStack, type StackFactory, type StackLike, type StackOutputs } from './stack.js';

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
  /** The image the stack deployed last; unset before its first update. */
  currentImage?: string;
  image: string;
  /** Resource counts per operation (`update: 2, same: 40`), as the Pulumi engine reports them. */
  changes: Record<string, number>;
}

export class PulumiDriver implements RolloutDriver {
  readonly name = 'pulumi';
  /** SIGINT lets the Pulumi engine finish the resource operations in flight and save its state. */
  readonly interruptible = true;
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

  /** Deploys `ctx.artifact` with `up --refresh`; repeating it for the same artifact changes nothing. */
  rollout(ctx: RolloutContext): Promise<RolloutResult> {
    return this.deploy('rollout', ctx);
  }

  /** Same as rollout, towards the previous artifact: the stack converges on whatever image it is given. */
  rollback(ctx: RolloutContext): Promise<RolloutResult> {
    return this.deploy('rollback', ctx);
  }

  /**
   * The artifact the stack last deployed, from its `image` output (not from any config file: a
   * failed or interrupted update leaves the outputs of the last good one); undefined before the
   * first update.
   */
  async current(): Promise<string | undefined> {
    const stack = await this.open();
    const outputs = await this.guard('outputs', () => stack.outputs());
    const image = this.deployedImage(outputs);
    return image === undefined ? undefined : artifactOf(image, this.config.imageRepository);
  }

  /** Previews a rollout of `artifact` against a temporary config; the working tree is not touched. */
  async preview(artifact: string): Promise<PulumiPreview> {
    const image = imageFor(artifact, this.config.imageRepository);
    const stack = await this.open();
    const currentImage = this.deployedImage(await this.guard('outputs', () => stack.outputs()));
    const file = await this.releaseConfig(artifact, image);
    try {
      const result = await this.guard('preview', () => stack.preview({ color: 'never', configFile: file.path }));
      const changes: Record<string, number> = {};
      for (const [operation, count] of Object.entries(result.changeSummary)) {
        if (count !== undefined) changes[operation] = count;
      }
      return { stack: this.config.stack, configKey: this.configKey, currentImage, image, changes };
    } finally {
      await file.remove();
    }
  }

  /** The Automation API holds no connection between CLI calls; forget the stack so a later call reopens it. */
  async close(): Promise<void> {
    this.stack = undefined;
  }

  private async deploy(verb: 'rollout' | 'rollback', ctx: RolloutContext): Promise<RolloutResult> {
    const image = imageFor(ctx.artifact, this.config.imageRepository);
    if (ctx.signal?.aborted) throw interrupted(verb, ctx.artifact, this.config.stack);
    const stack = await this.open();
    const file = await this.releaseConfig(ctx.artifact, image);
    const stdout = lineSplitter(ctx.log);
    const stderr = lineSplitter(ctx.log);
    const onAbort = (): void =>
      ctx.log(`interrupted: the Pulumi engine finishes the operations in flight on stack '${this.config.stack}'`);
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      ctx.log(`${verb}: ${this.configKey}=${image} on Pulumi stack '${this.config.stack}' (up --refresh)`);
      if (ctx.signal?.aborted) throw interrupted(verb, ctx.artifact, this.config.stack);
      const result = await this.guard('up', () =>
        stack.up({
          onOutput: stdout.write,
          onError: stderr.write,
          color: 'never',
          message: `deployctl ${verb} ${ctx.artifact} (release ${ctx.releaseId})`,
          configFile: file.path,
          // After a failed or interrupted update the state holds the values it attempted; without
          // a refresh, `up` of the same image would find nothing to change while the old one serves.
          refresh: true,
          signal: ctx.signal,
        }),
      ).catch((e: unknown) => {
        throw ctx.signal?.aborted ? interrupted(verb, ctx.artifact, this.config.stack, e) : e;
      });
      return { artifact: ctx.artifact, outputs: this.pickOutputs(result.outputs, image, ctx.log) };
    } finally {
      ctx.signal?.removeEventListener('abort', onAbort);
      stdout.flush();
      stderr.flush();
      await file.remove();
    }
  }

  private releaseConfig(artifact: string, image: string) {
    return writeReleaseConfig({
      workDir: this.workDir,
      stackName: this.config.stack,
      values: {
        [this.configKey]: image,
        [this.config.versionConfigKey ?? DEFAULT_VERSION_CONFIG_KEY]: artifact,
      },
    });
  }

  private deployedImage(outputs: StackOutputs): string | undefined {
    const found = outputs[this.config.imageOutput ?? DEFAULT_IMAGE_OUTPUT];
    return typeof found?.value === 'string' && found.value !== '' ? found.value : undefined;
  }

  /**
   * The values verify needs, as plain strings; secret outputs are never copied out of the stack.
   * A stack whose image output names another image did not deploy this one: that is a failure,
   * whatever the engine reported.
   */
  private pickOutputs(outputs: StackOutputs, image: string, log: (line: string) => void): Record<string, string> {
    const deployed = this.deployedImage(outputs);
    if (deployed !== undefined && deployed !== image) {
      throw new DeployctlError(
        'ROLLOUT_FAILED',
        `Pulumi stack '${this.config.stack}' reports image ${deployed} after the update, not ${image}`,
        { hint: `check the stack's \`${this.configKey}\` config and its image output (\`pulumi stack output\`)` },
      );
    }
    const picked: Record<string, string> = {};
    const wanted: Array<[string, string]> = [
      ['healthUrl', this.config.healthUrlOutput ?? DEFAULT_HEALTH_URL_OUTPUT],
      ['url', 'url'],
      ['version', VERSION_OUTPUT],
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
      if (e instanceof DeployctlError) throw e;
      const automation = await loadAutomation();
      throw translatePulumiError(e, { automation, operation, stackName: this.config.stack, workDir: this.workDir });
    }
  }
}

function interrupted(verb: string, artifact: string, stack: string, cause?: unknown): DeployctlError {
  return new DeployctlError('INTERRUPTED', `${verb} of ${artifact} on Pulumi stack '${stack}' was interrupted`, {
    cause,
    hint: `the engine stopped after the operations in flight; \`pulumi stack --stack ${stack}\` shows what it changed (\`pulumi cancel\` only if it reports an update still running), then run \`deployctl release --resume\` (its \`up --refresh\` starts from what is really deployed)`,
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
