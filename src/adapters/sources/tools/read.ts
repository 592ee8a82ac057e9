/** Reads a source in another tool's layout by its configured `type`. */
import type { SourceConfig } from '../../../config/config.js';
import { readDbmateSource } from './dbmate.js';
import { readDrizzleSource } from './drizzle.js';
import { readGolangMigrateSource } from './golang-migrate.js';
import { readNodePgMigrateSource } from './node-pg-migrate.js';
import { readPrismaSource } from './prisma.js';
import type { LedgerTool, ToolLedgerReader, ToolSourceRead } from './tool.js';
import { flywayLedger, knexLedger } from './other-ledgers.js';

export async function readToolSource(s: SourceConfig, cwd = process.cwd()): Promise<ToolSourceRead> {
  const source = { app: s.app, dir: s.dir };
  switch (s.type) {
    case 'prisma':
      return readPrismaSource(source, cwd);
    case 'drizzle':
      return readDrizzleSource(
        source,
        { migrationsSchema: s.migrationsSchema, migrationsTable: s.migrationsTable },
        cwd,
      );
    case 'golang-migrate':
      return readGolangMigrateSource(source, cwd);
    case 'dbmate':
      return readDbmateSource(source, cwd);
    case 'node-pg-migrate':
      return readNodePgMigrateSource(source, cwd);
    default:
      throw new Error(`source type ${s.type} is not another tool's layout`);
  }
}

/** The ledger readers of the tools deployctl does not run but can adopt from. */
export const OTHER_LEDGERS: Partial<Record<LedgerTool, ToolLedgerReader>> = { flyway: flywayLedger, knex: knexLedger };
