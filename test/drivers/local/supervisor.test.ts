/** The in-process supervisor with real app processes (test/fixtures/app/server.mjs). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../../src/clock.js';
import { appSpec } from '../../../src/adapters/drivers/local/config.js';
import { Supervisor } from '../../../src/adapters/drivers/local/supervisor.js';
import { APP_SERVER } from '../harness.js';
import { gone } from '../processes.js';
import { waitFor } from '../../support/wait.js';

function get(port: number, path: string, agent?: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: agent ?? false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

describe('Supervisor', () => {
  let supervisor: Supervisor;
  let port: number;
  const log: string[] = [];
  const startedPids = (): number[] => log.flatMap((l) => /\(pid (\d+)\)/.exec(l)?.slice(1).map(Number) ?? []);

  const spec = appSpec({
    start: `exec node '${APP_SERVER}' --version "\${ARTIFACT}"`,
    port: 0,
    startupTimeoutMs: 5000,
  });

  beforeEach(async () => {
    log.length = 0;
    supervisor = new Supervisor(
      { port: 0, spec, drainTimeoutMs: 5000, stopGraceMs: 3000 },
      { clock: systemClock, log: (l) => log.push(l) },
    );
    port = await supervisor.listen();
  });
  afterEach(async () => {
    await supervisor.stop();
    for (const pid of startedPids()) expect(await gone(pid)).toBe(true);
  });

  it('moves traffic between versions with no failed request and stops each old version', async () => {
    await supervisor.deploy('v1');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const failures: string[] = [];
    const seen = new Set<string>();
    let deploying = true;
    let sent = 0;
    const worker = async (): Promise<void> => {
      // Bounded: stops when the deploys are done, or after 3000 requests at most.
      while (deploying && sent < 3000) {
        sent++;
        try {
          const reply = await get(port, sent % 5 === 0 ? '/slow?ms=50' : '/version', agent);
          if (reply.status === 200) seen.add(reply.body);
          else failures.push(`status ${reply.status}: ${reply.body}`);
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    };
    const traffic = Promise.all([worker(), worker(), worker(), worker()]);
    const v1Pid = (await supervisor.state()).versions[0].pid as number;
    await supervisor.deploy('v2');
    expect(await gone(v1Pid)).toBe(true);
    await supervisor.deploy('v3');
    deploying = false;
    await traffic;
    agent.destroy();
    expect(failures).toEqual([]);
    expect([...seen].sort()).toEqual(['v1', 'v2', 'v3']);
    expect(await supervisor.state()).toMatchObject({
      current: 'v3',
      previous: 'v2',
      versions: [expect.objectContaining({ artifact: 'v3' })],
    });
  });

  it('lets a request in flight on the old version finish', async () => {
    const v1Port = (await supervisor.deploy('v1')).versions[0]!.port;
    const slow = get(port, '/slow?ms=500');
    // The swap must come after the proxy forwarded the request to v1: wait for exactly that.
    // (The proxy is the supervisor's own; its in-flight count is the one observable for it.)
    await waitFor('the proxy to forward the slow request to v1', () => supervisor['proxy'].pending(v1Port) > 0, {
      intervalMs: 1,
    });
    await supervisor.deploy('v2');
    expect(await slow).toEqual({ status: 200, body: 'v1' });
    expect((await get(port, '/version')).body).toBe('v2');
  });

  it('fails fast with the output of a version that exits at start, and keeps serving the old one', async () => {
    await supervisor.deploy('v1');
    const error = await supervisor.deploy('crash-v2').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ROLLOUT_FAILED' });
    expect((error as Error).message).toMatch(/crash-v2 exited \(exit code 1\)/);
    expect((error as Error).message).toContain('artifact crash-v2 refuses to start');
    expect((await get(port, '/version')).body).toBe('v1');
  });

  it('stops an unhealthy version it started', async () => {
    await supervisor.deploy('v1');
    await expect(
      supervisor.deploy('unhealthy-v2', { spec: { ...spec, startupTimeoutMs: 1000 } }),
    ).rejects.toMatchObject({ code: 'ROLLOUT_FAILED', message: expect.stringContaining('status 503') });
    const unhealthyPid = startedPids()[1];
    expect(await gone(unhealthyPid)).toBe(true);
    expect((await supervisor.state()).current).toBe('v1');
  });

  it('rolls back to the previous version, and refuses when none is known', async () => {
    await expect(supervisor.rollback(undefined)).rejects.toMatchObject({ code: 'ROLLBACK_REFUSED' });
    await supervisor.deploy('v1');
    await supervisor.deploy('v2');
    const state = await supervisor.rollback(undefined);
    expect(state).toMatchObject({ current: 'v1', previous: 'v2' });
    expect((await get(port, '/version')).body).toBe('v1');
  });

  it('with slow start, serves both versions during the shift, fails no request, and rolls back at once', async () => {
    await supervisor.deploy('v1');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    const answers: string[] = [];
    const failures: string[] = [];
    let deploying = true;
    const worker = async (): Promise<void> => {
      while (deploying && answers.length + failures.length < 5000) {
        const reply = await get(port, '/version', agent).catch((e: Error) => ({ status: 0, body: e.message }));
        if (reply.status === 200) answers.push(reply.body);
        else failures.push(`${reply.status}: ${reply.body}`);
      }
    };
    const traffic = Promise.all([worker(), worker()]);
    const lines: string[] = [];
    await supervisor.deploy('v2', { spec: { ...spec, slowStartMs: 600 }, log: (l) => lines.push(l) });
    const afterShift = answers.length;
    await waitFor('requests after the shift', () => answers.length > afterShift + 20);
    deploying = false;
    await traffic;
    agent.destroy();
    expect(failures).toEqual([]);
    expect(lines.some((l) => /moving traffic on port \d+ to v2 \(port \d+\) over 600 ms/.test(l))).toBe(true);
    // While the share moved, v1 still answered after v2's first answer; after it, only v2.
    const firstV2 = answers.indexOf('v2');
    expect(firstV2).toBeGreaterThan(0);
    expect(answers.slice(firstV2, afterShift)).toContain('v1');
    expect(answers.slice(afterShift)).not.toContain('v1');

    const rollbackLines: string[] = [];
    await supervisor.rollback(undefined, { log: (l) => rollbackLines.push(l) });
    expect(rollbackLines.some((l) => l.includes('moving traffic'))).toBe(false);
    expect((await get(port, '/version')).body).toBe('v1');
  });

  it('puts all traffic back on the old version when the new one exits during the shift', async () => {
    await supervisor.deploy('v1');
    let newPid: number | undefined;
    const deploying = supervisor.deploy('v2', {
      spec: { ...spec, slowStartMs: 30_000 },
      log: (l) => {
        newPid ??= Number(/started v2 on port \d+ \(pid (\d+)\)/.exec(l)?.[1]) || undefined;
        if (l.includes('moving traffic')) process.kill(newPid!, 'SIGKILL');
      },
    });
    await expect(deploying).rejects.toMatchObject({
      code: 'ROLLOUT_FAILED',
      message: 'v2 exited while traffic was moving to it; all traffic is back on v1',
    });
    expect(await gone(newPid!)).toBe(true);
    expect(await supervisor.state()).toMatchObject({ current: 'v1' });
    expect((await get(port, '/version')).body).toBe('v1');
  });

  it('streams the operation log, the new version output included', async () => {
    const lines: string[] = [];
    await supervisor.deploy('v1', { log: (l) => lines.push(l) });
    expect(lines.some((l) => l.includes('[v1] app v1 listening on'))).toBe(true);
  });
});

it('names the port when the public port is taken', async () => {
  const holder = http.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address() as AddressInfo;
  try {
    const supervisor = new Supervisor(
      { port, spec: appSpec({ start: 'true', port }) },
      { clock: systemClock, log: () => undefined },
    );
    await expect(supervisor.listen()).rejects.toMatchObject({ code: 'ROLLOUT_FAILED', key: 'rollout.port' });
  } finally {
    await new Promise((resolve) => holder.close(resolve));
  }
});
