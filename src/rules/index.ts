/**
 * The one place rules are registered. A test asserts every file in this folder is listed here
 * with a unique kebab-case id equal to its file name.
 */
import type { Rule } from './rule.js';
import { addColumn } from './add-column.js';
import { createTable } from './create-table.js';
import { sessionStatement } from './session-statement.js';
import { unrecognizedStatement } from './unrecognized-statement.js';

export const RULES: readonly Rule[] = [
  sessionStatement,
  createTable,
  addColumn,
];

/** Applied only when no rule in RULES has anything to say about a statement. */
export const UNRECOGNIZED: Rule = unrecognizedStatement;
