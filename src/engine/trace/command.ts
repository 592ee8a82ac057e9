/**
 * `deployctl trace`: plans the pending migrations against the target, then runs them on a
 * scratch copy of its schema and compares the locks and rewrites PostgreSQL really performed
 * with the plan's. The target itself is only read. The scratch database is dropped at the end,
 * on failure, and as soon as the signal aborts (which also ends a statement still running).
 */
import type { Config } from '../../config/config.js';
import { connect } from '../../adapters/postgres/connect.js';
import { type Db } from '../../ports.js';
import { DeployctlError } from '../../errors.js';
import { readSnapshot, readSources } from '../snapshot.js';
import { buildBaseline, type Baseline } from './baseline.js';
import { createScratch, type Scratch } from '../../adapters/postgres/scratch.js';
import { traceMigrations, type TraceDeps, type TraceResult } from './trace.js';

export interface TraceReport extends TraceResult {
  baseline: Baseline;
}

export async function traceCommand(config: Config, deps: TraceDeps): Promise<TraceReport> {
  const url = config.databaseUrl;
  const target = await connect(url, 'deployctl trace');
  let scratch: Scratch | undefined;
  let scratchDb: Db | undefined;
  const dropScratch = async (): Promise<void> => {
    await scratchDb?.end().catch(() => undefined);
    scratchDb = undefined;
    await scratch?.drop();
  };
  const onAbort = (): void => {
    void scratch?.drop().catch(() => undefined);
  };
  deps.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const { plan, applied } = await readSnapshot(config, target);
    const sources = await readSources(config);
    const baseline = await buildBaseline({
      target,
      applied,
      sources,
      ledgerSchema: config.schema,
      freshScratch: async () => {
        await dropScratch();
        if (deps.signal?.aborted) throw interrupted();
        scratch = await createScratch(target, url!, 'trace');
        scratchDb = await connect(scratch.url, 'deployctl trace setup');
        return scratchDb;
      },
    });
    await scratchDb?.end();
    scratchDb = undefined;
    const result = await traceMigrations(scratch!.url, plan.migrations, {
      ...deps,
      lockTimeoutMs: config.lockTimeoutMs,
    });
    if (deps.signal?.aborted) throw interrupted();
    return { ...result, baseline };
  } catch (e) {
    throw deps.signal?.aborted ? interrupted() : e;
  } finally {
    deps.signal?.removeEventListener('abort', onAbort);
    await dropScratch().catch(() => undefined);
    await target.end().catch(() => undefined);
  }
}

function interrupted(): DeployctlError {
  return new DeployctlError(
    'INTERRUPTED',
    'trace interrupted; the scratch database was dropped and the target was not changed',
  );
}
