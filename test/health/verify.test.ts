import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../src/clock.js';
import { DeployctlError } from '../../src/errors.js';
import { HttpHealthCheck } from '../../src/adapters/health/http.js';
import { bake, healthFailure, verify } from '../../src/engine/verify.js';
import { FakeClock, ScriptedCheck } from './fakes.js';

describe('verify', () => {
  it('passes once every check succeeds N rounds in a row', async () => {
    const clock = new FakeClock();
    const a = new ScriptedCheck('a', [false, true, true, false, true], clock);
    const b = new ScriptedCheck('b', [true], clock);
    const seen: string[] = [];
    const out = await verify(
      [a, b],
      { consecutive: 3, deadlineMs: 60000, intervalMs: 1000 },
      { clock, onResult: (r) => seen.push(r.check) },
    );
    // a: F T T F T T T -> the streak completes in round 7.
    expect(out.ok).toBe(true);
    expect(out.rounds).toBe(7);
    expect(out.results).toHaveLength(14);
    expect(seen).toHaveLength(14);
    expect(out.failures).toEqual([]);
    expect(clock.sleeps).toEqual([1000, 1000, 1000, 1000, 1000, 1000]);
  });

  it('fails with the last failures when the deadline passes', async () => {
    const clock = new FakeClock();
    const check = new ScriptedCheck('down', [false], clock);
    const out = await verify([check], { consecutive: 2, deadlineMs: 5000, intervalMs: 1000 }, { clock });
    expect(out.ok).toBe(false);
    expect(out.failures).toEqual([expect.objectContaining({ check: 'down', ok: false })]);
    expect(out.elapsedMs).toBeLessThanOrEqual(5000);
    expect(out.summary).toMatch(/not healthy 2 time\(s\) in a row within 5000 ms/);
    const error = healthFailure('verify after rollout', out);
    expect(error).toBeInstanceOf(DeployctlError);
    expect(error.code).toBe('HEALTH_FAILED');
    expect(error.message).toContain('down: failure #');
  });

  it('stops early once a streak can no longer fit before the deadline', async () => {
    const clock = new FakeClock();
    // Slow checks: each round takes 4 s of a 10 s deadline, so after one failure 3 passes cannot fit.
    const check = new ScriptedCheck('slow', [false, true], clock, 4000);
    const out = await verify([check], { consecutive: 3, deadlineMs: 10000, intervalMs: 1000 }, { clock });
    expect(out.ok).toBe(false);
    expect(check.runs).toBeLessThanOrEqual(2);
  });

  it('counts a check that throws as a failed answer', async () => {
    const clock = new FakeClock();
    const broken = { name: 'broken', run: async () => Promise.reject(new Error('boom')) };
    const out = await verify([broken], { consecutive: 1, deadlineMs: 0, intervalMs: 1000 }, { clock });
    expect(out.ok).toBe(false);
    expect(out.failures[0]).toMatchObject({ check: 'broken', ok: false, detail: 'boom' });
  });

  it('throws INTERRUPTED when the signal aborts', async () => {
    const clock = new FakeClock();
    const abort = new AbortController();
    const check = new ScriptedCheck('x', [false], clock);
    const run = verify(
      [check],
      { consecutive: 3, deadlineMs: 60000, intervalMs: 1000 },
      { clock, signal: abort.signal },
    );
    abort.abort(new Error('SIGINT'));
    await expect(run).rejects.toMatchObject({ code: 'INTERRUPTED' });
  });

  it('rejects an invalid policy with the key named', async () => {
    await expect(verify([], { consecutive: 0 }, { clock: new FakeClock() })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      key: 'health.consecutive',
    });
  });

  it('passes against a real server that becomes healthy', async () => {
    let calls = 0;
    const server = http.createServer((_req, res) => {
      calls++;
      res.statusCode = calls <= 2 ? 503 : 200;
      res.end(calls <= 2 ? 'starting' : 'ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const check = new HttpHealthCheck({ url: `http://127.0.0.1:${port}/healthz`, body: 'ok' });
      const out = await verify([check], { consecutive: 2, deadlineMs: 20000, intervalMs: 20 }, { clock: systemClock });
      expect(out.ok).toBe(true);
      expect(out.results.map((r) => r.ok)).toEqual([false, false, true, true]);
      expect(out.results[0].detail).toBe('status 503, expected 200; body: "starting"');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('bake', () => {
  it('samples every interval across the whole window and passes when healthy', async () => {
    const clock = new FakeClock();
    const check = new ScriptedCheck('ok', [true], clock);
    const out = await bake([check], { bakeMs: 10000, intervalMs: 1000, maxFailureRatio: 0 }, { clock });
    expect(out.ok).toBe(true);
    expect(check.runs).toBe(11);
    expect(out.elapsedMs).toBe(10000);
  });

  it('fails on the first failure when the budget is zero', async () => {
    const clock = new FakeClock();
    const check = new ScriptedCheck('flaky', [true, true, false, true], clock);
    const out = await bake([check], { bakeMs: 30000, intervalMs: 1000 }, { clock });
    expect(out.ok).toBe(false);
    expect(check.runs).toBe(3);
    expect(out.failures).toHaveLength(1);
    expect(out.summary).toMatch(/1 of 3 sample\(s\) failed/);
  });

  it('tolerates failures within the ratio and fails as soon as the ratio cannot be met', async () => {
    const clock = new FakeClock();
    // 10 rounds (0..9 s); ratio 0.2 allows 2 failures of 10.
    const tolerated = new ScriptedCheck('t', [false, true, false, true], clock);
    expect((await bake([tolerated], { bakeMs: 9000, intervalMs: 1000, maxFailureRatio: 0.2 }, { clock })).ok).toBe(
      true,
    );

    const failing = new ScriptedCheck('f', [false, false, false, true], clock);
    const out = await bake([failing], { bakeMs: 9000, intervalMs: 1000, maxFailureRatio: 0.2 }, { clock });
    expect(out.ok).toBe(false);
    expect(failing.runs).toBe(3);
  });

  it('keeps to the schedule when a round is slow', async () => {
    const clock = new FakeClock();
    const check = new ScriptedCheck('slow', [true], clock, 400);
    await bake([check], { bakeMs: 3000, intervalMs: 1000 }, { clock });
    expect(clock.sleeps).toEqual([600, 600, 600]);
  });
});
