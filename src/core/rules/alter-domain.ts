import type { AlterDomainStmt } from 'libpg-query';
import { as, nameList } from '../sql/ast.js';
import type { Finding, Rule } from './rule.js';

/**
 * ALTER DOMAIN changes a type that table columns use. Measured on PostgreSQL 15 (pg_locks,
 * sequential scans): ADD CONSTRAINT … NOT VALID, DROP CONSTRAINT, SET/DROP DEFAULT and DROP NOT
 * NULL lock only the domain (no table lock, no scan): `pre`. ADD CONSTRAINT without NOT VALID,
 * VALIDATE CONSTRAINT and SET NOT NULL check every existing value: each table with a column of
 * the domain is scanned under SHARE lock, which blocks the app's INSERT, UPDATE and DELETE on
 * it for the scan — unsafe, unless the domain was created by this release (no column of the
 * app's tables uses it yet). Unlike a table, a domain has no weaker way to validate; a
 * constraint added NOT VALID protects new values and is enough for most uses.
 *
 * A constraint added NOT VALID still applies to every value written from then on: the old code
 * must write only values it accepts (as for add-check-constraint's checks on existing columns).
 */
export const alterDomain: Rule = {
  id: 'alter-domain',
  summary: 'ALTER DOMAIN: ADD … NOT VALID / DROP CONSTRAINT are catalog-only; validation scans every using table',
  kinds: ['AlterDomainStmt'],
  check(s, ctx) {
    const stmt = as(s.node, 'AlterDomainStmt');
    if (!stmt) return [];
    const domain = nameList(stmt.typeName).join('.');
    const base = { rule: this.id };
    const what = describe(stmt);
    const scans =
      (stmt.subtype === 'C' && as(stmt.def, 'Constraint')?.skip_validation !== true) ||
      stmt.subtype === 'V' ||
      stmt.subtype === 'O';
    if (!scans || ctx.isNew(domain)) {
      const note = ctx.isNew(domain)
        ? `${domain} was created earlier in this release, so no app table uses it yet`
        : stmt.subtype === 'C'
          ? 'only new values are checked (the old code must write values it accepts)'
          : 'it locks no table and scans nothing';
      return [{ ...base, phase: 'pre', message: `ALTER DOMAIN ${domain} ${what}: catalog-only; ${note}.` }];
    }
    const finding: Finding = {
      ...base,
      phase: 'unsafe',
      scan: true,
      message: `ALTER DOMAIN ${domain} ${what} checks every existing value: each table with a column of type ${domain} is scanned under SHARE lock, so the app's writes to those tables wait until the scans end.`,
      fix:
        stmt.subtype === 'O'
          ? `Add a constraint that only checks new values instead: ALTER DOMAIN ${domain} ADD CONSTRAINT ${domain.split('.').pop() ?? domain}_not_null CHECK (VALUE IS NOT NULL) NOT VALID;   -- no scan`
          : `Add the constraint NOT VALID (no scan; new values are checked): ALTER DOMAIN ${domain} ADD CONSTRAINT … NOT VALID; validate it only when the tables using ${domain} are small or idle, accepting it with -- deployctl:allow alter-domain <why>.`,
    };
    return [finding];
  },
  examples: {
    fires: [
      "ALTER DOMAIN code ADD CONSTRAINT code_not_blank CHECK (VALUE <> '') NOT VALID",
      'ALTER DOMAIN "Shop".code ADD CONSTRAINT code_not_blank CHECK (VALUE <> \'\')',
      'ALTER DOMAIN code DROP CONSTRAINT IF EXISTS code_not_blank',
      "ALTER DOMAIN code ADD CONSTRAINT code_not_blank CHECK (VALUE <> '') NOT VALID; ALTER DOMAIN code VALIDATE CONSTRAINT code_not_blank",
      'ALTER DOMAIN code SET NOT NULL',
      "ALTER DOMAIN code SET DEFAULT 'none'",
    ],
    silent: ['CREATE DOMAIN code AS text', 'ALTER TYPE mood ADD VALUE IF NOT EXISTS $$calm$$'],
  },
};

function describe(stmt: AlterDomainStmt): string {
  const c = as(stmt.def, 'Constraint');
  switch (stmt.subtype) {
    case 'T':
      return stmt.def ? 'SET DEFAULT' : 'DROP DEFAULT';
    case 'N':
      return 'DROP NOT NULL';
    case 'O':
      return 'SET NOT NULL';
    case 'C':
      return `ADD CONSTRAINT${c?.conname ? ` ${c.conname}` : ''}${c?.skip_validation ? ' NOT VALID' : ''}`;
    case 'X':
      return `DROP CONSTRAINT ${stmt.name ?? ''}`;
    case 'V':
      return `VALIDATE CONSTRAINT ${stmt.name ?? ''}`;
    default:
      return String(stmt.subtype);
  }
}
