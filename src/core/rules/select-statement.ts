import type { Node } from 'libpg-query';
import { as, nameList } from '../sql/ast.js';
import { strongestQueryLock } from './support/query-locks.js';
import { walk } from './support/volatility.js';
import { plpgsqlFunctionsBefore } from '../sql/plpgsql.js';
import type { Finding, Rule } from './rule.js';

/** Functions that take advisory locks: they coordinate with other deployers, not with the app's tables. */
const ADVISORY = new Set([
  'pg_advisory_lock',
  'pg_advisory_lock_shared',
  'pg_advisory_unlock',
  'pg_advisory_unlock_shared',
  'pg_advisory_unlock_all',
  'pg_advisory_xact_lock',
  'pg_advisory_xact_lock_shared',
  'pg_try_advisory_lock',
  'pg_try_advisory_lock_shared',
  'pg_try_advisory_xact_lock',
  'pg_try_advisory_xact_lock_shared',
]);
/** Built-ins that only read or compute: calling them changes nothing. */
const READ_ONLY = new Set([
  'count',
  'sum',
  'min',
  'max',
  'avg',
  'now',
  'coalesce',
  'lower',
  'upper',
  'length',
  'format',
  'concat',
  'version',
  'current_setting',
  'current_database',
  'current_schema',
  'current_user',
  'to_regclass',
  'pg_get_serial_sequence',
  'currval',
  'lastval',
  'pg_relation_size',
  'pg_total_relation_size',
  'exists',
  'greatest',
  'least',
  'set_config',
  // A pause between the batches of a backfill leaves the server's CPU and I/O to the app.
  'pg_sleep',
  'pg_sleep_for',
]);

/** Calls that are quick and touch no table beyond a sequence or an advisory lock. */
export const KNOWN_HARMLESS_CALLS: ReadonlySet<string> = new Set(
  [...READ_ONLY, ...ADVISORY, 'setval', 'nextval'].filter((c) => !c.startsWith('pg_sleep')),
);

/**
 * SELECT in a migration is used for its side effects through function calls. Those deployctl
 * knows are `pre`: setval()/nextval() take ROW EXCLUSIVE on the sequence named (measured on
 * PostgreSQL 15), which blocks no app query; advisory-lock calls and set_config() touch no table;
 * plain reads take ACCESS SHARE. Any other function may do anything — like a DO block, deployctl
 * cannot see inside it, so it blocks until reviewed — unless the same migration created it
 * with LANGUAGE plpgsql before the call: then its body is read and classified (do-block). SELECT … INTO and SELECTs whose WITH
 * clause writes (data-modifying CTEs) are not plain reads and are left to unrecognized-statement.
 */
export const selectStatement: Rule = {
  id: 'select-statement',
  summary: 'SELECT: reads, setval(), advisory locks; other function calls need review',
  kinds: ['SelectStmt'],
  check(s, ctx) {
    const select = as(s.node, 'SelectStmt');
    if (!select || select.intoClause || writesData(select.withClause)) return [];
    // PL/pgSQL functions created earlier in this migration are read and classified (do-block).
    const readable = plpgsqlFunctionsBefore(ctx.statements, s.index);
    const calls: { name: string; args: Node[] }[] = [];
    walk(s.node, (n) => {
      const call = as(n, 'FuncCall');
      // pg_catalog.setval and setval are the same built-in.
      if (call)
        calls.push({
          name: nameList(call.funcname)
            .filter((p) => p !== 'pg_catalog')
            .join('.')
            .toLowerCase(),
          args: call.args ?? [],
        });
    });
    const opaque = calls.filter(
      (c) =>
        !READ_ONLY.has(c.name) &&
        !ADVISORY.has(c.name) &&
        c.name !== 'setval' &&
        c.name !== 'nextval' &&
        !readable.has(c.name),
    );
    if (opaque.length > 0) {
      const names = [...new Set(opaque.map((c) => `${c.name}()`))].join(', ');
      return [
        {
          rule: this.id,
          phase: 'unsafe',
          message: `SELECT calls ${names}: deployctl cannot see what ${opaque.length === 1 ? 'it does' : 'they do'} — which tables it changes, which locks it takes.`,
          fix: `Prefer the plain SQL statements the function runs, which deployctl classifies one by one. If the call is needed, review it and accept it on the line above:\n  -- deployctl:allow ${this.id} <what it does and why it is safe before the rollout>`,
        },
      ];
    }
    const sequenceCalls = calls.filter((c) => c.name === 'setval' || c.name === 'nextval');
    if (sequenceCalls.length > 0) {
      return sequenceCalls.map((c): Finding => {
        const seq = as(c.args[0], 'A_Const')?.sval?.sval;
        return {
          rule: this.id,
          phase: 'pre',
          lock: 'RowExclusiveLock',
          ...(seq ? { relation: seq } : {}),
          message: `${c.name}(${seq ?? '…'}): ROW EXCLUSIVE on the sequence, which blocks no app query.`,
        };
      });
    }
    const advisory = calls.some((c) => ADVISORY.has(c.name));
    const read = strongestQueryLock(s.node);
    return [
      {
        rule: this.id,
        phase: 'pre',
        ...(read ? { lock: read.lock, relation: read.relation } : {}),
        message: advisory
          ? 'Advisory lock call: coordinates with other sessions, locks no table.'
          : read
            ? 'SELECT: reads only (ACCESS SHARE), blocks no app query.'
            : 'SELECT: computes or pauses, touches no table.',
      },
    ];
  },
  examples: {
    fires: [
      "SELECT setval('invoice_no', 5000)",
      'SELECT pg_advisory_xact_lock(42)',
      'SELECT count(*) FROM users',
      'SELECT pg_sleep(0.05)',
      'SELECT backfill_emails()',
      'SELECT "Shop".rebuild_totals(10)',
      'DO $$ BEGIN PERFORM backfill(); END $$',
    ],
    silent: [
      'SELECT * INTO archive FROM orders',
      'WITH gone AS (DELETE FROM t RETURNING id) SELECT count(*) FROM gone',
    ],
  },
};

/** A WITH clause holding INSERT / UPDATE / DELETE / MERGE: the SELECT writes. */
function writesData(withClause: unknown): boolean {
  let writes = false;
  walk(withClause, (n) => {
    if (as(n, 'InsertStmt') || as(n, 'UpdateStmt') || as(n, 'DeleteStmt') || as(n, 'MergeStmt')) writes = true;
  });
  return writes;
}
