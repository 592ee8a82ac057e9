/**
 * The release as it is often done by hand: every migration file, in order, statement by
 * statement in autocommit — as `psql -f` runs them — with no lock_timeout and no phases, all
 * before the rollout; then version 2 is rolled out. Between the DROP COLUMN and the swap,
 * version 1 serves against a schema without the column it reads.
 */
import type { Config } from '../config/config.js';
import { readSources } from '../engine/snapshot.js';
import { connect } from '../adapters/postgres/connect.js';
import type { SupervisorControl } from '../adapters/drivers/local/supervisor.js';
import { parseSql } from '../core/sql/parse.js';
import { readDirectives } from '../core/sql/directives.js';
import { backfillStatement } from '../core/throttle/backfill.js';
import { quoteIdent } from '../core/sql/identifiers.js';
import type { Db } from '../ports.js';
import type { StageRecorder, StageWindow } from './events.js';

export interface NaiveReleaseDeps {
  supervisor: SupervisorControl;
  now(): number;
  recorder: StageRecorder;
  signal?: AbortSignal;
}

export async function naiveRelease(
  config: Config,
  artifact: string,
  deps: NaiveReleaseDeps,
): Promise<{ window: StageWindow; statements: number }> {
  const startMs = deps.now();
  const sources = await readSources(config);
  let statements = 0;
  await deps.recorder.stage('migrate (all at once)', async () => {
    const db = await connect(config.databaseUrl, 'psql');
    try {
      for (const { files } of sources) {
        for (const file of files) {
          const sql = parseSql(file.up, file.file);
          const parsed = sql.statements;
          const backfill = readDirectives(sql.comments, file.file).backfill;
          deps.recorder.emit({
            type: 'info',
            message: `running ${file.id} (${parsed.length} statement${parsed.length === 1 ? '' : 's'}, no lock_timeout)`,
          });
          for (const s of parsed) {
            deps.signal?.throwIfAborted();
            if (backfill) statements += await fixedBatches(db, s.sql, backfill, deps.signal);
            else {
              await db.query(s.sql);
              statements++;
            }
          }
        }
      }
    } finally {
      await db.end().catch(() => undefined);
    }
  });
  await deps.recorder.stage('rollout', async () => {
    deps.signal?.throwIfAborted();
    await deps.supervisor.deploy(artifact, {
      log: (line) => deps.recorder.emit({ type: 'rollout', stage: 'rollout', line }),
    });
  });
  return { window: { name: 'release', startMs, endMs: deps.now() }, statements };
}

/**
 * A backfill written for deployctl (`-- deployctl:backfill`), run the way a hand-written script
 * of batches runs: one key range after the other, the directive's size each, in autocommit, with
 * nothing between them.
 */
async function fixedBatches(
  db: Db,
  sql: string,
  backfill: { key: string; rows: number },
  signal: AbortSignal | undefined,
): Promise<number> {
  const parsed = backfillStatement(parseSql(sql, 'backfill').statements, backfill.key);
  if (!parsed.ok) throw new Error(parsed.why);
  const table = parsed.backfill.table.split('.').map(quoteIdent).join('.');
  const key = quoteIdent(backfill.key);
  const range = (
    await db.query<{ lo: string | null; hi: string | null }>(
      `SELECT (min(${key}) - 1)::bigint::text AS lo, max(${key})::bigint::text AS hi FROM ${table}`,
    )
  ).rows[0]!;
  if (range.hi === null) return 0;
  let n = 0;
  for (let lo = Number(range.lo); lo < Number(range.hi); lo += backfill.rows) {
    signal?.throwIfAborted();
    await db.query(sql, [lo, Math.min(lo + backfill.rows, Number(range.hi))]);
    n++;
  }
  return n;
}
