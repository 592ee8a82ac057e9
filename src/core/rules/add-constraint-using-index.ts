import { as } from '../sql/ast.js';
import type { ParsedStatement } from '../sql/parse.js';
import { alterTable } from './support/alter.js';
import { constraintsFor } from './support/alter-commands.js';
import { readableIdent, qualifiedSql } from '../sql/identifiers.js';
import { notNullEvidence } from './support/not-null.js';
import { sizeNote } from './support/objects.js';
import type { Finding, Rule, RuleContext } from './rule.js';
import { exampleCatalog } from './support/example-catalog.js';

/**
 * ADD CONSTRAINT … UNIQUE / PRIMARY KEY USING INDEX attaches an index that already exists (the
 * second half of the CREATE UNIQUE INDEX CONCURRENTLY recipe): ACCESS EXCLUSIVE on the table
 * for an instant, SHARE UPDATE EXCLUSIVE on the index, which it renames to the constraint's
 * name (measured on PostgreSQL 15: no scan).
 *
 * PRIMARY KEY also marks the index's columns NOT NULL. A nullable column is then scanned under
 * ACCESS EXCLUSIVE, unless (PostgreSQL 12+) a validated CHECK (col IS NOT NULL) proves it
 * (measured: one scan without the check, none with it). The index's columns are read from the
 * migration's CREATE INDEX, or from the catalog when the index already exists; the finding is
 * `unsafe` (size-dependent) when the catalog shows such a column nullable without proof, `pre`
 * when every column is NOT NULL or proven, and says what to check when the columns are unknown.
 */
export const addConstraintUsingIndex: Rule = {
  id: 'add-constraint-using-index',
  summary: 'ADD UNIQUE / PRIMARY KEY USING INDEX: attaches a prebuilt index',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return constraintsFor(alter, this.id).map(({ cmd, constraint: c }): Finding => {
      const index = c.indexname ?? '';
      const base = {
        rule: this.id,
        phase: 'pre' as const,
        lock: 'AccessExclusiveLock' as const,
        relation: alter.table,
      };
      const kind = c.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE';
      const attached = `${kind} USING INDEX ${index} on ${alter.table}: attaches the existing index, ACCESS EXCLUSIVE for an instant`;
      if (c.contype !== 'CONSTR_PRIMARY' || ctx.isNew(alter.table)) return { ...base, message: `${attached}.` };
      const columns = indexColumns(ctx, s, index) ?? catalogIndexColumns(ctx, alter.table, index);
      const facts = ctx.table(alter.table);
      const unproven =
        columns && facts ? columns.filter((col) => !notNullEvidence(ctx, s, cmd, alter.table, col)) : undefined;
      if (!unproven) {
        return {
          ...base,
          message: `${attached}. It also sets NOT NULL on the index's columns: if one is nullable and not proven by a validated CHECK (col IS NOT NULL), that is a full scan under ACCESS EXCLUSIVE.`,
        };
      }
      if (unproven.length === 0)
        return {
          ...base,
          message: `${attached}; its columns are already NOT NULL or proven by a validated check, so no scan.`,
        };
      const table = qualifiedSql(alter.table);
      return {
        ...base,
        phase: 'unsafe',
        scan: true,
        sizeDependent: true,
        message: `${attached}, but it also sets NOT NULL on ${unproven.join(', ')}${sizeNote(ctx, alter.table)}, which the catalog shows nullable with no validated CHECK: a full scan under ACCESS EXCLUSIVE, blocking every app query.`,
        fix: [
          'Prove the columns NOT NULL first, each in its own migration:',
          ...unproven.map(
            (col) =>
              `  ALTER TABLE ${table} ADD CONSTRAINT ${readableIdent(`${col}_not_null`)} CHECK (${readableIdent(col)} IS NOT NULL) NOT VALID;  then  ALTER TABLE ${table} VALIDATE CONSTRAINT ${readableIdent(`${col}_not_null`)};`,
          ),
          'Then, in the next release, attach the primary key (no scan).',
        ].join('\n'),
      };
    });
  },
  examples: {
    fires: [
      'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx',
      'ALTER TABLE ONLY "App"."Users" ADD CONSTRAINT "Users_pkey" PRIMARY KEY USING INDEX "Users_id_idx"',
      {
        sql: 'CREATE UNIQUE INDEX CONCURRENTLY users_code_idx ON users (code); ALTER TABLE users ADD PRIMARY KEY USING INDEX users_code_idx',
        catalog: exampleCatalog('users', { columns: { code: { type: 'text', notNull: false } } }),
      },
      { sql: 'ALTER TABLE users ADD PRIMARY KEY USING INDEX users_code_idx', catalog: catalogWithIndex(false) },
      { sql: 'ALTER TABLE users ADD PRIMARY KEY USING INDEX users_code_idx', catalog: catalogWithIndex(true) },
    ],
    silent: ['ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)'],
  },
};

/** A catalog with `users.code` and an existing unique index on it, nullable or not. */
function catalogWithIndex(notNull: boolean) {
  return exampleCatalog('users', {
    columns: { code: { type: 'text', notNull } },
    indexes: [
      {
        name: 'users_code_idx',
        bytes: 8192,
        am: 'btree',
        columns: ['code'],
        opclasses: ['text_ops'],
        opclassTypes: ['text'],
      },
    ],
  });
}

/** Key columns of an index the catalog lists on the table; undefined when unknown or an expression. */
function catalogIndexColumns(ctx: RuleContext, table: string, index: string): string[] | undefined {
  const found = ctx.table(table)?.indexes?.find((i) => i.name === index);
  return found && found.columns.every((c) => c !== '') ? found.columns : undefined;
}

/** Plain column names of an index created earlier in the migration, or undefined when unknown. */
function indexColumns(ctx: RuleContext, s: ParsedStatement, index: string): string[] | undefined {
  for (const st of ctx.statements) {
    const idx = st.index < s.index ? as(st.node, 'IndexStmt') : undefined;
    if (idx?.idxname !== index) continue;
    const names = (idx.indexParams ?? []).map((p) => as(p, 'IndexElem')?.name);
    return names.every((n): n is string => n !== undefined) ? names : undefined;
  }
  return undefined;
}
