import { dropFindings } from './support/drop.js';
import type { Rule } from './rule.js';

/**
 * DROP EXTENSION removes the extension's types and functions (CASCADE also the columns and
 * indexes using them). Old code that calls them fails from then on: after the rollout.
 */
export const dropExtension: Rule = {
  id: 'drop-extension',
  summary: 'DROP EXTENSION: removes what the old code may use; after the rollout',
  kinds: ['DropStmt'],
  check(s, ctx) {
    return dropFindings(
      { rule: this.id, types: ['OBJECT_EXTENSION'], noun: 'EXTENSION', oldCodeUse: 'use its types or functions' },
      s,
      ctx,
    );
  },
  examples: {
    fires: ['DROP EXTENSION pg_trgm', 'DROP EXTENSION IF EXISTS "uuid-ossp" CASCADE'],
    silent: ['CREATE EXTENSION pgcrypto'],
  },
};
