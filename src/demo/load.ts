/**
 * An open-loop load generator. Request i is due at start + i / rps, whatever happened to the
 * requests before it; its latency is measured from that intended send time, not from when a
 * socket became free. A stall therefore shows up in full in the percentiles instead of being
 * hidden by a generator that waits for answers before sending more (coordinated omission).
 *
 * Traffic goes to 127.0.0.1 only. The request mix comes from a seeded generator, so two runs
 * with the same seed send the same requests in the same order.
 */
import http from 'node:http';
import type { Sample } from './stats.js';

/** Sockets the generator keeps open to the app; requests beyond them queue in the agent (and the wait counts). */
const MAX_SOCKETS = 64;
/** More unanswered requests than this and the app is not keeping up: new ones fail at once, counted as such. */
const MAX_IN_FLIGHT = 2000;
/** A request still unanswered after this fails with `timeout`. */
const REQUEST_TIMEOUT_MS = 10000;
/** The scheduler wakes at least this often to send whatever is due. */
const TICK_MS = 2;
/** Share of each kind of request; the rest are reads. */
const INSERT_SHARE = 0.15;
const UPDATE_SHARE = 0.15;

export interface LoadOptions {
  /** The app's public port on 127.0.0.1. */
  port: number;
  rps: number;
  /** Orders 1..rows exist; reads and updates pick ids in that range. */
  rows: number;
  /** The generator stops by itself after this long even if nobody calls stop(). */
  maxDurationMs: number;
  seed?: number;
}

export interface LoadDeps {
  /** The demo's timer (epochNow). */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface LoadProgress {
  sent: number;
  ok: number;
  failed: number;
  inFlight: number;
}

export class LoadGenerator {
  private readonly samples: Sample[] = [];
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  private readonly random: () => number;
  private inFlight = 0;
  private failed = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly settled = new Set<Promise<void>>();

  constructor(
    private readonly options: LoadOptions,
    private readonly deps: LoadDeps,
  ) {
    this.random = mulberry32(options.seed ?? 1);
  }

  start(): void {
    this.loop ??= this.schedule();
  }

  progress(): LoadProgress {
    return {
      sent: this.samples.length + this.inFlight,
      ok: this.samples.length - this.failed,
      failed: this.failed,
      inFlight: this.inFlight,
    };
  }

  /** Stops sending, waits for the requests in flight (each ends within REQUEST_TIMEOUT_MS), returns every sample. */
  async stop(): Promise<Sample[]> {
    this.stopped = true;
    await this.loop;
    await Promise.all([...this.settled]);
    this.agent.destroy();
    return [...this.samples].sort((a, b) => a.intendedAtMs - b.intendedAtMs);
  }

  private async schedule(): Promise<void> {
    const intervalMs = 1000 / this.options.rps;
    const startMs = this.deps.now();
    const endMs = startMs + this.options.maxDurationMs;
    let next = 0;
    while (!this.stopped) {
      const now = this.deps.now();
      if (now >= endMs) break;
      // Send everything that is due, even if the generator itself fell behind.
      for (let due = startMs + next * intervalMs; due <= now; due = startMs + next * intervalMs) {
        next++;
        this.send(due);
      }
      await this.deps.sleep(Math.min(TICK_MS, Math.max(0, startMs + next * intervalMs - this.deps.now())));
    }
  }

  private send(intendedAtMs: number): void {
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.record(intendedAtMs, `client overloaded (${MAX_IN_FLIGHT} requests unanswered)`);
      return;
    }
    this.inFlight++;
    const done = this.request(this.pick())
      .then(
        (error) => this.record(intendedAtMs, error),
        (e: unknown) => this.record(intendedAtMs, errorKind(e)),
      )
      .finally(() => {
        this.inFlight--;
        this.settled.delete(done);
      });
    this.settled.add(done);
  }

  private record(intendedAtMs: number, error: string | undefined): void {
    if (error !== undefined) this.failed++;
    this.samples.push({
      intendedAtMs,
      latencyMs: this.deps.now() - intendedAtMs,
      ...(error === undefined ? {} : { error }),
    });
  }

  /** The next request of the mix: mostly reads by id, some new orders, some payments. */
  private pick(): { method: 'GET' | 'POST'; path: string; body?: string } {
    const roll = this.random();
    const id = 1 + Math.floor(this.random() * this.options.rows);
    if (roll < INSERT_SHARE) {
      return {
        method: 'POST',
        path: '/orders',
        body: JSON.stringify({ customer_id: 1 + (id % 50000), total_cents: 100 + (id % 99900) }),
      };
    }
    if (roll < INSERT_SHARE + UPDATE_SHARE) return { method: 'POST', path: `/orders/${id}/pay` };
    return { method: 'GET', path: `/orders/${id}` };
  }

  /** Resolves with undefined on a 2xx answer, else with the kind of failure. */
  private request(r: { method: string; path: string; body?: string }): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.options.port,
          method: r.method,
          path: r.path,
          agent: this.agent,
          headers: r.body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body) } : {},
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (body.length < 4096) body += chunk;
          });
          res.on('end', () =>
            resolve(res.statusCode && res.statusCode < 300 ? undefined : httpError(res.statusCode ?? 0, body)),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () =>
        req.destroy(Object.assign(new Error('timeout'), { code: `timeout after ${REQUEST_TIMEOUT_MS} ms` })),
      );
      req.on('error', reject);
      req.end(r.body);
    });
  }
}

/** `HTTP 500: column "legacy_code" does not exist (42703)` — what the app said, with its SQLSTATE. */
function httpError(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: string; code?: string | null };
    if (parsed.error) return `HTTP ${status}: ${parsed.error.slice(0, 120)}${parsed.code ? ` (${parsed.code})` : ''}`;
  } catch {
    // Not the app's JSON (e.g. the proxy's own answer): fall through to the status alone.
  }
  return `HTTP ${status}${body ? `: ${body.trim().slice(0, 120)}` : ''}`;
}

function errorKind(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return err.code ?? err.message ?? String(e);
}

/** A small seeded PRNG (mulberry32): the same seed gives the same request sequence. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
