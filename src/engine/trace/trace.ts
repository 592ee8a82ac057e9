/**
 * Runs classified migrations on a scratch database, statement by statement and in order, and
 * sets what PostgreSQL did beside what the plan predicted. Each statement's effects stay, so
 * later statements (and later migrations) run against the schema they will really meet.
 */
import type { Clock } from '../../ports.js';
import type { ClassifiedMigration, ClassifiedStatement } from '../../core/classify/classify.js';
import { connect } from '../../adapters/postgres/connect.js';
import { type Db } from '../../ports.js';
import { DeployctlError } from '../../errors.js';
import { UNRECOGNIZED } from '../../core/rules/index.js';
import { isTransactionControl, mustRunOutsideTransaction } from '../../core/sql/transaction.js';
import { compare, type ObservedSummary, type Prediction } from './compare.js';
import { observeInTransaction, type Observation, type RelationLock } from './observe.js';
import { observeWatched, type WatchSessions } from './watch.js';
import { namesOf, readRelations } from './relations.js';
import { appConflict, strongerLock, type LockMode } from '../../core/rules/rule.js';

/** Rules that speak when nothing else understood a statement: their lock is a guess. */
const ASSUMING_RULES = new Set([UNRECOGNIZED.id, 'unrecognized-alter-command']);

export interface TracedStatement {
  index: number;
  line: number;
  sql: string;
  /** How it was observed; `skipped` for BEGIN/COMMIT, which the executor owns. */
  method: Observation['method'] | 'skipped';
  predicted: Prediction;
  observed:
    (ObservedSummary & { locks: RelationLock[]; rewritten: string[]; created: string[]; removed: string[] }) | null;
  disagreements: string[];
  /** PostgreSQL's error when the statement failed on the scratch database. */
  error?: string;
  /** Wall time the statement took on the scratch database. */
  durationMs?: number;
  /**
   * In a transactional migration: a lock an earlier statement took that the app's reads or
   * writes wait for, and how long it had been held when this statement ended — longer than
   * `lockTimeoutMs` means the app would have waited that long.
   */
  heldLock?: { lock: LockMode; relation: string; line: number; heldMs: number };
}

export interface TracedMigration {
  app: string;
  id: string;
  file: string;
  statements: TracedStatement[];
}

export interface TraceResult {
  serverVersion: number;
  migrations: TracedMigration[];
  /** True when every statement ran and every prediction matched. */
  ok: boolean;
}

export interface TraceDeps {
  clock: Clock;
  signal?: AbortSignal;
  /** The app's tolerance for waiting on a lock (config `lockTimeoutMs`); default 2000. */
  lockTimeoutMs?: number;
}

export async function traceMigrations(
  scratchUrl: string,
  migrations: ClassifiedMigration[],
  deps: TraceDeps,
): Promise<TraceResult> {
  const sessions = await openSessions(scratchUrl, deps.clock);
  try {
    const serverVersion = Number(
      (await sessions.traced.db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v,
    );
    const traced: TracedMigration[] = [];
    // Relations the app knows: those that existed before the first pending migration.
    const appRelations = namesOf(await readRelations(sessions.traced.db));
    const lockTimeoutMs = deps.lockTimeoutMs ?? 2000;
    let failed = false;
    for (const m of migrations) {
      if (failed) break;
      const statements: TracedStatement[] = [];
      traced.push({ app: m.migration.app, id: m.migration.id, file: m.migration.file, statements });
      // Each statement commits on the scratch database, but in the real migration every lock is
      // held until the file's COMMIT: time how long the strongest app-blocking one would be held.
      let held: { lock: LockMode; relation: string; line: number; since: number } | undefined;
      for (const s of m.statements) {
        if (deps.signal?.aborted)
          throw new DeployctlError('INTERRUPTED', 'trace interrupted; the scratch database was dropped');
        const started = deps.clock.now();
        const result = await traceStatement(
          sessions,
          s,
          serverVersion,
          m.directives.backfill ? BACKFILL_ALL : undefined,
        );
        const ended = deps.clock.now();
        result.durationMs = ended - started;
        if (held && m.transactional) {
          const heldMs = ended - held.since;
          result.heldLock = { lock: held.lock, relation: held.relation, line: held.line, heldMs };
          if (heldMs > lockTimeoutMs && s.phase !== 'unsafe')
            result.disagreements.push(
              `${held.lock} on ${held.relation} (taken at line ${held.line}) was held for ${Math.round(heldMs)} ms by the end of this statement, longer than lockTimeoutMs (${lockTimeoutMs} ms): the app's ${appConflict(held.lock)} on ${held.relation} would wait that long, but the plan calls this statement ${s.phase}`,
            );
        }
        statements.push(result);
        if (result.error) {
          failed = true;
          break;
        }
        for (const l of result.observed?.locks ?? []) {
          if (!appRelations.has(l.relation) || !appConflict(l.mode)) continue;
          if (!held || strongerLock(held.lock, l.mode) !== held.lock)
            held = { lock: l.mode, relation: l.relation, line: s.line, since: started };
        }
      }
    }
    const ok = !failed && traced.every((m) => m.statements.every((s) => s.disagreements.length === 0));
    return { serverVersion, migrations: traced, ok };
  } finally {
    await Promise.all(
      [sessions.traced.db, sessions.holder.db, sessions.sampler].map((db) => db.end().catch(() => undefined)),
    );
  }
}

/** A driven backfill's statement traced as one batch over every key (its locks do not depend on the range). */
const BACKFILL_ALL = ['-9223372036854775808', '9223372036854775807'];

async function traceStatement(
  sessions: WatchSessions,
  s: ClassifiedStatement,
  serverVersion: number,
  params?: string[],
): Promise<TracedStatement> {
  const assumed = s.findings.some((f) => ASSUMING_RULES.has(f.rule));
  const predicted: Prediction = { lock: s.lock, relation: s.relation, rewrite: s.rewrite, assumed };
  const base = { index: s.index, line: s.line, sql: s.sql, predicted };
  if (isTransactionControl(s.parsed)) return { ...base, method: 'skipped', observed: null, disagreements: [] };
  const watched = mustRunOutsideTransaction(s.parsed, serverVersion);
  let seen: Observation;
  try {
    seen = watched
      ? await observeWatched(sessions, s.sql)
      : await observeInTransaction(sessions.traced.db, s.sql, params);
  } catch (e) {
    const error = (e as { message?: string }).message ?? String(e);
    return { ...base, method: watched ? 'watched' : 'transaction', observed: null, disagreements: [], error };
  }
  const { observed, disagreements } = compare({
    predicted,
    locks: seen.locks,
    rewritten: seen.rewritten,
    existed: (r) => seen.existed.has(r),
  });
  return {
    ...base,
    method: seen.method,
    observed: {
      ...observed,
      locks: seen.locks,
      rewritten: seen.rewritten,
      created: seen.created,
      removed: seen.removed,
    },
    disagreements,
  };
}

async function openSessions(url: string, clock: Clock): Promise<WatchSessions> {
  const opened: Db[] = [];
  try {
    for (const name of ['deployctl trace', 'deployctl trace holder', 'deployctl trace sampler'])
      opened.push(await connect(url, name));
    const pid = async (db: Db): Promise<number> =>
      (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const [traced, holder, sampler] = opened as [Db, Db, Db];
    return {
      traced: { db: traced, pid: await pid(traced) },
      holder: { db: holder, pid: await pid(holder) },
      sampler,
      clock,
    };
  } catch (e) {
    await Promise.all(opened.map((db) => db.end().catch(() => undefined)));
    throw e;
  }
}
