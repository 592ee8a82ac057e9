/**
 * The RolloutDriver contract, run against every implementation: rollout moves current(),
 * rollback returns to the previous artifact, repeating a rollout is safe, a failed rollout is a
 * DeployctlError and leaves the serving artifact alone, an interrupt is INTERRUPTED.
 */
import type { RolloutContext, RolloutDriver } from '../../src/ports.js';
import { DeployctlError } from '../../src/errors.js';
import { commandHarness, localInProcessHarness, pulumiHarness, type DriverHarness } from './harness.js';

function context(artifact: string, extra: Partial<RolloutContext> = {}): RolloutContext & { lines: string[] } {
  const lines: string[] = [];
  return { artifact, releaseId: 'r-1', log: (line) => lines.push(line), lines, ...extra };
}

describe.each([
  ['command (deploy command reused for rollback)', commandHarness(false)],
  ['command (own rollback command)', commandHarness(true)],
  ['local (in-process supervisor)', localInProcessHarness()],
  ['pulumi (Automation API, fake pulumi CLI on PATH)', pulumiHarness()],
] as Array<[string, DriverHarness]>)('RolloutDriver contract: %s', (_name, harness) => {
  let driver: RolloutDriver;
  beforeEach(async () => {
    driver = await harness.setup();
  });
  afterEach(async () => {
    await driver.close();
    await harness.teardown();
  });

  it('reports nothing deployed before the first rollout', async () => {
    expect(await driver.current()).toBeUndefined();
  });

  it('rollout switches to the artifact and current() says so', async () => {
    const ctx = context('v1');
    const result = await driver.rollout(ctx);
    expect(result.artifact).toBe('v1');
    expect(await driver.current()).toBe('v1');
    expect(await harness.observe()).toBe('v1');
    expect(ctx.lines.length).toBeGreaterThan(0);
  });

  it('rollback returns to the previous artifact', async () => {
    await driver.rollout(context('v1'));
    await driver.rollout(context('v2', { previousArtifact: 'v1' }));
    expect(await harness.observe()).toBe('v2');
    const result = await driver.rollback(context('v1', { previousArtifact: 'v2' }));
    expect(result.artifact).toBe('v1');
    expect(await driver.current()).toBe('v1');
    expect(await harness.observe()).toBe('v1');
  });

  it('is safe to roll out the same artifact twice', async () => {
    await driver.rollout(context('v1'));
    const again = await driver.rollout(context('v1'));
    expect(again.artifact).toBe('v1');
    expect(await driver.current()).toBe('v1');
    expect(await harness.observe()).toBe('v1');
  });

  it('fails a bad rollout with a DeployctlError and keeps the serving artifact', async () => {
    await driver.rollout(context('v1'));
    const ctx = context(harness.failingArtifact, { previousArtifact: 'v1' });
    const error = await driver.rollout(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployctlError);
    expect((error as DeployctlError).code).toBe('ROLLOUT_FAILED');
    expect(ctx.lines.length).toBeGreaterThan(0);
    expect(await harness.observe()).toBe('v1');
    expect(await driver.current()).toBe('v1');
    // The release's compensation after a failed rollout: back to the previous artifact.
    const back = await driver.rollback(context('v1', { previousArtifact: harness.failingArtifact }));
    expect(back.artifact).toBe('v1');
    expect(await driver.current()).toBe('v1');
    expect(await harness.observe()).toBe('v1');
  });

  it('stops with INTERRUPTED when the signal is already aborted', async () => {
    await driver.rollout(context('v1'));
    const abort = new AbortController();
    abort.abort();
    await expect(driver.rollout(context('v2', { signal: abort.signal }))).rejects.toMatchObject({
      code: 'INTERRUPTED',
    });
    expect(await driver.current()).toBe('v1');
  });
});
