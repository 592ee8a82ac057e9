/**
 * The throttle's probe: one timed request the app's users would feel — the configured HTTP URL
 * (by default the first http health check) or a SQL query on a connection of its own — repeated
 * while migrations run. A probe that fails — refused, reset, timed out, an HTTP status of 400 or
 * more, a lost database connection — counts as its full timeout, however fast it failed: an app
 * that stops answering reads as over budget, never as fast.
 */
import { performance } from 'node:perf_hooks';
import type { Config } from '../../config/config.js';
import type { ThrottleProbeConfig } from '../../config/throttle.js';
import { PROBE_DEFAULTS } from '../../config/throttle.js';
import type { Db } from '../../ports.js';
import { connect } from '../postgres/connect.js';

export interface Probe {
  /** What is probed, for messages: `GET http://…/healthz` or `SQL select 1`. */
  readonly label: string;
  /** One probe; resolves with its latency in milliseconds. */
  run(): Promise<number>;
  close(): Promise<void>;
}

/** The configured probe, else the first http health check, else the first sql one, else `SELECT 1`. */
export function probeConfig(config: Config): ThrottleProbeConfig {
  const timeoutMs = PROBE_DEFAULTS.timeoutMs;
  if (config.throttle?.probe) return config.throttle.probe;
  const http = config.health.checks.find((c) => c.http)?.http;
  if (http) return { http: http.url, timeoutMs: http.timeoutMs ?? timeoutMs };
  const sql = config.health.checks.find((c) => c.sql)?.sql;
  return { sql: sql ?? 'SELECT 1', timeoutMs };
}

export async function openProbe(probe: ThrottleProbeConfig, databaseUrl: string): Promise<Probe> {
  if ('http' in probe) return new HttpProbe(probe.http, probe.timeoutMs);
  const db = await connect(databaseUrl, 'deployctl throttle probe');
  db.on('error', () => undefined);
  await db.query(`SET statement_timeout = ${probe.timeoutMs}`);
  return new SqlProbe(db, probe.sql, probe.timeoutMs);
}

class HttpProbe implements Probe {
  readonly label: string;
  private readonly closed = new AbortController();
  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {
    this.label = `GET ${url}`;
  }
  async run(): Promise<number> {
    const started = performance.now();
    try {
      const response = await fetch(this.url, {
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.closed.signal]),
      });
      await response.arrayBuffer();
      if (response.status >= 400) return Math.max(this.timeoutMs, performance.now() - started);
    } catch {
      return Math.max(this.timeoutMs, performance.now() - started);
    }
    return performance.now() - started;
  }
  async close(): Promise<void> {
    this.closed.abort();
  }
}

class SqlProbe implements Probe {
  readonly label: string;
  constructor(
    private readonly db: Db,
    private readonly sql: string,
    private readonly timeoutMs: number,
  ) {
    this.label = `SQL ${sql.replace(/\s+/g, ' ').slice(0, 60)}`;
  }
  async run(): Promise<number> {
    const started = performance.now();
    try {
      await this.db.query(this.sql);
    } catch {
      return Math.max(this.timeoutMs, performance.now() - started);
    }
    return performance.now() - started;
  }
  async close(): Promise<void> {
    await this.db.end().catch(() => undefined);
  }
}
