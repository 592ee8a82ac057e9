import { alterTable } from './support/alter.js';
import { commandsFor } from './support/alter-commands.js';
import { readableIdent, qualifiedSql } from '../sql/identifiers.js';
import { notNullEvidence } from './support/not-null.js';
import { sizeNote } from './support/objects.js';
import type { Finding, Rule, RuleContext } from './rule.js';
import { exampleCatalog } from './support/example-catalog.js';

/**
 * ALTER COLUMN … SET NOT NULL reads the whole table under ACCESS EXCLUSIVE to prove there is no
 * NULL (measured on PostgreSQL 15: one sequential scan, no rewrite), blocking every app query
 * for the scan: size-dependent. PostgreSQL 12+ skips the scan when a validated
 * `CHECK (col IS NOT NULL)` exists (measured: no scan), so the statement is `pre` when the
 * catalog shows one, when the column already is NOT NULL (a no-op), or when an earlier statement
 * of the migration adds and validates such a check. In that last case the validation itself ran
 * under the locks the migration already holds, which validate-constraint or
 * add-check-constraint reports; the SET NOT NULL adds no scan of its own.
 *
 * The safe recipe validates in its own migration, so the scan holds only SHARE UPDATE EXCLUSIVE.
 * A check validated by an earlier pending migration of the same release counts too, when that
 * migration is `pre` (it commits before this one runs, in plan order): its validated CHECK is in
 * the catalog by the time the SET NOT NULL runs. A `post` or blocked one does not count, since
 * it may run after. The same holds for a static plan, which judges each file as if the ones
 * before it were applied.
 */
export const setNotNull: Rule = {
  id: 'set-not-null',
  summary: 'ALTER COLUMN SET NOT NULL: full scan under ACCESS EXCLUSIVE unless a validated check proves it',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return commandsFor(alter, this.id, ctx).map((cmd): Finding => {
      const name = cmd.name ?? '';
      const base = { rule: this.id, lock: 'AccessExclusiveLock' as const, relation: alter.table };
      if (ctx.isNew(alter.table)) {
        return {
          ...base,
          phase: 'pre',
          message: `SET NOT NULL on ${alter.table}.${name}, a table created earlier in this release: nothing to scan that an app uses.`,
        };
      }
      const evidence = notNullEvidence(ctx, s, cmd, alter.table, name);
      if (evidence) {
        const why =
          evidence === 'column-not-null'
            ? `the catalog shows ${name} is already NOT NULL: nothing to do`
            : evidence === 'catalog-check'
              ? `the catalog shows a validated CHECK (${name} IS NOT NULL), so PostgreSQL skips the scan`
              : evidence === 'release-check'
                ? `${releaseOrigin(ctx, alter.table, name)} validates CHECK (${name} IS NOT NULL) before this migration runs, so PostgreSQL skips the scan`
                : `an earlier statement of this migration adds and validates CHECK (${name} IS NOT NULL), so PostgreSQL skips the scan`;
        return {
          ...base,
          phase: 'pre',
          message: `SET NOT NULL on ${alter.table}.${name}: ${why}; ACCESS EXCLUSIVE for an instant.`,
        };
      }
      const table = qualifiedSql(alter.table);
      const column = readableIdent(name);
      const check = readableIdent(`${name}_not_null`);
      const old = ctx.serverVersion < 120000;
      return {
        ...base,
        phase: 'unsafe',
        scan: true,
        sizeDependent: true,
        message:
          `SET NOT NULL on ${alter.table}.${name}${sizeNote(ctx, alter.table)} scans the whole table under ACCESS EXCLUSIVE to prove there is no NULL: every app query on ${alter.table} waits until the scan ends.` +
          (old
            ? ` PostgreSQL ${Math.floor(ctx.serverVersion / 10000)} cannot use a CHECK constraint to skip that scan (12+ can).`
            : ''),
        fix: old
          ? [
              'Before PostgreSQL 12, enforce it with a validated CHECK instead of NOT NULL:',
              `  1. ALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (${column} IS NOT NULL) NOT VALID;   -- instant`,
              `  2. In a separate migration: ALTER TABLE ${table} VALIDATE CONSTRAINT ${check};   -- scans under SHARE UPDATE EXCLUSIVE, writes continue`,
              '  Keep the CHECK; after upgrading to PostgreSQL 12+, SET NOT NULL uses it without a scan.',
            ].join('\n')
          : [
              'Prove it with a CHECK constraint first, so SET NOT NULL needs no scan:',
              `  1. Migration A: ALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (${column} IS NOT NULL) NOT VALID;   -- instant; new rows must carry ${column} from now on (post, unless it has a default)`,
              `  2. Migration B: ALTER TABLE ${table} VALIDATE CONSTRAINT ${check};   -- scans under SHARE UPDATE EXCLUSIVE, writes continue`,
              `  3. Migration C, after B (in the same release or a later one): ALTER TABLE ${table} ALTER COLUMN ${column} SET NOT NULL;   -- no scan`,
              `  4. Then, in its own migration: ALTER TABLE ${table} DROP CONSTRAINT ${check};`,
              "Keep A and B in separate migrations: locks last until COMMIT, so a VALIDATE after the ADD in one transaction scans under the ADD's ACCESS EXCLUSIVE.",
            ].join('\n'),
      };
    });
  },
  examples: {
    fires: [
      'ALTER TABLE users ALTER COLUMN email SET NOT NULL',
      'ALTER TABLE ONLY "Shop"."Users" ALTER COLUMN "Email" SET NOT NULL, ALTER COLUMN name SET NOT NULL',
      { sql: 'ALTER TABLE IF EXISTS users ALTER COLUMN email SET NOT NULL', serverVersion: 110000 },
      {
        sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL',
        catalog: exampleCatalog('users', {
          rowEstimate: 5e6,
          bytes: 512 * 1024 * 1024,
          notNullChecks: ['email'],
          columns: { email: { type: 'text', notNull: false } },
        }),
      },
      'ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID; ALTER TABLE users VALIDATE CONSTRAINT email_nn; ALTER TABLE users ALTER COLUMN email SET NOT NULL',
    ],
    silent: [
      'ALTER TABLE users ALTER COLUMN email DROP NOT NULL',
      "ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT ''",
    ],
  },
};

function releaseOrigin(ctx: RuleContext, table: string, column: string): string {
  const origin = ctx.notNullProvenEarlier?.(table, column);
  return origin
    ? `${origin.file} (line ${origin.line}), a pre migration earlier in this release,`
    : 'an earlier migration';
}
