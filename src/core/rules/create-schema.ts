import { as } from '../sql/ast.js';
import type { Rule } from './rule.js';

/**
 * CREATE SCHEMA adds a namespace: no lock at all on any table (measured on PostgreSQL 15), and
 * the old code's search_path resolves its names exactly as before unless a new object shadows
 * one of them — which the statements that create such objects show.
 */
export const createSchema: Rule = {
  id: 'create-schema',
  summary: 'CREATE SCHEMA: a new namespace the old code ignores',
  kinds: ['CreateSchemaStmt'],
  check(s) {
    const schema = as(s.node, 'CreateSchemaStmt');
    if (!schema) return [];
    const name = schema.schemaname ?? schema.authrole?.rolename ?? '';
    return [
      {
        rule: this.id,
        phase: 'pre',
        message: `CREATE SCHEMA ${name}: a new namespace the old code ignores; no table lock.`,
      },
    ];
  },
  examples: {
    fires: ['CREATE SCHEMA billing', 'CREATE SCHEMA IF NOT EXISTS "Audit"', 'CREATE SCHEMA s CREATE TABLE x (a int)'],
    silent: ['DROP SCHEMA billing'],
  },
};
