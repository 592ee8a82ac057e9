import { as } from '../sql/ast.js';
import type { Rule } from './rule.js';

/**
 * CREATE EXTENSION runs the extension's install script, which for the extensions apps use
 * (pgcrypto, citext, pg_trgm, uuid-ossp, postgis…) creates types and functions and no table
 * locks — measured on PostgreSQL 15 with pgcrypto: object locks only. The old code does not call
 * what did not exist when it was written.
 */
export const createExtension: Rule = {
  id: 'create-extension',
  summary: 'CREATE EXTENSION: new types and functions the old code does not use',
  kinds: ['CreateExtensionStmt'],
  check(s) {
    const ext = as(s.node, 'CreateExtensionStmt');
    if (!ext) return [];
    return [
      {
        rule: this.id,
        phase: 'pre',
        message: `CREATE EXTENSION ${ext.extname ?? ''}: installs new types and functions; no lock on app tables.`,
      },
    ];
  },
  examples: {
    fires: ['CREATE EXTENSION IF NOT EXISTS pgcrypto', 'CREATE EXTENSION "uuid-ossp" WITH SCHEMA extensions'],
    silent: ['DROP EXTENSION pgcrypto'],
  },
};
