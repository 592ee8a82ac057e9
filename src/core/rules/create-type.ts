import { as, nameList, qualifiedName } from '../sql/ast.js';
import type { Rule } from './rule.js';

/**
 * CREATE TYPE (enum, composite, range) and CREATE DOMAIN add a type no column uses yet: catalog
 * rows only, no lock on any table (measured on PostgreSQL 15; a composite type locks only its
 * own new pg_class entry). The old code never names the new type.
 */
export const createType: Rule = {
  id: 'create-type',
  summary: 'CREATE TYPE (enum, composite, range) / CREATE DOMAIN: a new type no column uses yet',
  kinds: ['CompositeTypeStmt', 'CreateDomainStmt', 'CreateEnumStmt', 'CreateRangeStmt'],
  check(s) {
    const n = s.node;
    const name =
      nameList(as(n, 'CreateEnumStmt')?.typeName).join('.') ||
      qualifiedName(as(n, 'CompositeTypeStmt')?.typevar) ||
      nameList(as(n, 'CreateRangeStmt')?.typeName).join('.') ||
      nameList(as(n, 'CreateDomainStmt')?.domainname).join('.');
    if (!name) return [];
    return [
      {
        rule: this.id,
        phase: 'pre',
        message: `${s.kind === 'CreateDomainStmt' ? 'CREATE DOMAIN' : 'CREATE TYPE'} ${name}: a new type the old code never names; no table lock.`,
      },
    ];
  },
  examples: {
    fires: [
      "CREATE TYPE order_status AS ENUM ('new', 'paid')",
      'CREATE TYPE "Geo"."Point2" AS (x float8, y float8)',
      "CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%')",
      'CREATE TYPE span AS RANGE (subtype = int4)',
    ],
    silent: ['DROP TYPE order_status', "ALTER TYPE order_status ADD VALUE 'shipped'"],
  },
};
