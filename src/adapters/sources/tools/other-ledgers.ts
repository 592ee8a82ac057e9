/**
 * Ledgers `deployctl adopt --from` reads although deployctl does not run those tools' folders:
 * Flyway's `flyway_schema_history` and Knex's `knex_migrations`. Their files are matched against
 * a plain SQL source by name (`V3__add_email.sql`; `20240101_add_email` for `20240101_add_email.js`).
 */
import path from 'node:path';
import type { MigrationFile } from '../../../core/migration.js';
import { DeployctlError } from '../../../errors.js';
import { tableExists } from './files.js';
import type { ToolLedgerReader } from './tool.js';

/** Flyway versions: `1`, `1.2`, `1_2` (an underscore separates parts like a dot). */
function flywayVersion(name: string): number[] | undefined {
  const m = /^V([0-9]+(?:[._][0-9]+)*)__/.exec(name);
  return m ? m[1]!.split(/[._]/).map(Number) : undefined;
}

function compareParts(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export const flywayLedger: ToolLedgerReader = {
  tool: 'flyway',
  table: 'flyway_schema_history',
  async applied(db, files) {
    if (!(await tableExists(db, 'flyway_schema_history'))) return new Set();
    const r = await db.query(
      `SELECT version, script, type, success FROM flyway_schema_history WHERE version IS NOT NULL ORDER BY installed_rank`,
    );
    const rows = r.rows as { version: string; script: string; type: string; success: boolean }[];
    const failed = rows.filter((row) => !row.success);
    if (failed.length)
      throw new DeployctlError(
        'SOURCE_INVALID',
        `flyway_schema_history records ${failed.map((f) => f.script).join(', ')} as failed; run flyway repair before adopting`,
      );
    const scripts = new Set(rows.filter((row) => row.type !== 'BASELINE').map((row) => row.script));
    const baseline = rows.find((row) => row.type === 'BASELINE');
    const through = baseline ? baseline.version.split(/[._]/).map(Number) : undefined;
    return new Set(
      files
        .filter((f) => {
          const name = path.basename(f.file);
          if (scripts.has(name)) return true;
          const v = flywayVersion(name);
          return through !== undefined && v !== undefined && compareParts(v, through) <= 0;
        })
        .map((f) => f.id),
    );
  },
};

export const knexLedger: ToolLedgerReader = {
  tool: 'knex',
  table: 'knex_migrations',
  async applied(db, files: MigrationFile[]) {
    if (!(await tableExists(db, 'knex_migrations'))) return new Set();
    const r = await db.query('SELECT name FROM knex_migrations');
    const names = new Set(r.rows.map((row) => (row.name as string).replace(/\.[A-Za-z]+$/, '')));
    return new Set(files.filter((f) => names.has(f.id)).map((f) => f.id));
  },
};
