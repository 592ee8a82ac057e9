/** The command driver beyond the contract: environment, streaming, failures, timeouts, interrupts. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CommandDriver } from '../../src/adapters/drivers/command.js';
import type { RolloutContext } from '../../src/ports.js';
import { DeployctlError } from '../../src/errors.js';
import { gone } from './processes.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'deployctl-cmd-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function context(artifact: string, extra: Partial<RolloutContext> = {}): RolloutContext & { lines: string[] } {
  const lines: string[] = [];
  return { artifact, releaseId: 'rel-42', log: (line) => lines.push(line), lines, ...extra };
}

it('passes the release through the environment and streams each output line', async () => {
  const driver = new CommandDriver({
    deploy:
      'echo "a=$DEPLOYCTL_ARTIFACT p=$DEPLOYCTL_PREVIOUS_ARTIFACT r=$DEPLOYCTL_RELEASE_ID"; echo "short ${ARTIFACT}" >&2',
  });
  const ctx = context('v2', { previousArtifact: 'v1' });
  await driver.rollout(ctx);
  expect(ctx.lines).toContain('a=v2 p=v1 r=rel-42');
  expect(ctx.lines).toContain('short v2');
});

it('never lets an artifact name inject shell syntax', async () => {
  const marker = path.join(dir, 'injected');
  const driver = new CommandDriver({ deploy: 'echo deploying ${ARTIFACT}' });
  const ctx = context(`v1; touch ${marker}`);
  await driver.rollout(ctx);
  expect(ctx.lines).toContain(`deploying v1; touch ${marker}`);
  await expect(readFile(marker)).rejects.toThrow();
});

it('names the exit code and the last output lines when the command fails', async () => {
  const driver = new CommandDriver({
    deploy: 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "step $i"; done; echo "quota exceeded" >&2; exit 7',
  });
  const error = (await driver.rollout(context('v1')).catch((e: unknown) => e)) as DeployctlError;
  expect(error).toBeInstanceOf(DeployctlError);
  expect(error.code).toBe('ROLLOUT_FAILED');
  expect(error.message).toContain('exit code 7');
  expect(error.message).toContain('quota exceeded');
  expect(error.message).toContain('step 12');
  expect(error.message).not.toContain('step 2\n');
});

it('kills the whole process group on timeout', async () => {
  const pidFile = path.join(dir, 'child.pid');
  const driver = new CommandDriver({ deploy: `sleep 30 & echo $! > '${pidFile}'; wait`, timeoutMs: 300 });
  const error = (await driver.rollout(context('v1')).catch((e: unknown) => e)) as DeployctlError;
  expect(error.code).toBe('ROLLOUT_FAILED');
  expect(error.message).toContain('timed out after 300 ms');
  const child = Number(await readFile(pidFile, 'utf8'));
  expect(await gone(child)).toBe(true);
});

it('stops the process group with INTERRUPTED when the signal aborts mid-run', async () => {
  const pidFile = path.join(dir, 'child.pid');
  const driver = new CommandDriver({ deploy: `sleep 30 & echo $! > '${pidFile}'; echo started; wait` });
  const abort = new AbortController();
  const ctx = context('v1', {
    signal: abort.signal,
    log: (line) => {
      if (line === 'started') abort.abort();
    },
  });
  await expect(driver.rollout(ctx)).rejects.toMatchObject({ code: 'INTERRUPTED' });
  expect(await gone(Number(await readFile(pidFile, 'utf8')))).toBe(true);
});

it('rolls back with the deploy command and the previous artifact when no rollback command is set', async () => {
  const driver = new CommandDriver({ deploy: 'echo "deploy $DEPLOYCTL_ARTIFACT (was $DEPLOYCTL_PREVIOUS_ARTIFACT)"' });
  const ctx = context('v1', { previousArtifact: 'v2' });
  const result = await driver.rollback(ctx);
  expect(result.artifact).toBe('v1');
  expect(ctx.lines).toContain('deploy v1 (was v2)');
});

it('current() is undefined without a current command, and a failing one is an error', async () => {
  expect(await new CommandDriver({ deploy: 'true' }).current()).toBeUndefined();
  expect(await new CommandDriver({ deploy: 'true', current: 'printf "  v3\\n"' }).current()).toBe('v3');
  await expect(new CommandDriver({ deploy: 'true', current: 'echo nope >&2; exit 1' }).current()).rejects.toMatchObject(
    {
      code: 'ROLLOUT_FAILED',
      key: 'rollout.current',
    },
  );
});

it('does not wait for a daemon the command left holding its output', async () => {
  const pidFile = path.join(dir, 'daemon.pid');
  const driver = new CommandDriver({ deploy: `sleep 30 & echo $! > '${pidFile}'; echo launched` });
  const ctx = context('v1');
  await driver.rollout(ctx);
  expect(ctx.lines).toContain('launched');
  process.kill(Number(await readFile(pidFile, 'utf8')), 'SIGKILL');
});
