/** `deployctl plan`: classify the pending migrations and stage them. Reads only; changes nothing. */
import type { Config } from '../config/config.js';
import { withConnection } from '../adapters/postgres/connect.js';
import { readSnapshot, type Snapshot } from './snapshot.js';

export async function planCommand(config: Config): Promise<Snapshot> {
  if (!config.databaseUrl) return readSnapshot(config);
  return withConnection(config.databaseUrl, (db) => readSnapshot(config, db));
}
