import { as, nameList, qualifiedName } from '../sql/ast.js';
import type { ParsedStatement } from '../sql/parse.js';
import { writeExtent } from './support/batch.js';
import { walk } from './support/volatility.js';
import { KNOWN_HARMLESS_CALLS } from './select-statement.js';
import type { Rule, RuleContext } from './rule.js';

/**
 * In one transaction every lock is held until COMMIT. A statement's real cost to the app is
 * therefore its own run time under the strongest lock earlier statements of the same
 * migration already hold. Measured on PostgreSQL 15:
 *
 *   ALTER TABLE accounts ADD COLUMN region text;            -- ACCESS EXCLUSIVE, instant…
 *   UPDATE accounts SET region = 'eu' WHERE region IS NULL;  -- …but held while this runs
 *
 * app reads of `accounts` wait for the whole UPDATE. The same holds for any slow statement after
 * an ACCESS EXCLUSIVE lock (blocks reads and writes) or a SHARE / SHARE ROW EXCLUSIVE / EXCLUSIVE
 * lock (blocks writes) on a table the app uses: a write that is not one batch, INSERT … SELECT or
 * CREATE TABLE AS copying rows, COPY FROM, REFRESH MATERIALIZED VIEW, pg_sleep(), a function
 * call or DO block deployctl cannot see into. Such a statement is unsafe; alone in a migration of
 * its own, it runs after the lock-taking one commits. A table created in this release holds no
 * app traffic, and a statement that only touches empty tables is instant: neither fires.
 */
export const slowUnderHeldLock: Rule = {
  id: 'slow-under-held-lock',
  summary: 'slow statement while an earlier statement of the transaction holds a lock the app waits for',
  kinds: [
    'UpdateStmt',
    'DeleteStmt',
    'InsertStmt',
    'CopyStmt',
    'SelectStmt',
    'DoStmt',
    'CallStmt',
    'CreateTableAsStmt',
    'RefreshMatViewStmt',
  ],
  check(s, ctx) {
    const held = ctx.heldLock?.();
    if (!held) return [];
    const slow = slowWork(s, ctx);
    if (!slow) return [];
    return [
      {
        rule: this.id,
        phase: 'unsafe',
        message: `This statement ${slow} while line ${held.line} of this migration holds ${held.lock} on ${held.relation} until COMMIT: the app's ${held.blocks} on ${held.relation} wait for all of it.`,
        fix: `Move it to its own migration (after the lock-taking one commits), so line ${held.line}'s lock is released first:\n  ${s.sql.replace(/\s+/g, ' ').slice(0, 120)};   -- in a new file that sorts after this one`,
      },
    ];
  },
  examples: {
    fires: [
      "ALTER TABLE accounts ADD COLUMN region text; UPDATE accounts SET region = 'eu' WHERE region IS NULL",
      'LOCK TABLE orders IN SHARE MODE; SELECT pg_sleep(0.01)',
      'ALTER TABLE users ADD COLUMN n int; DO $$ BEGIN PERFORM 1; END $$',
    ],
    silent: [
      "ALTER TABLE accounts ADD COLUMN region text; UPDATE accounts SET region = 'eu' WHERE id BETWEEN 1 AND 1000",
      'CREATE TABLE t (a int); INSERT INTO t SELECT 1; UPDATE t SET a = 2',
      'LOCK TABLE orders IN ROW EXCLUSIVE MODE; SELECT pg_sleep(0.01)',
      "-- deployctl:no-transaction\nALTER TABLE accounts ADD COLUMN region text;\nUPDATE accounts SET region = 'eu' WHERE region IS NULL",
    ],
  },
};

/** What makes the statement take time ("writes every row it matches"), or undefined when it is quick. */
function slowWork(s: ParsedStatement, ctx: RuleContext): string | undefined {
  const empty = (relation: string) => relation === '' || ctx.isEmpty?.(relation) === true;
  const n = s.node;
  const write = as(n, 'UpdateStmt') ?? as(n, 'DeleteStmt');
  if (write) {
    const table = qualifiedName(write.relation);
    if (empty(table) || writeExtent(s, write.whereClause, table, ctx).bounded) return undefined;
    return `writes every row of ${table} it matches`;
  }
  const insert = as(n, 'InsertStmt');
  if (insert) {
    const sources = readTables(insert.selectStmt).filter((t) => !empty(t));
    return sources.length > 0 ? `copies rows from ${sources.join(', ')}` : undefined;
  }
  const tableAs = as(n, 'CreateTableAsStmt');
  if (tableAs) {
    const sources = readTables(tableAs.query).filter((t) => !empty(t));
    return sources.length > 0 ? `copies rows from ${sources.join(', ')}` : undefined;
  }
  const copy = as(n, 'CopyStmt');
  if (copy?.is_from) return `loads rows into ${qualifiedName(copy.relation)}`;
  const refresh = as(n, 'RefreshMatViewStmt');
  if (refresh) {
    const view = qualifiedName(refresh.relation);
    return ctx.isNew(view) ? undefined : `recomputes ${view}`;
  }
  if (s.kind === 'DoStmt' || s.kind === 'CallStmt') return 'runs code deployctl cannot see into';
  const select = as(n, 'SelectStmt');
  if (select) {
    const calls: string[] = [];
    walk(n, (x) => {
      const call = as(x, 'FuncCall');
      if (call)
        calls.push(
          nameList(call.funcname)
            .filter((p) => p !== 'pg_catalog')
            .join('.')
            .toLowerCase(),
        );
    });
    if (calls.some((c) => c.startsWith('pg_sleep'))) return 'sleeps';
    const opaque = calls.filter((c) => !KNOWN_HARMLESS_CALLS.has(c));
    if (opaque.length > 0)
      return `calls ${[...new Set(opaque)].map((c) => `${c}()`).join(', ')}, which may run for any time`;
  }
  return undefined;
}

/** Tables a query reads (not CTE names). */
function readTables(node: unknown): string[] {
  const ctes = new Set<string>();
  walk(node, (x) => {
    const cte = as(x, 'CommonTableExpr');
    if (cte?.ctename) ctes.add(cte.ctename);
  });
  const out = new Set<string>();
  walk(node, (x) => {
    const rv = as(x, 'RangeVar');
    if (rv) {
      const name = qualifiedName(rv);
      if (!ctes.has(name)) out.add(name);
    }
  });
  return [...out];
}
