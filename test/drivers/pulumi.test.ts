/**
 * The `pulumi` driver through the real Automation API, against a fake `pulumi` executable on PATH
 * (pulumi/fake-pulumi.mjs) that records the arguments, folder and environment of every CLI call
 * and keeps a small stack state. The real Pulumi CLI and AWS are not used.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DeployctlError } from '../../src/errors.js';
import type { RolloutContext } from '../../src/ports.js';
import { PulumiDriver } from '../../src/adapters/drivers/pulumi/driver.js';
import { importOptional } from '../../src/adapters/optional-package.js';
import type { PulumiRolloutConfig } from '../../src/config/rollout.js';
import { PROJECT, STACK_FILE, commands, fakePulumiCli, type FakeCli } from './pulumi/fake-cli.js';
import YAML from 'yaml';

const REPO = 'registry.example.com/team/shop';

let cli: FakeCli;
beforeEach(async () => {
  cli = await fakePulumiCli();
});
afterEach(async () => {
  await cli.teardown();
});

function driverFor(extra: Partial<PulumiRolloutConfig> = {}): PulumiDriver {
  return new PulumiDriver(
    { stack: 'prod', workDir: path.basename(cli.workDir), imageRepository: REPO, ...extra },
    { cwd: path.dirname(cli.workDir) },
  );
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

/** deployctl's own temporary config folders left in the temp dir. */
async function leftoverConfigFolders(): Promise<string[]> {
  return (await readdir(os.tmpdir())).filter((name) => name.startsWith('deployctl-pulumi-'));
}

describe('rollout', () => {
  it('runs up --refresh with a temporary config holding the image and version, and returns the outputs', async () => {
    const before = await leftoverConfigFolders();
    const ctx = context('1.4.2');

    const result = await driverFor().rollout(ctx);

    expect(result).toEqual({
      artifact: '1.4.2',
      outputs: {
        healthUrl: 'http://app-123.elb.amazonaws.com/healthz',
        url: 'http://app-123.elb.amazonaws.com',
        version: '1.4.2',
      },
    });
    const calls = await cli.calls();
    expect(commands(calls)).toEqual(['version', 'stack select', 'up', 'stack output', 'stack output', 'stack history']);
    const up = calls[2]!;
    expect(up.cwd).toBe(cli.workDir);
    expect(up.args).toEqual(
      expect.arrayContaining(['--yes', '--skip-preview', '--refresh', '--stack', 'prod', '--non-interactive']),
    );
    expect(up.args[up.args.indexOf('--message') + 1]).toBe('deployctl rollout 1.4.2 (release r-7)');
    expect(up.args[up.args.indexOf('--color') + 1]).toBe('never');
    expect(up.env).toMatchObject({ PULUMI_AUTOMATION_API: 'true' });

    // The config file is a copy of the stack's, with the release's values; the secret stays encrypted.
    const configFile = up.args[up.args.indexOf('--config-file') + 1]!;
    expect(path.dirname(configFile)).not.toBe(cli.workDir);
    expect(path.basename(configFile)).toBe('Pulumi.prod.yaml');
    const handed = YAML.parse(up.configFile!) as { encryptionsalt: string; config: Record<string, unknown> };
    expect(handed.encryptionsalt).toBe('v1:c2FsdA==:v1:aXY=:Y2lwaGVy');
    expect(handed.config).toEqual({
      'aws:region': 'eu-west-1',
      [`${PROJECT}:image`]: `${REPO}:1.4.2`,
      [`${PROJECT}:version`]: '1.4.2',
      [`${PROJECT}:dbPassword`]: { secure: 'v1:bm9uY2U=:Y2lwaGVydGV4dA==' },
    });
    // The working tree is untouched and the temporary copy is gone.
    expect(await cli.stackFile()).toBe(STACK_FILE);
    expect(await leftoverConfigFolders()).toEqual(before);
  });

  it('streams the CLI output into the log as whole lines', async () => {
    const ctx = context('1.4.2');
    await driverFor().rollout(ctx);
    expect(ctx.lines).toEqual([
      `rollout: image=${REPO}:1.4.2 on Pulumi stack 'prod' (up --refresh)`,
      'Updating (prod)',
      ' ~ aws:ecs:Service app refreshing',
      ` ~ aws:ecs:Service app updated [image=${REPO}:1.4.2]`,
      'Resources: 1 updated',
    ]);
  });

  it('uses the configured keys and outputs, and never copies a secret output', async () => {
    await cli.update((state) => {
      state.stacks.prod!.outputs.readyUrl = 'https://shop.example.com/ready';
      state.stacks.prod!.secretOutputs = ['url'];
    });
    const driver = driverFor({
      imageConfigKey: `${PROJECT}:image`,
      versionConfigKey: 'appVersion',
      healthUrlOutput: 'readyUrl',
    });
    const ctx = context('1.4.2');
    const result = await driver.rollout(ctx);

    expect(result.outputs).toEqual({ healthUrl: 'https://shop.example.com/ready' });
    expect(ctx.lines).toContain("stack output 'url' is secret; not used as url");
    const up = (await cli.calls()).find((c) => c.args[0] === 'up')!;
    expect(YAML.parse(up.configFile!).config).toMatchObject({
      [`${PROJECT}:image`]: `${REPO}:1.4.2`,
      [`${PROJECT}:appVersion`]: '1.4.2',
    });
  });

  it('an update after which the stack reports another image is a failed rollout', async () => {
    await driverFor().rollout(context('1.4.1'));
    await cli.update((state) => (state.rolledBackTo = `${REPO}:1.4.1`));
    const error = await failure(driverFor().rollout(context('1.4.2')));
    expect(error.code).toBe('ROLLOUT_FAILED');
    expect(error.message).toBe(`Pulumi stack 'prod' reports image ${REPO}:1.4.1 after the update, not ${REPO}:1.4.2`);
  });

  it('refuses an artifact that is not a tag of the repository before running the CLI', async () => {
    const error = await failure(driverFor().rollout(context('1.4.2 --force')));
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain(`expected an image tag (e.g. 1.4.2) or a digest (sha256:…) of ${REPO}`);
    expect(await cli.calls()).toEqual([]);
  });
});

