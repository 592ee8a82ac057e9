/**
 * The detached supervisor: `deployctl release` is short-lived, the app is not. A driver spawns
 * the supervisor, a later driver object reconnects through supervisor.json, and stopping it
 * leaves no process behind.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../src/adapters/process/free-port.js';
import type { RolloutContext } from '../../../src/ports.js';
import type { LocalDriverConfig } from '../../../src/config/rollout.js';
import { RemoteSupervisor } from '../../../src/adapters/drivers/local/control-client.js';
import { LocalDriver } from '../../../src/adapters/drivers/local/driver.js';
import { readSupervisorFile } from '../../../src/adapters/drivers/local/state-file.js';
import { APP_SERVER } from '../harness.js';
import { gone } from '../processes.js';

const dirs: string[] = [];
/** Every process the tests saw, killed in afterAll whatever happened. */
const pids = new Set<number>();

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deployctl-local-'));
  dirs.push(dir);
  return dir;
}

function context(artifact: string, previousArtifact?: string): RolloutContext {
  return { artifact, previousArtifact, releaseId: `r-${artifact}`, log: () => undefined };
}

function get(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

async function remember(dir: string): Promise<RemoteSupervisor> {
  const file = await readSupervisorFile(dir);
  if (!file) throw new Error('no supervisor.json');
  pids.add(file.pid);
  const remote = new RemoteSupervisor(file.controlPort, file.token);
  for (const version of (await remote.state()).versions) if (version.pid) pids.add(version.pid);
  return remote;
}

afterAll(async () => {
  for (const pid of pids) {
    for (const target of [pid, -pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

it('keeps serving across driver objects and stops without leaving a process behind', async () => {
  const dir = await stateDir();
  const port = await freePort();
  const config: LocalDriverConfig = {
    start: `exec node '${APP_SERVER}'`,
    port,
    stateDir: dir,
    startupTimeoutMs: 10000,
    drainTimeoutMs: 5000,
  };

  const first = new LocalDriver(config);
  expect(await first.current()).toBeUndefined();
  expect(await readSupervisorFile(dir)).toBeUndefined(); // asking does not start a supervisor

  const lines: string[] = [];
  await first.rollout({ ...context('v1'), log: (l) => lines.push(l) });
  expect(lines.some((l) => l.includes('[v1] app v1 listening'))).toBe(true);
  const supervisorPid = (await readSupervisorFile(dir))?.pid as number;
  await remember(dir);
  expect(await get(port, '/version')).toEqual({ status: 200, body: 'v1' });

  const result = await first.rollout(context('v2', 'v1'));
  expect(result).toEqual({ artifact: 'v2', outputs: { url: `http://127.0.0.1:${port}` } });
  await remember(dir);
  await first.close();
  expect(await get(port, '/version')).toEqual({ status: 200, body: 'v2' });

  const second = new LocalDriver(config);
  expect(await second.current()).toBe('v2');
  expect((await readSupervisorFile(dir))?.pid).toBe(supervisorPid);
  await second.rollback(context('v1', 'v2'));
  const remote = await remember(dir);
  expect(await remote.state()).toMatchObject({ current: 'v1', previous: 'v2' });
  expect(await get(port, '/version')).toEqual({ status: 200, body: 'v1' });
  expect((await readFile(path.join(dir, 'supervisor.log'), 'utf8')).length).toBeGreaterThan(0);

  await second.stopSupervisor();
  for (const pid of pids) expect(await gone(pid)).toBe(true);
  expect(await readSupervisorFile(dir)).toBeUndefined();
  await expect(get(port, '/version')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  expect(await second.current()).toBeUndefined();
});

it('replaces a supervisor.json whose process is gone, and refuses a second supervisor on another port', async () => {
  const dir = await stateDir();
  await writeFile(
    path.join(dir, 'supervisor.json'),
    JSON.stringify({ pid: 2 ** 22 + 1, controlPort: 1, token: 'x', port: 1 }),
  );
  const port = await freePort();
  const driver = new LocalDriver({ start: `exec node '${APP_SERVER}'`, port, stateDir: dir });
  expect(await driver.current()).toBeUndefined();
  await driver.rollout(context('v1'));
  const remote = await remember(dir);
  expect((await remote.state()).current).toBe('v1');

  const otherPort = new LocalDriver({ start: `exec node '${APP_SERVER}'`, port: port + 1, stateDir: dir });
  await expect(otherPort.rollout(context('v2'))).rejects.toMatchObject({ code: 'ROLLOUT_FAILED', key: 'rollout.port' });

  const file = await readSupervisorFile(dir);
  await driver.stopSupervisor();
  expect(await gone(file?.pid as number)).toBe(true);
});

it('rejects control requests without the token', async () => {
  const dir = await stateDir();
  const driver = new LocalDriver({ start: `exec node '${APP_SERVER}'`, port: await freePort(), stateDir: dir });
  await driver.rollout(context('v1'));
  const file = await readSupervisorFile(dir);
  await remember(dir);
  const forged = new RemoteSupervisor(file?.controlPort as number, 'wrong');
  await expect(forged.deploy('v2')).rejects.toMatchObject({
    code: 'ROLLOUT_FAILED',
    message: expect.stringContaining('HTTP 401'),
  });
  expect(await driver.current()).toBe('v1');
  await driver.stopSupervisor();
});

it('reports a supervisor that cannot start, with its log', async () => {
  const dir = await stateDir();
  const holder = http.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address() as AddressInfo;
  try {
    const driver = new LocalDriver({ start: `exec node '${APP_SERVER}'`, port, stateDir: dir });
    const error = await driver.rollout(context('v1')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ROLLOUT_FAILED', file: path.join(dir, 'supervisor.log') });
    expect((error as Error).message).toContain(`could not listen on 127.0.0.1:${port}`);
  } finally {
    await new Promise((resolve) => holder.close(resolve));
  }
});
