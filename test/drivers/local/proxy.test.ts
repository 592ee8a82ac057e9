/**
 * The proxy in front of `local` deploys: zero failed requests across swaps, streaming both ways,
 * header and status forwarding, and the single retry of an idempotent request that never
 * reached its upstream.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReverseProxy } from '../../../src/adapters/drivers/local/proxy.js';
import { waitFor } from '../../support/wait.js';

interface Upstream {
  id: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
  /** Like a stopped process: every connection ends now, in-flight requests included. */
  kill(): Promise<void>;
}

async function startUpstream(id: string, handler?: http.RequestListener, keepAliveTimeoutMs = 5000): Promise<Upstream> {
  const server = http.createServer(
    handler ??
      ((req, res) => {
        const delayMs = req.url?.startsWith('/slow') ? 30 : 0;
        setTimeout(() => res.writeHead(200, { 'x-upstream': id }).end(id), delayMs);
      }),
  );
  server.keepAliveTimeout = keepAliveTimeoutMs;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    id,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
    kill: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Reply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

function request(
  port: number,
  options: http.RequestOptions & { body?: string } = {},
  agent?: http.Agent,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent: agent ?? false, ...options }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('ReverseProxy', () => {
  const upstreams: Upstream[] = [];
  let proxy: ReverseProxy;
  let port: number;
  const log: string[] = [];

  beforeEach(async () => {
    proxy = new ReverseProxy({ log: (line) => log.push(line) });
    port = await proxy.listen(0);
  });
  afterEach(async () => {
    await proxy.close();
    await Promise.all(upstreams.splice(0).map((u) => u.close()));
    log.length = 0;
  });

  it('answers 503 before any version is deployed', async () => {
    expect((await request(port, { path: '/' })).status).toBe(503);
  });

  it('drops no request across several swaps under a steady stream', async () => {
    const first = await startUpstream('v0', undefined, 100);
    upstreams.push(first);
    proxy.swap(first.port);

    const total = 1200;
    const concurrency = 8;
    const swaps = 5;
    const client = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    let sent = 0;
    let completed = 0;
    const failures: string[] = [];
    const servedBy = new Set<string>();
    const progress: Array<() => void> = [];

    const worker = async (): Promise<void> => {
      while (sent < total) {
        const n = sent++;
        try {
          const reply = await request(port, { path: n % 10 === 0 ? '/slow' : '/fast' }, client);
          if (reply.status !== 200) failures.push(`#${n}: status ${reply.status} ${reply.body}`);
          else servedBy.add(reply.body);
        } catch (e) {
          failures.push(`#${n}: ${(e as Error).message}`);
        }
        completed++;
        for (const wake of progress.splice(0)) wake();
      }
    };
    const reached = async (count: number): Promise<void> => {
      while (completed < count && completed < total) await new Promise<void>((resolve) => progress.push(resolve));
    };
    const swapper = async (): Promise<number> => {
      let current = first;
      let done = 0;
      for (let i = 1; i <= swaps; i++) {
        await reached((i * total) / (swaps + 1));
        if (completed >= total) break;
        const next = await startUpstream(`v${i}`, undefined, 100);
        upstreams.push(next);
        proxy.swap(next.port);
        expect(await proxy.drain(current.port, 5000)).toBe(true);
        await current.kill();
        current = next;
        done++;
      }
      return done;
    };

    const [swapsDone] = await Promise.all([swapper(), ...Array.from({ length: concurrency }, worker)]);
    client.destroy();
    expect(failures).toEqual([]);
    expect(completed).toBe(total);
    expect(swapsDone).toBe(swaps);
    expect(servedBy.size).toBe(swaps + 1);
  });

  it('waits in drain for in-flight requests on the old upstream', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const old = await startUpstream('old', (_req, res) => {
      void held.then(() => res.end('old'));
    });
    const next = await startUpstream('new');
    upstreams.push(old, next);
    proxy.swap(old.port);
    const inFlight = request(port, { path: '/' });
    await waitFor('the proxy to forward the request to the old upstream', () => proxy.pending(old.port) > 0, {
      intervalMs: 1,
    });
    proxy.swap(next.port);
    let drained = false;
    const draining = proxy.drain(old.port, 10000).then((ok) => (drained = ok));
    expect((await request(port, { path: '/' })).body).toBe('new');
    expect(drained).toBe(false);
    release();
    expect((await inFlight).body).toBe('old');
    await draining;
    expect(drained).toBe(true);
  });

  it('reports a drain that times out', async () => {
    const stuck = await startUpstream('stuck', () => undefined);
    upstreams.push(stuck);
    proxy.swap(stuck.port);
    const hanging = request(port, { path: '/' }).catch(() => undefined);
    await waitFor('the proxy to forward the request to the stuck upstream', () => proxy.pending(stuck.port) > 0, {
      intervalMs: 1,
    });
    expect(await proxy.drain(stuck.port, 50)).toBe(false);
    stuck.server.closeAllConnections();
    await hanging;
  });

  it('streams bodies both ways and forwards method, headers, status and x-forwarded-for', async () => {
    let seen: http.IncomingHttpHeaders = {};
    let method = '';
    const echo = await startUpstream('echo', (req, res) => {
      seen = req.headers;
      method = req.method ?? '';
      res.writeHead(201, { 'x-app': 'echo', 'content-type': 'text/plain' });
      req.pipe(res);
    });
    upstreams.push(echo);
    proxy.swap(echo.port);
    const body = 'x'.repeat(300_000);
    const reply = await request(port, {
      method: 'PUT',
      path: '/echo?q=1',
      body,
      headers: { 'x-custom': 'kept', 'x-forwarded-for': '10.0.0.9', connection: 'keep-alive, x-drop', 'x-drop': 'hop' },
    });
    expect(reply.status).toBe(201);
    expect(reply.headers['x-app']).toBe('echo');
    expect(reply.body).toBe(body);
    expect(method).toBe('PUT');
    expect(seen['x-custom']).toBe('kept');
    expect(seen['x-drop']).toBeUndefined();
    expect(seen['x-forwarded-for']).toBe('10.0.0.9, 127.0.0.1');
  });

  it('retries a GET once when a reused upstream socket was reset, but never a POST', async () => {
    let resets = 0;
    const flaky = await startUpstream('flaky', (req, res) => {
      if (req.headers['x-reset'] === 'yes' && resets < 1 + Number(req.method === 'POST')) {
        resets++;
        req.socket.destroy();
        return;
      }
      res.end(`${req.method} ok`);
    });
    upstreams.push(flaky);
    proxy.swap(flaky.port);
    expect((await request(port, { path: '/warm' })).body).toBe('GET ok'); // leaves a kept-alive socket
    const get = await request(port, { path: '/again', headers: { 'x-reset': 'yes' } });
    expect(get).toMatchObject({ status: 200, body: 'GET ok' });
    expect(log.some((l) => l.includes('retrying'))).toBe(true);

    await request(port, { path: '/warm' });
    const post = await request(port, { method: 'POST', path: '/write', body: 'data', headers: { 'x-reset': 'yes' } });
    expect(post.status).toBe(502);
  });

  it('answers 502 after one retry when nothing listens', async () => {
    const gone = await startUpstream('gone');
    await gone.close();
    proxy.swap(gone.port);
    const reply = await request(port, { path: '/' });
    expect(reply.status).toBe(502);
    expect(reply.body).toContain('ECONNREFUSED');
    expect(log.filter((l) => l.includes('retrying'))).toHaveLength(1);
  });
});

