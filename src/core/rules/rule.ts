/**
 * The rule contract. A rule looks at one parsed statement (with what the migration created
 * before it and, when a database is reachable, catalog facts) and reports findings: the phase
 * the statement belongs to, the lock it takes, whether it rewrites or scans the table, and the
 * safe alternative. Rules are pure and never print.
 */
import type { NodeKind } from '../sql/ast.js';
import type { ParsedStatement } from '../sql/parse.js';
import type { CatalogFacts, TableFacts } from '../schema/facts.js';

export type Phase = 'pre' | 'post' | 'unsafe';

/** PostgreSQL's table-level lock modes, weakest first, named as `pg_locks.mode` shows them. */
export const LOCK_MODES = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
] as const;
export type LockMode = (typeof LOCK_MODES)[number];

export interface Finding {
  rule: string;
  phase: Phase;
  message: string;
  /** The safe alternative, as steps a user can follow. Required for `unsafe`. */
  fix?: string;
  /** Strongest lock this part of the statement takes, and on which relation. */
  lock?: LockMode;
  relation?: string;
  /** The table (or index) is rewritten into a new file: time proportional to its size. */
  rewrite?: boolean;
  /** The table is read in full (validation, index build) while the lock is held. */
  scan?: boolean;
  /**
   * The hazard is only the lock held for the duration of a rewrite or scan, not a break of
   * the old code: on an empty table it is instant, so the classifier may downgrade it to `pre`.
   */
  sizeDependent?: boolean;
  /**
   * A warning: shown with the statement, but it never decides the phase and does not count as
   * recognising the statement (the other rules, or unrecognized-statement, still judge it).
   */
  advisory?: boolean;
}

export interface RuleContext {
  /** PostgreSQL server_version_num of the target (assumed when no database is reachable). */
  serverVersion: number;
  /** True when a database was read: table facts below are real, not absent. */
  hasCatalog: boolean;
  /** Every statement of the migration, for rules that judge a statement by its neighbours. */
  statements: readonly ParsedStatement[];
  /** Relation created by an earlier statement of the same migration (no app query can use it yet). */
  isNew(relation: string): boolean;
  /** Catalog facts for an existing table, when a database was read. */
  table(relation: string): TableFacts | undefined;
  catalog?: CatalogFacts;
  /** The migration runs in one transaction: every lock is held until COMMIT. */
  transactional?: boolean;
  /**
   * The strongest lock that earlier statements of the same transaction hold on a relation the
   * app uses (not one created in this release), when it conflicts with the app's reads or
   * writes: the app waits for as long as the current statement runs.
   */
  heldLock?(): HeldAppLock | undefined;
  /**
   * Known to hold no rows: created in this release and not filled since (by INSERT … SELECT or
   * COPY), or at most one page on disk per the catalog.
   */
  isEmpty?(relation: string): boolean;
  /** Where an earlier pending migration of the release (or this one) created the object. */
  createdBy?(name: string): Origin | undefined;
  /**
   * Where the object is defined again after this statement: later in the same transaction (a
   * redefinition nobody sees half-done) or by a later pending migration of the release.
   */
  redefinedLater?(name: string): (Origin & { sameTransaction: boolean }) | undefined;
  /**
   * Where an earlier pending migration of the release, one that runs before this one (a `pre`
   * migration), leaves a validated `CHECK (column IS NOT NULL)` on an existing table.
   */
  notNullProvenEarlier?(table: string, column: string): Origin | undefined;
  /** The planner's row estimate for this statement (`EXPLAIN`, never executed), when read. */
  estimatedRows?(statementIndex: number): number | undefined;
  /** The statements of the release's pending migrations that run before this one, in order, with their files. */
  earlierStatements?(): readonly { file: string; statement: ParsedStatement }[];
}

/** A statement of the release: file and 1-based line. */
export interface Origin {
  file: string;
  line: number;
}

export interface HeldAppLock {
  lock: LockMode;
  relation: string;
  /** 0-based index and 1-based line of the statement that took it. */
  index: number;
  line: number;
  /** What of the app waits: 'reads and writes' (ACCESS EXCLUSIVE) or 'writes'. */
  blocks: 'reads and writes' | 'writes';
}

/**
 * What an app query waits for: plain reads take ACCESS SHARE (conflicts only with ACCESS
 * EXCLUSIVE), writes take ROW EXCLUSIVE (conflicts with SHARE and every stronger mode).
 */
export function appConflict(lock: LockMode): HeldAppLock['blocks'] | undefined {
  if (lock === 'AccessExclusiveLock') return 'reads and writes';
  if (LOCK_MODES.indexOf(lock) >= LOCK_MODES.indexOf('ShareLock')) return 'writes';
  return undefined;
}

/** A SQL snippet, run as a whole migration, with optional facts it needs. */
export type Example = string | { sql: string; serverVersion?: number; catalog?: CatalogFacts };

export interface Rule {
  /** Stable kebab-case id; equals the file name. Used by `-- deployctl:allow`. */
  id: string;
  /** One line: what the rule recognises. */
  summary: string;
  /**
   * The statement kinds the rule can fire on; the classifier runs it only on those (a test
   * checks the rule stays silent on every other kind). Omitted: it sees every statement.
   */
  kinds?: readonly NodeKind[];
  check(statement: ParsedStatement, context: RuleContext): Finding[];
  /** Snippets where this rule must fire, and where it must stay silent. */
  examples: { fires: Example[]; silent: Example[] };
}

export function strongerLock(a: LockMode | undefined, b: LockMode | undefined): LockMode | undefined {
  if (!a) return b;
  if (!b) return a;
  return LOCK_MODES.indexOf(a) >= LOCK_MODES.indexOf(b) ? a : b;
}
