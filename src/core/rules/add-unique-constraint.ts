import type { Node } from 'libpg-query';
import { as, nameList } from '../sql/ast.js';
import { alterTable } from './support/alter.js';
import { constraintsFor } from './support/alter-commands.js';
import { readableIdent, qualifiedSql } from '../sql/identifiers.js';
import { sizeNote } from './support/objects.js';
import type { Finding, Rule } from './rule.js';

const KIND: Record<string, string> = {
  CONSTR_PRIMARY: 'PRIMARY KEY',
  CONSTR_UNIQUE: 'UNIQUE',
  CONSTR_EXCLUSION: 'EXCLUDE',
};

/**
 * ADD UNIQUE / PRIMARY KEY / EXCLUDE (table-level or in ADD COLUMN) builds its index inside the
 * statement, under ACCESS EXCLUSIVE plus SHARE for the build (measured on PostgreSQL 15): every
 * app query on the table waits for a full scan and sort, so the hazard is size-dependent. For
 * UNIQUE and PRIMARY KEY the index can be built first with CREATE UNIQUE INDEX CONCURRENTLY and
 * attached with ADD CONSTRAINT … USING INDEX (add-constraint-using-index). EXCLUDE has no USING
 * INDEX form: on a live table it can only be accepted when the table is small.
 */
export const addUniqueConstraint: Rule = {
  id: 'add-unique-constraint',
  summary: 'ADD UNIQUE / PRIMARY KEY / EXCLUDE: index build under ACCESS EXCLUSIVE',
  kinds: ['AlterTableStmt'],
  check(s, ctx) {
    const alter = alterTable(s);
    if (!alter) return [];
    return constraintsFor(alter, this.id).map(({ constraint: c, column }): Finding => {
      const kind = KIND[c.contype ?? ''] ?? 'constraint';
      const base = { rule: this.id, lock: 'AccessExclusiveLock' as const, relation: alter.table };
      if (ctx.isNew(alter.table))
        return {
          ...base,
          phase: 'pre',
          message: `${kind} on ${alter.table}, created earlier in this release: the index is built on a table no app uses yet.`,
        };
      const cols = column ? [column.colname ?? ''] : keysOf(c.keys, c.exclusions);
      const table = qualifiedSql(alter.table);
      const bare = alter.table.split('.').pop() ?? alter.table;
      const name = readableIdent(
        c.conname ?? `${bare}_${cols.join('_')}_${c.contype === 'CONSTR_PRIMARY' ? 'pkey' : 'key'}`,
      );
      const list = cols.map(readableIdent).join(', ');
      const fix =
        c.contype === 'CONSTR_EXCLUSION'
          ? 'An exclusion constraint has no USING INDEX form, so its index is always built under ACCESS EXCLUSIVE. Run it while the table is small or in a maintenance window, and accept it with -- deployctl:allow add-unique-constraint <why the lock is acceptable>.'
          : [
              ...(column
                ? [
                    `Add the column without the constraint first: ALTER TABLE ${table} ADD COLUMN ${readableIdent(column.colname ?? '')} <type>; fill it, then:`,
                  ]
                : []),
              'Build the index without blocking writes, then attach it:',
              `  1. Alone in its own migration: CREATE UNIQUE INDEX CONCURRENTLY ${name} ON ${table} (${list});`,
              `  2. Next migration: ALTER TABLE ${table} ADD CONSTRAINT ${name} ${kind} USING INDEX ${name};   -- instant`,
              ...(c.contype === 'CONSTR_PRIMARY'
                ? [
                    `  A primary key also makes ${list} NOT NULL: if they are nullable, first prove it with CHECK (… IS NOT NULL) NOT VALID + VALIDATE CONSTRAINT (see set-not-null), or step 2 scans under ACCESS EXCLUSIVE.`,
                  ]
                : []),
            ].join('\n');
      return {
        ...base,
        phase: 'unsafe',
        scan: true,
        sizeDependent: true,
        message: `${kind} (${cols.join(', ')}) on ${alter.table}${sizeNote(ctx, alter.table)} builds its index under ACCESS EXCLUSIVE: every app query on ${alter.table} waits until the table has been read and sorted.`,
        fix,
      };
    });
  },
  examples: {
    fires: [
      'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)',
      'ALTER TABLE ONLY "App"."Users" ADD PRIMARY KEY ("Id"), ADD COLUMN note text',
      'ALTER TABLE IF EXISTS bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&)',
      'ALTER TABLE users ADD COLUMN code text UNIQUE',
      'CREATE TABLE t (id int); ALTER TABLE t ADD PRIMARY KEY (id)',
    ],
    silent: [
      'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx',
      'ALTER TABLE users ADD CONSTRAINT c CHECK (id > 0)',
    ],
  },
};

/** Column names of UNIQUE/PRIMARY KEY `keys`, or of an EXCLUDE's index elements (`?` for expressions). */
function keysOf(keys: Node[] | undefined, exclusions: Node[] | undefined): string[] {
  if (keys && keys.length > 0) return nameList(keys);
  return (exclusions ?? []).map((e) => as(as(e, 'List')?.items?.[0], 'IndexElem')?.name ?? '?');
}
