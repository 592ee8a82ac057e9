/**
 * `deployctl fingerprint`: the schema's hash and each table's, read from the database. Apps put
 * a table's hash in their cache keys (`User:<hash>:42`) so a deploy that changes the table's
 * shape stops them reading rows cached in the old shape.
 */
import type { Config } from '../config/config.js';
import { withConnection } from '../adapters/postgres/connect.js';
import { type Db } from '../ports.js';
import { DeployctlError } from '../errors.js';
import { fingerprintOf, type Fingerprint } from '../core/schema/hash.js';
import { readSchemaShape } from '../adapters/postgres/shape.js';

export interface FingerprintOptions {
  /** Only this table: `users` (resolved in `public`, or in the one schema that has it) or `schema.table`. */
  table?: string;
}

export async function fingerprintCommand(config: Config, options: FingerprintOptions = {}): Promise<Fingerprint> {
  return withConnection(config.databaseUrl, (db) => readFingerprint(db, config.schema, options));
}

export async function readFingerprint(
  db: Db,
  ledgerSchema: string,
  options: FingerprintOptions = {},
): Promise<Fingerprint> {
  const fp = fingerprintOf(await readSchemaShape(db, { excludeSchemas: [ledgerSchema] }));
  if (options.table === undefined) return fp;
  const name = resolveTable(Object.keys(fp.tables), options.table);
  return { schema: fp.schema, tables: { [name]: fp.tables[name]! } };
}

export function resolveTable(names: string[], wanted: string): string {
  if (names.includes(wanted)) return wanted;
  if (!wanted.includes('.')) {
    if (names.includes(`public.${wanted}`)) return `public.${wanted}`;
    const matches = names.filter((n) => n.slice(n.indexOf('.') + 1) === wanted);
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1)
      throw new DeployctlError(
        'USAGE',
        `table '${wanted}' exists in several schemas (${matches.join(', ')}); name one, e.g. --table ${matches[0]}`,
      );
  }
  throw new DeployctlError(
    'USAGE',
    `no table '${wanted}' in the database; tables: ${names.length ? names.join(', ') : 'none'}`,
  );
}
