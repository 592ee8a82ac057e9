/**
 * The public face of a `local` deploy: a reverse proxy that owns the app's port and forwards to
 * whichever version is current. A swap changes where the next request goes; requests already
 * forwarded finish against the version they started on, and `drain` waits for them, so a version
 * can be stopped without failing anyone.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../../clock.js';
import { type Clock } from '../../../ports.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
]);
const RETRYABLE_METHODS = new Set(['GET', 'HEAD']);

/** How a traffic shift ended: complete, cancelled by the caller, or the new upstream went away. */
export type ShiftOutcome = 'shifted' | 'aborted' | 'gone';

export class ReverseProxy {
  private readonly server: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true });
  private upstreamPort: number | undefined;
  /** A traffic shift in progress: new requests go to `to` with a share rising from 0 to 1. */
  private shifting: { to: number; startedMs: number; overMs: number; credit: number } | undefined;
  private readonly inFlight = new Map<number, number>();
  private readonly drained = new Map<number, Set<() => void>>();

  private readonly clock: Clock;

  constructor(private readonly options: { log?: (line: string) => void; clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
    this.server = http.createServer((req, res) => this.forward(req, res));
  }

  /** Binds the public port (0 picks a free one); resolves with the bound port. */
  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  get port(): number | undefined {
    const address = this.server.address();
    return address && typeof address === 'object' ? address.port : undefined;
  }

  get upstream(): number | undefined {
    return this.upstreamPort;
  }

  /** From now on, new requests go to `port`. */
  swap(port: number): void {
    this.shifting = undefined;
    this.upstreamPort = port;
  }

  /**
   * Moves new requests from the current upstream to `port` gradually over `overMs` (slow start):
   * the share sent to `port` rises linearly from 0 to 1, spread evenly over the requests rather
   * than drawn at random, so a cold version warms its caches, connection pool and compiled code
   * under a growing part of the load. With no current upstream it swaps at once. When `signal`
   * aborts or `gone` settles first (the new version exited), every new request goes back to the
   * old upstream; the caller drains and stops the new one.
   */
  async shift(
    port: number,
    overMs: number,
    opts: { signal?: AbortSignal; gone?: Promise<unknown> } = {},
  ): Promise<ShiftOutcome> {
    const from = this.upstreamPort;
    if (from === undefined || overMs <= 0) {
      this.swap(port);
      return 'shifted';
    }
    this.shifting = { to: port, startedMs: this.clock.now(), overMs, credit: 0 };
    const timer = new AbortController();
    const stop = (): void => timer.abort();
    opts.signal?.addEventListener('abort', stop, { once: true });
    let outcome: ShiftOutcome = 'shifted';
    void opts.gone?.then(() => {
      outcome = 'gone';
      timer.abort();
    });
    if (opts.signal?.aborted) timer.abort();
    await this.clock.sleep(overMs, timer.signal).catch(() => {
      if (outcome !== 'gone') outcome = 'aborted';
    });
    opts.signal?.removeEventListener('abort', stop);
    if (outcome === 'shifted') this.swap(port);
    else {
      this.shifting = undefined;
      this.upstreamPort = from;
    }
    return outcome;
  }

  /** Requests forwarded to `port` that have not finished yet. */
  pending(port: number): number {
    return this.inFlight.get(port) ?? 0;
  }

  /**
   * Resolves true once no request forwarded to `port` is unfinished, false when `timeoutMs`
   * passes first (those requests fail when the old version stops).
   */
  drain(port: number, timeoutMs: number): Promise<boolean> {
    if (this.pending(port) === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiters = this.drained.get(port) ?? new Set<() => void>();
      this.drained.set(port, waiters);
      const timer = new AbortController();
      const done = (): void => {
        timer.abort();
        resolve(true);
      };
      this.clock.sleep(timeoutMs, timer.signal).then(
        () => {
          waiters.delete(done);
          resolve(false);
        },
        () => undefined,
      );
      waiters.add(done);
    });
  }

  async close(): Promise<void> {
    const closed = new Promise((resolve) => this.server.close(resolve));
    this.server.closeAllConnections();
    this.agent.destroy();
    await closed;
  }

  /** Where the next request goes: the upstream, or during a shift the new one for its share. */
  private pick(): number | undefined {
    const s = this.shifting;
    if (!s) return this.upstreamPort;
    // Error diffusion: each request adds the current share; a whole unit of credit sends one.
    s.credit += Math.min(1, Math.max(0, (this.clock.now() - s.startedMs) / s.overMs));
    if (s.credit < 1) return this.upstreamPort;
    s.credit -= 1;
    return s.to;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, retried = false): void {
    // A retry goes to the established upstream, not to a version still being shifted to.
    const port = retried ? this.upstreamPort : this.pick();
    if (port === undefined) {
      res
        .writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' })
        .end('no version of the app is deployed yet\n');
      return;
    }
    this.track(port, +1);
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      this.track(port, -1);
    };

    const upstream = http.request({
      host: '127.0.0.1',
      port,
      method: req.method,
      path: req.url,
      headers: forwardedHeaders(req),
      agent: this.agent,
    });
    let answered = false;
    let clientGone = false;
    upstream.on('response', (answer) => {
      answered = true;
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, responseHeaders(answer));
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (e: NodeJS.ErrnoException) => {
      finish();
      if (clientGone) return;
      if (answered || res.headersSent) {
        res.destroy();
        return;
      }
      if (!retried && RETRYABLE_METHODS.has(req.method ?? '') && neverReached(e, upstream) && !hasBody(req)) {
        this.options.log?.(
          `proxy: ${req.method} ${req.url} to port ${port} failed (${e.code}); retrying on port ${this.upstreamPort}`,
        );
        this.forward(req, res, true);
        return;
      }
      this.options.log?.(`proxy: ${req.method} ${req.url} to port ${port} failed: ${e.code ?? e.message}`);
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`bad gateway: ${e.code ?? e.message}\n`);
    });
    res.on('close', () => {
      // The client went away (or the answer was sent): release the upstream request either way.
      if (!res.writableFinished) {
        clientGone = true;
        upstream.destroy();
      }
      finish();
    });
    if (retried) upstream.end();
    else req.pipe(upstream);
  }

  private track(port: number, delta: number): void {
    const count = (this.inFlight.get(port) ?? 0) + delta;
    if (count > 0) {
      this.inFlight.set(port, count);
      return;
    }
    this.inFlight.delete(port);
    const waiters = this.drained.get(port);
    this.drained.delete(port);
    for (const wake of waiters ?? []) wake();
  }
}

function forwardedHeaders(req: http.IncomingMessage): http.OutgoingHttpHeaders {
  const headers = withoutHopByHop(req.headers);
  const client = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client;
  if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
  headers['x-forwarded-proto'] = 'http';
  return headers;
}

function responseHeaders(answer: http.IncomingMessage): http.OutgoingHttpHeaders {
  return withoutHopByHop(answer.headers);
}

function withoutHopByHop(source: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const listed = new Set(
    String(source.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    headers[name] = value;
  }
  return headers;
}

/**
 * The upstream did not handle the request: nothing listened, or a kept-alive socket was closed by
 * the upstream just as it was reused (the race every keep-alive client has with idle timeouts).
 */
function neverReached(e: NodeJS.ErrnoException, upstream: http.ClientRequest): boolean {
  if (e.code === 'ECONNREFUSED') return true;
  return upstream.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE');
}

/** A GET with a body cannot be replayed: it was streamed to the failed upstream already. */
function hasBody(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