describe('current', () => {
  it('reads the image the stack deployed from its outputs, not from the checked-out config', async () => {
    const driver = driverFor();
    // Pulumi.prod.yaml names 0.9.0, but nothing has been deployed.
    expect(await driver.current()).toBeUndefined();
    await driver.rollout(context('1.4.2'));
    expect(await driver.current()).toBe('1.4.2');
    await cli.update((state) => (state.stacks.prod!.outputs.image = `${REPO}@sha256:${'b'.repeat(64)}`));
    expect(await driver.current()).toBe(`sha256:${'b'.repeat(64)}`);
    await cli.update((state) => (state.stacks.prod!.outputs.image = 'ghcr.io/acme/shop:hotfix'));
    expect(await driver.current()).toBe('ghcr.io/acme/shop:hotfix');
  });

  it('a failed update leaves current() on what served before, and rollback returns to it', async () => {
    const driver = driverFor();
    await driver.rollout(context('1.4.1'));
    const error = await failure(driver.rollout(context('broken', { previousArtifact: '1.4.1' })));
    expect(error.code).toBe('ROLLOUT_FAILED');
    expect(error.message).toMatch(/^`pulumi up` failed on stack 'prod':\n/);
    expect(error.message).toContain('ECS Deployment Circuit Breaker was triggered');
    expect(await driver.current()).toBe('1.4.1');
    const back = await driver.rollback(context('1.4.1', { previousArtifact: 'broken' }));
    expect(back.artifact).toBe('1.4.1');
    const ups = (await cli.calls()).filter((c) => c.args[0] === 'up');
    expect(ups.map((c) => c.args[c.args.indexOf('--message') + 1])).toEqual([
      'deployctl rollout 1.4.1 (release r-7)',
      'deployctl rollout broken (release r-7)',
      'deployctl rollback 1.4.1 (release r-7)',
    ]);
    expect(ups.every((c) => c.args.includes('--refresh'))).toBe(true);
  });
});

describe('preview', () => {
  it('previews the new image from a temporary config and leaves the working tree alone', async () => {
    const driver = driverFor();
    await driver.rollout(context('1.4.1'));
    const preview = await driver.preview('1.4.2');
    expect(preview).toEqual({
      stack: 'prod',
      configKey: 'image',
      currentImage: `${REPO}:1.4.1`,
      image: `${REPO}:1.4.2`,
      changes: { same: 40, update: 1 },
    });
    const call = (await cli.calls()).find((c) => c.args[0] === 'preview')!;
    expect(YAML.parse(call.configFile!).config[`${PROJECT}:image`]).toBe(`${REPO}:1.4.2`);
    expect(await cli.stackFile()).toBe(STACK_FILE);
  });
});

