/**
 * The `pulumi` driver through its Automation-API seam: a fake stack records what the driver asks
 * of Pulumi, and fails the way the Automation API does (its own error classifier builds the
 * errors from CLI output). The Pulumi CLI does not exist on the machines these tests run on.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DeployctlError } from '../../src/errors.js';
import type { RolloutContext } from '../../src/ports.js';
import { PulumiDriver } from '../../src/adapters/drivers/pulumi/driver.js';
import type { PulumiRolloutConfig } from '../../src/config/rollout.js';
import {
  openLocalStack,
  type OperationOptions,
  type StackOpenOptions,
} from '../../src/adapters/drivers/pulumi/stack.js';
import { FakeStack, PROJECT, cliError } from './fake-stack.js';

const REPO = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop';
const CONFIG: PulumiRolloutConfig = { stack: 'prod', workDir: 'infra', imageRepository: REPO };

function setup(config: PulumiRolloutConfig = CONFIG, stack = new FakeStack()) {
  const opened: StackOpenOptions[] = [];
  const driver = new PulumiDriver(config, {
    cwd: '/srv/app',
    openStack: async (options) => {
      opened.push(options);
      return stack;
    },
  });
  return { driver, stack, opened };
}

function context(artifact: string, extra: Partial<RolloutContext> = {}): RolloutContext & { lines: string[] } {
  const lines: string[] = [];
  return { artifact, releaseId: 'r-7', log: (line) => lines.push(line), lines, ...extra };
}

async function failure(promise: Promise<unknown>): Promise<DeployctlError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeployctlError);
  return error as DeployctlError;
}

describe('rollout', () => {
  it('sets the image from the artifact, runs up, and hands the health URL to verify', async () => {
    const { driver, stack, opened } = setup();
    const ctx = context('1.4.2');

    const result = await driver.rollout(ctx);

    expect(opened).toEqual([{ stackName: 'prod', workDir: '/srv/app/infra' }]);
    expect(stack.calls).toEqual(['getAllConfig', `setConfig image=${REPO}:1.4.2`, `up image=${REPO}:1.4.2`]);
    expect(result).toEqual({
      artifact: '1.4.2',
      outputs: { healthUrl: 'http://app-123.elb.amazonaws.com/healthz', url: 'http://app-123.elb.amazonaws.com' },
    });
  });

  it('streams the CLI output into the log as whole lines', async () => {
    const { driver } = setup();
    const ctx = context('1.4.2');
    await driver.rollout(ctx);
    expect(ctx.lines).toEqual([
      `rollout: setting image=${REPO}:1.4.2 on Pulumi stack 'prod'`,
      'Updating (prod)',
      '     Type   Name',
      ' ~   aws:ecs:Service  app  updated',
      'Resources: 1 updated',
    ]);
  });

  it('records the release in the update message and asks for uncoloured output', async () => {
    const stack = new FakeStack();
    let seen: OperationOptions | undefined;
    stack.upImpl = async (options) => {
      seen = options;
      return { outputs: stack.outputs };
    };
    await setup(CONFIG, stack).driver.rollout(context('1.4.2'));
    expect(seen).toMatchObject({ message: 'deployctl rollout 1.4.2 (release r-7)', color: 'never' });
  });

  it('uses the configured config key and health output, and never copies a secret output', async () => {
    const stack = new FakeStack();
    stack.outputs = {
      url: { value: 'https://shop.example.com', secret: true },
      readyUrl: { value: 'https://shop.example.com/ready', secret: false },
    };
    const { driver } = setup(
      { stack: 'prod', imageConfigKey: 'shop:containerImage', healthUrlOutput: 'readyUrl' },
      stack,
    );
    const ctx = context('ghcr.io/acme/shop@sha256:' + 'a'.repeat(64));

    const result = await driver.rollout(ctx);

    expect(stack.calls[1]).toBe(`setConfig shop:containerImage=ghcr.io/acme/shop@sha256:${'a'.repeat(64)}`);
    expect(result.outputs).toEqual({ healthUrl: 'https://shop.example.com/ready' });
    expect(ctx.lines).toContain("stack output 'url' is secret; not used as url");
  });

  it('says so when the stack has no health URL output', async () => {
    const stack = new FakeStack();
    stack.outputs = {};
    const ctx = context('1.4.2');
    const result = await setup(CONFIG, stack).driver.rollout(ctx);
    expect(result.outputs).toEqual({});
    expect(ctx.lines).toContain(
      "stack 'prod' has no output 'healthUrl'; verify uses the configured health checks only",
    );
  });

  it('refuses an artifact that is not a tag of the repository before touching the stack', async () => {
    const { driver, stack, opened } = setup();
    const error = await failure(driver.rollout(context('1.4.2 --force')));
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain(`expected an image tag (e.g. 1.4.2) or a digest (sha256:…) of ${REPO}`);
    expect(opened).toEqual([]);
    expect(stack.calls).toEqual([]);
  });
});

describe('rollback and current', () => {
  it('rollback puts the previous image back and runs up', async () => {
    const { driver, stack } = setup();
    await driver.rollout(context('1.4.2'));
    const result = await driver.rollback(context('1.4.1', { previousArtifact: '1.4.2' }));

    expect(stack.calls.slice(3)).toEqual(['getAllConfig', `setConfig image=${REPO}:1.4.1`, `up image=${REPO}:1.4.1`]);
    expect(result.artifact).toBe('1.4.1');
    expect(await driver.current()).toBe('1.4.1');
  });

  it('current() reads the image config back as the artifact', async () => {
    const { driver, stack } = setup();
    expect(await driver.current()).toBeUndefined();
    stack.config[`${PROJECT}:image`] = { value: `${REPO}:2.0.0` };
    expect(await driver.current()).toBe('2.0.0');
    stack.config[`${PROJECT}:image`] = { value: `${REPO}@sha256:${'b'.repeat(64)}` };
    expect(await driver.current()).toBe(`sha256:${'b'.repeat(64)}`);
    // An image from elsewhere is reported whole, and can be rolled back to as is.
    stack.config[`${PROJECT}:image`] = { value: 'ghcr.io/acme/shop:hotfix' };
    expect(await driver.current()).toBe('ghcr.io/acme/shop:hotfix');
    await driver.rollback(context('ghcr.io/acme/shop:hotfix'));
    expect(stack.calls).toContain('setConfig image=ghcr.io/acme/shop:hotfix');
  });

  it('current() asks for a namespace when the key is ambiguous', async () => {
    const { driver, stack } = setup();
    stack.config[`${PROJECT}:image`] = { value: `${REPO}:1.0.0` };
    stack.config['sidecar:image'] = { value: 'envoy:1.30' };
    const error = await failure(driver.current());
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', key: 'rollout.imageConfigKey' });
    expect(error.hint).toContain(`imageConfigKey: ${PROJECT}:image`);
  });
});

describe('preview', () => {
  it('previews the new image and puts the old one back', async () => {
    const { driver, stack } = setup();
    stack.config[`${PROJECT}:image`] = { value: `${REPO}:1.4.1` };

    const preview = await driver.preview('1.4.2');

    expect(preview).toEqual({
      stack: 'prod',
      configKey: 'image',
      currentImage: `${REPO}:1.4.1`,
      image: `${REPO}:1.4.2`,
      changes: { same: 40, update: 1, create: 1 },
    });
    expect(stack.calls).toEqual([
      'getAllConfig',
      `setConfig image=${REPO}:1.4.2`,
      `preview image=${REPO}:1.4.2`,
      `setConfig image=${REPO}:1.4.1`,
    ]);
  });

  it('removes the key again when the stack had no image, also when the preview fails', async () => {
    const { driver, stack } = setup();
    stack.previewImpl = async () => {
      throw cliError('error: an unhandled error occurred: program failed');
    };
    const error = await failure(driver.preview('1.4.2'));
    expect(error.code).toBe('ROLLOUT_FAILED');
    expect(error.message).toContain('`pulumi preview` failed');
    expect(stack.calls.slice(-1)).toEqual(['removeConfig image']);
    expect(stack.config[`${PROJECT}:image`]).toBeUndefined();
  });
});

describe('Pulumi errors', () => {
  it('another update on the stack is reported as such', async () => {
    const stack = new FakeStack();
    stack.upImpl = async () => {
      throw cliError('error: [409] Conflict: Another update is currently in progress.\n');
    };
    const error = await failure(setup(CONFIG, stack).driver.rollout(context('1.4.2')));
    expect(error.code).toBe('ROLLOUT_FAILED');
    expect(error.message).toBe("another update is running on Pulumi stack 'prod'; nothing was changed");
    expect(error.hint).toContain('pulumi cancel --stack prod');
  });

  it('a failed up is ROLLOUT_FAILED quoting the last lines of stderr', async () => {
    const stack = new FakeStack();
    const stderr =
      Array.from({ length: 30 }, (_, i) => `noise ${i}`).join('\n') +
      '\nerror: 1 error occurred:\n\t* updating urn:pulumi:prod::deployctl-app::aws:ecs/service:Service::app: ' +
      'waiting for ECS Service (app) stable: ECS Deployment Circuit Breaker was triggered\n';
    stack.upImpl = async () => {
      throw cliError(stderr);
    };
    const error = await failure(setup(CONFIG, stack).driver.rollout(context('1.4.2')));
    expect(error.code).toBe('ROLLOUT_FAILED');
    expect(error.message).toMatch(/^`pulumi up` failed on stack 'prod':\n/);
    expect(error.message).toContain('ECS Deployment Circuit Breaker was triggered');
    expect(error.message).not.toContain('noise 16\n');
    expect(error.message).toContain('noise 17');
  });

  it('a missing stack names the config key and how to create it; the next call tries again', async () => {
    let attempts = 0;
    const stack = new FakeStack();
    const driver = new PulumiDriver(CONFIG, {
      cwd: '/srv/app',
      openStack: async () => {
        attempts++;
        if (attempts === 1) throw cliError("error: no stack named 'prod' found\n");
        return stack;
      },
    });
    const error = await failure(driver.current());
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', key: 'rollout.stack' });
    expect(error.message).toBe("Pulumi stack 'prod' does not exist in /srv/app/infra");
    expect(error.hint).toContain('pulumi stack init prod');
    expect(await driver.current()).toBeUndefined();
    expect(attempts).toBe(2);
  });

  it("a failure that is not Pulumi's passes through unchanged", async () => {
    const stack = new FakeStack();
    const bug = new TypeError('cannot read properties of undefined');
    stack.upImpl = async () => {
      throw bug;
    };
    await expect(setup(CONFIG, stack).driver.rollout(context('1.4.2'))).rejects.toBe(bug);
  });
});

describe('the default stack factory', () => {
  let dir: string | undefined;
  const savedPath = process.env.PATH;
  afterEach(async () => {
    process.env.PATH = savedPath;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports a folder without Pulumi.yaml against rollout.workDir', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'deployctl-pulumi-'));
    const error = await failure(new PulumiDriver({ stack: 'prod' }, { cwd: dir }).current());
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', key: 'rollout.workDir' });
    expect(error.message).toBe(`no Pulumi project at ${dir}: ${path.join(dir, 'Pulumi.yaml')} does not exist`);
  });

  it('without the Pulumi CLI on PATH, says to install it and log in', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'deployctl-pulumi-'));
    await writeFile(path.join(dir, 'Pulumi.yaml'), 'name: deployctl-app\nruntime: nodejs\n');
    process.env.PATH = dir; // holds no `pulumi` binary, wherever the tests run
    const driver = new PulumiDriver({ stack: 'prod' }, { cwd: dir, openStack: openLocalStack });
    const error = await failure(driver.rollout(context('ghcr.io/acme/shop:1.0.0')));
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', key: 'rollout.driver' });
    expect(error.message).toContain('the Pulumi CLI (`pulumi`) is not installed or not on PATH');
    expect(error.hint).toContain('pulumi login');
  });
});

describe('interruption', () => {
  it('an abort during up cancels the update and reports INTERRUPTED', async () => {
    const stack = new FakeStack();
    let rejectUp: (e: Error) => void = () => {};
    let upStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => (upStarted = resolve));
    stack.upImpl = () =>
      new Promise((_, reject) => {
        rejectUp = reject;
        upStarted();
      });
    stack.cancel = async () => {
      stack.calls.push('cancel');
      rejectUp(cliError('error: update canceled\n'));
    };
    const controller = new AbortController();
    const ctx = context('1.4.2', { signal: controller.signal });

    const pending = setup(CONFIG, stack).driver.rollout(ctx);
    await started;
    controller.abort();
    const error = await failure(pending);

    expect(stack.calls).toEqual([
      'getAllConfig',
      `setConfig image=${REPO}:1.4.2`,
      `up image=${REPO}:1.4.2`,
      'cancel',
      'removeConfig image',
    ]);
    expect(error.code).toBe('INTERRUPTED');
    expect(error.message).toBe("rollout of 1.4.2 on Pulumi stack 'prod' was interrupted");
    expect(ctx.lines).toContain("interrupted: cancelling the update on stack 'prod'");
  });

  it('an abort before the rollout starts leaves the stack untouched', async () => {
    const { driver, stack } = setup();
    const controller = new AbortController();
    controller.abort();
    const error = await failure(driver.rollout(context('1.4.2', { signal: controller.signal })));
    expect(error.code).toBe('INTERRUPTED');
    expect(stack.calls).toEqual([]);
  });
});