/** A clock the test moves by hand; sleeps end when the time they wait for is reached, or on abort. */
class ManualClock {
  private ms = 0;
  private readonly sleepers = new Set<{ until: number; wake(): void }>();
  now(): number {
    return this.ms;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const sleeper = { until: this.ms + ms, wake: resolve };
      this.sleepers.add(sleeper);
      signal?.addEventListener('abort', () => {
        this.sleepers.delete(sleeper);
        reject(new Error('aborted'));
      });
    });
  }
  advance(ms: number): void {
    this.ms += ms;
    for (const s of [...this.sleepers])
      if (s.until <= this.ms) {
        this.sleepers.delete(s);
        s.wake();
      }
  }
}

describe('ReverseProxy slow start', () => {
  const upstreams: Upstream[] = [];
  let proxy: ReverseProxy;
  let port: number;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock();
    proxy = new ReverseProxy({ clock });
    port = await proxy.listen(0);
  });
  afterEach(async () => {
    await proxy.close();
    await Promise.all(upstreams.splice(0).map((u) => u.close()));
  });

  /** The upstream that answered each of `n` requests, sent one after another. */
  async function answers(n: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push((await request(port, { path: '/' })).body);
    return out;
  }

  it('raises the new version’s share of requests linearly over the shift, spread evenly, then sends it all', async () => {
    const a = await startUpstream('a');
    const b = await startUpstream('b');
    upstreams.push(a, b);
    proxy.swap(a.port);
    const shifted = proxy.shift(b.port, 1000);
    expect(await answers(8)).toEqual(Array(8).fill('a')); // share 0 at the start
    clock.advance(250);
    // A quarter: one request in four, every fourth one.
    expect(await answers(8)).toEqual(['a', 'a', 'a', 'b', 'a', 'a', 'a', 'b']);
    clock.advance(500);
    expect((await answers(8)).filter((x) => x === 'b')).toHaveLength(6);
    clock.advance(250);
    await expect(shifted).resolves.toBe('shifted');
    expect(await answers(4)).toEqual(['b', 'b', 'b', 'b']);
    expect(proxy.upstream).toBe(b.port);
  });

  it('sends every new request back to the old version when the shift is cancelled or the new one goes away', async () => {
    const a = await startUpstream('a');
    const b = await startUpstream('b');
    upstreams.push(a, b);
    proxy.swap(a.port);
    const cancel = new AbortController();
    const cancelled = proxy.shift(b.port, 1000, { signal: cancel.signal });
    clock.advance(500);
    expect(await answers(4)).toContain('b');
    cancel.abort();
    await expect(cancelled).resolves.toBe('aborted');
    expect(await answers(6)).toEqual(Array(6).fill('a'));

    let exited!: () => void;
    const gone = proxy.shift(b.port, 1000, { gone: new Promise<void>((resolve) => (exited = resolve)) });
    clock.advance(900);
    expect(await answers(4)).toContain('b');
    exited();
    await expect(gone).resolves.toBe('gone');
    expect(await answers(6)).toEqual(Array(6).fill('a'));
    expect(proxy.upstream).toBe(a.port);
  });

  it('swaps at once when nothing is deployed yet', async () => {
    const b = await startUpstream('b');
    upstreams.push(b);
    await expect(proxy.shift(b.port, 1000)).resolves.toBe('shifted');
    expect(await answers(2)).toEqual(['b', 'b']);
  });
});