describe('Pulumi errors', () => {
  it('another update on the stack is reported as such', async () => {
    await cli.update((state) => (state.conflict = true));
    const error = await failure(driverFor().rollout(context('1.4.2')));
    expect(error.code).toBe('ROLLOUT_FAILED');
    expect(error.message).toBe("another update is running on Pulumi stack 'prod'; nothing was changed");
    expect(error.hint).toContain('pulumi cancel --stack prod');
  });

  it('a missing stack names the config key and how to create it; the next call tries again', async () => {
    const driver = driverFor({ stack: 'staging' });
    const error = await failure(driver.current());
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', key: 'rollout.stack' });
    expect(error.message).toBe(`Pulumi stack 'staging' does not exist in ${cli.workDir}`);
    expect(error.hint).toContain('pulumi stack init staging');
    await cli.update((state) => (state.stacks.staging = { outputs: {}, history: [] }));
    expect(await driver.current()).toBeUndefined();
  });

  it('a folder without Pulumi.yaml is reported against rollout.workDir', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'deployctl-nopulumi-'));
    try {
      const error = await failure(new PulumiDriver({ stack: 'prod' }, { cwd: dir }).current());
      expect(error).toMatchObject({ code: 'CONFIG_INVALID', key: 'rollout.workDir' });
      expect(error.message).toBe(`no Pulumi project at ${dir}: ${path.join(dir, 'Pulumi.yaml')} does not exist`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a stack config file that is not YAML names the file and line', async () => {
    await writeFile(path.join(cli.workDir, 'Pulumi.prod.yaml'), 'config:\n  a: [1,\n');
    const error = await failure(driverFor().rollout(context('1.4.2')));
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', file: path.join(cli.workDir, 'Pulumi.prod.yaml') });
    expect(error.line).toBeGreaterThan(0);
    expect((await cli.calls()).filter((c) => c.args[0] === 'up')).toEqual([]);
  });

  it('without the Pulumi CLI on PATH, says to install it and log in', async () => {
    const saved = process.env.PATH;
    process.env.PATH = path.join(cli.workDir); // holds no `pulumi` executable
    try {
      const error = await failure(driverFor().rollout(context('1.4.2')));
      expect(error).toMatchObject({ code: 'CONFIG_INVALID', key: 'rollout.driver' });
      expect(error.message).toContain('the Pulumi CLI (`pulumi`) is not installed or not on PATH');
      expect(error.hint).toContain('pulumi login');
    } finally {
      process.env.PATH = saved;
    }
  });

  it('a missing optional package is PACKAGE_MISSING, naming the package to install', async () => {
    const specifier = '@pulumi/not-installed-here/automation/index.js';
    const error = await failure(
      importOptional(
        '@pulumi/not-installed-here',
        'the pulumi rollout driver',
        'or use another rollout driver',
        () => import(specifier),
      ),
    );
    expect(error).toMatchObject({ code: 'PACKAGE_MISSING' });
    expect(error.message).toContain(
      "the pulumi rollout driver needs the npm package '@pulumi/not-installed-here', which is not installed",
    );
    expect(error.message).toContain('npm install --save-dev @pulumi/not-installed-here');
    // Anything else that fails to load passes through.
    const other = 'node:not-a-builtin';
    await expect(
      importOptional('@pulumi/pulumi', 'the pulumi rollout driver', undefined, () => import(other)),
    ).rejects.not.toBeInstanceOf(DeployctlError);
  });
});

describe('interruption', () => {
  it('an abort during up sends SIGINT to the CLI (no cancel) and reports INTERRUPTED', async () => {
    await cli.update((state) => (state.hang = true));
    const controller = new AbortController();
    const ctx = context('1.4.2', { signal: controller.signal });

    const pending = driverFor().rollout(ctx);
    await cli.upStarted();
    controller.abort();
    const error = await failure(pending);

    expect(error.code).toBe('INTERRUPTED');
    expect(error.message).toBe("rollout of 1.4.2 on Pulumi stack 'prod' was interrupted");
    expect(ctx.lines).toContain("interrupted: the Pulumi engine finishes the operations in flight on stack 'prod'");
    // The fake's SIGINT handler printed this: the engine was interrupted gracefully, not killed.
    expect(ctx.lines).toContain('error: update canceled');
    expect(await cli.upInterrupted()).toBe(true);
    expect(commands(await cli.calls())).toEqual(['version', 'stack select', 'up']);
    expect(await cli.stackFile()).toBe(STACK_FILE);
  });

  it('an abort before the rollout starts runs no update', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await failure(driverFor().rollout(context('1.4.2', { signal: controller.signal })));
    expect(error.code).toBe('INTERRUPTED');
    expect(await cli.calls()).toEqual([]);
  });
});
