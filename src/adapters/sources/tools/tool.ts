/**
 * The other migration tools deployctl reads: the five whose folders it can run (a source `type:`)
 * and the ones whose ledger `deployctl adopt --from` can read.
 */
import type { MigrationFile } from '../../../core/migration.js';
import type { Db, ExternalLedger } from '../../../ports.js';

export const SOURCE_TOOLS = ['prisma', 'drizzle', 'golang-migrate', 'dbmate', 'node-pg-migrate'] as const;
export const LEDGER_TOOLS = [...SOURCE_TOOLS, 'flyway', 'knex'] as const;
export type SourceTool = (typeof SOURCE_TOOLS)[number];
export type LedgerTool = (typeof LEDGER_TOOLS)[number];

/** Reads which migrations another tool's own table records as applied. */
export interface ToolLedgerReader {
  readonly tool: LedgerTool;
  /** The table as shown to the user. */
  readonly table: string;
  /**
   * The ids of `files` the tool records as applied (empty when its table does not exist). Throws
   * SOURCE_INVALID when the tool's table shows a migration that failed midway (golang-migrate's
   * `dirty`, a Prisma row never finished, a Flyway row with success = false): the database is in
   * a state that tool itself would refuse to work from.
   */
  applied(db: Db, files: MigrationFile[]): Promise<Set<string>>;
}

/** A source in another tool's layout, as read: its files, and that tool's ledger to read and keep in step. */
export interface ToolSourceRead {
  files: MigrationFile[];
  ledger: ExternalLedger & ToolLedgerReader;
}
