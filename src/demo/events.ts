/** What the demo reports while it runs: the release's own events, plus the load's progress. */
import type { DeployEvent } from '../ports.js';
import type { LoadProgress } from './load.js';

export type DemoEvent = DeployEvent | { type: 'load'; mode: string; stage: string; progress: LoadProgress };

export type DemoEmit = (event: DemoEvent) => void;

/** A stretch of the run (the baseline, one release stage, …) on the demo's timer. */
export interface StageWindow {
  name: string;
  startMs: number;
  endMs: number;
}

/** One migration statement (or one backfill batch) while it ran, on the demo's timer. */
export interface StatementWindow extends StageWindow {
  /** `app/id` of the migration. */
  migration: string;
}

/** Records stage windows (and migration statement windows) from the events that pass through it. */
export class StageRecorder {
  readonly windows: StageWindow[] = [];
  readonly statements: StatementWindow[] = [];
  private readonly openStatements = new Map<string, number>();
  private readonly open = new Map<string, number>();
  current = '';
  /** What the throttle did, summed over the release's migrate runs; undefined when it did nothing. */
  throttle: { batches: number; pauses: number; pausedMs: number; restMs: number } | undefined;

  constructor(
    private readonly now: () => number,
    private readonly forward: DemoEmit,
  ) {}

  readonly emit = (e: DemoEvent): void => {
    if (e.type === 'stage:start') {
      this.open.set(e.stage, this.now());
      this.current = e.stage;
    } else if (e.type === 'stage:end' || e.type === 'stage:fail') {
      this.windows.push({ name: e.stage, startMs: this.open.get(e.stage) ?? this.now(), endMs: this.now() });
      this.open.delete(e.stage);
    } else if (e.type === 'statement:start') {
      this.openStatements.set(`${e.app}/${e.id}:${e.label}`, this.now());
    } else if (e.type === 'statement:end') {
      const key = `${e.app}/${e.id}:${e.label}`;
      this.statements.push({
        migration: `${e.app}/${e.id}`,
        name: e.label,
        startMs: this.openStatements.get(key) ?? this.now() - e.ms,
        endMs: this.now(),
      });
      this.openStatements.delete(key);
    } else if (e.type === 'throttle:totals') {
      const t = (this.throttle ??= { batches: 0, pauses: 0, pausedMs: 0, restMs: 0 });
      t.batches += e.batches;
      t.pauses += e.pauses;
      t.pausedMs += e.pausedMs;
      t.restMs += e.restMs;
    }
    this.forward(e);
  };

  /** Runs `fn` as a stage of its own. */
  async stage<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = this.now();
    this.emit({ type: 'stage:start', stage: name });
    try {
      const value = await fn();
      this.emit({ type: 'stage:end', stage: name, ms: Math.round(this.now() - started) });
      return value;
    } catch (e) {
      this.emit({
        type: 'stage:fail',
        stage: name,
        ms: Math.round(this.now() - started),
        error: e instanceof Error ? e.message : String(e),
      });
      throw e;
    }
  }
}
