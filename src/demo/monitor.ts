/**
 * Watches how long the app's queries wait on locks. Every SAMPLE_INTERVAL_MS a separate
 * connection reads pg_stat_activity for the app's backends (application_name `shop …`) that
 * wait on a heavyweight lock; a waiting statement's wait so far is at most
 * clock_timestamp() - query_start (an app statement asks for its locks as it starts). The
 * longest value seen is the figure reported; it can be short by up to one sampling interval.
 */
import type { Db } from '../ports.js';
import { round } from './stats.js';

export const SAMPLE_INTERVAL_MS = 20;

export interface LockWait {
  /** When it was seen, on the demo's timer. */
  atMs: number;
  waitedMs: number;
  query: string;
}

export interface LockMonitorDeps {
  db: Db;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export class LockMonitor {
  private stopped = false;
  private loop: Promise<void> | undefined;
  /** The longest wait seen per waiting statement (pid + start), so one long wait is one entry. */
  private readonly waits = new Map<string, LockWait>();
  private samples = 0;

  /** Whose backends to watch: application_name LIKE appPrefix || '%'. */
  constructor(
    private readonly appPrefix: string,
    private readonly deps: LockMonitorDeps,
  ) {}

  start(): void {
    this.loop ??= this.sample();
  }

  /** Stops sampling; returns every lock wait seen, one per waiting statement. */
  async stop(): Promise<{ waits: LockWait[]; samples: number }> {
    this.stopped = true;
    await this.loop;
    return { waits: [...this.waits.values()].sort((a, b) => a.atMs - b.atMs), samples: this.samples };
  }

  private async sample(): Promise<void> {
    while (!this.stopped) {
      const started = this.deps.now();
      try {
        const r = await this.deps.db.query<{ key: string; waited_ms: number; query: string }>(
          `SELECT pid::text || '@' || query_start::text AS key,
                  extract(epoch FROM clock_timestamp() - query_start) * 1000 AS waited_ms, query
             FROM pg_stat_activity
            WHERE datname = current_database() AND application_name LIKE $1 || '%'
              AND wait_event_type = 'Lock' AND state = 'active'`,
          [this.appPrefix],
        );
        this.samples++;
        for (const row of r.rows) {
          const waitedMs = round(Number(row.waited_ms));
          const seen = this.waits.get(row.key);
          if (!seen || waitedMs > seen.waitedMs)
            this.waits.set(row.key, { atMs: this.deps.now(), waitedMs, query: row.query });
        }
      } catch {
        // The database went away (the run is ending); stop quietly, the waits so far stand.
        return;
      }
      await this.deps.sleep(Math.max(0, SAMPLE_INTERVAL_MS - (this.deps.now() - started)));
    }
  }
}
