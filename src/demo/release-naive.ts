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
          const parsed = parseSql(file.up, file.file).statements;
          deps.recorder.emit({
            type: 'info',
            message: `running ${file.id} (${parsed.length} statement${parsed.length === 1 ? '' : 's'}, no lock_timeout)`,
          });
          for (const s of parsed) {
            deps.signal?.throwIfAborted();
            await db.query(s.sql);
            statements++;
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
