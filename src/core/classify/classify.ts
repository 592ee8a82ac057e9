/**
 * Classifies one migration: every statement gets exactly one phase from the findings of the
 * rules, and the migration gets the strongest of them (`unsafe` > `post` > `pre`), or `mixed`
 * when it holds both substantive `pre` and `post` statements. Pure: parsed SQL and catalog
 * facts in, a classification out.
 */
import { backfillStatement } from '../throttle/backfill.js';
import type { CatalogFacts } from '../schema/facts.js';
import { ASSUMED_SERVER_VERSION, EMPTY_TABLE_MAX_BYTES, describeSize, lookupTable } from '../schema/facts.js';
import { RULES, UNRECOGNIZED } from '../rules/index.js';
import type { Finding, HeldAppLock, LockMode, Origin, Phase, Rule, RuleContext } from '../rules/rule.js';
import { appConflict, strongerLock } from '../rules/rule.js';
import { as, qualifiedName } from '../sql/ast.js';
import { walk } from '../rules/support/volatility.js';
import { createdObjects, normalizeRelation, renamedRelation, type CreateMode } from '../sql/created.js';
import { parseSql, type ParsedSql, type ParsedStatement } from '../sql/parse.js';
import { mustRunOutsideTransaction } from '../sql/transaction.js';
import { readDirectives, type Directives } from '../sql/directives.js';
import { proceduralFindings } from './procedural.js';
import { validatedNotNullChecks } from '../rules/support/not-null.js';
import type { MigrationFile } from '../migration.js';

export type MigrationPhase = Phase | 'mixed';

export interface ClassifiedFinding extends Finding {
  /** Reason from `-- deployctl:allow`: the finding is shown but no longer decides the phase. */
  allowed?: string;
}

export interface ClassifiedStatement {
  index: number;
  line: number;
  sql: string;
  phase: Phase;
  lock: LockMode | null;
  relation: string | null;
  rewrite: boolean;
  scan: boolean;
  /** Session statements (SET, BEGIN, COMMIT…) never make a migration mixed. */
  neutral: boolean;
  /**
   * In a transactional migration: the strongest lock an earlier statement took that the app's
   * reads or writes wait for, still held while this statement runs.
   */
  heldLock?: HeldAppLock;
  findings: ClassifiedFinding[];
  parsed: ParsedStatement;
}

export interface ClassifiedMigration {
  migration: MigrationFile;
  phase: MigrationPhase;
  transactional: boolean;
  directives: Directives;
  statements: ClassifiedStatement[];
  /** Reasons this migration blocks the release beyond its statements (mixed, unused allow…). */
  problems: { kind: 'mixed' | 'directive' | 'missing'; line?: number; message: string }[];
}

export interface ClassifyOptions {
  catalog?: CatalogFacts;
  /** server_version_num to assume without a catalog (default ASSUMED_SERVER_VERSION). */
  assumedServerVersion?: number;
  rules?: readonly Rule[];
  /** The rest of the release: what earlier and later pending migrations define. */
  release?: ReleaseContext;
  /** The file already parsed (the plan parses every pending file once to see the release). */
  parsed?: ParsedSql;
  /** Planner row estimates (`EXPLAIN`) by statement index, read by the engine. */
  estimates?: ReadonlyMap<number, number>;
  /**
   * The pending migrations of the plan before this one, already classified: what they leave in
   * the database before this one runs (validated NOT NULL checks of `pre` migrations).
   */
  earlier?: readonly Pick<ClassifiedMigration, 'migration' | 'phase' | 'statements'>[];
}

/**
 * The release is the unit of context: an object created by an earlier pending migration of the
 * same plan is as new as one created earlier in the same file (no running code uses it), and an
 * object dropped here but defined again later is being redefined, not removed.
 */
export interface ReleaseContext {
  /** Every definition by the plan's pending migrations, in plan order. */
  definitions: readonly ReleaseDefinition[];
  /** This migration's position in plan order. */
  position: number;
  /** The statements of the pending migrations before this one, in plan order, with their files. */
  earlier?: readonly { file: string; statements: readonly ParsedStatement[] }[];
}

export interface ReleaseDefinition extends Origin {
  name: string;
  mode: CreateMode;
  position: number;
  /** Statement index in its file. */
  index: number;
}

/** The definitions of `files` (parsed, in plan order), for `ReleaseContext`. */
export function releaseDefinitions(files: readonly { file: string; parsed: ParsedSql }[]): ReleaseDefinition[] {
  const created = new Set<string>();
  return files.flatMap(({ file, parsed }, position) =>
    parsed.statements.flatMap((st) => {
      const at = { position, index: st.index, file, line: st.line };
      const rename = renamedRelation(st);
      if (rename) return [{ name: rename.to, mode: created.has(rename.from) ? 'create' : 'rename', ...at } as const];
      const objects = createdObjects(st);
      for (const o of objects) if (o.mode === 'create') created.add(o.name);
      return objects.map((o) => ({ ...o, ...at }));
    }),
  );
}

const PHASE_RANK: Record<Phase, number> = { pre: 0, post: 1, unsafe: 2 };

export function classifyMigration(migration: MigrationFile, options: ClassifyOptions = {}): ClassifiedMigration {
  const rules = options.rules ?? RULES;
  const parsed = options.parsed ?? parseSql(migration.up, migration.file);
  const directives = readDirectives(parsed.comments, migration.file);
  const serverVersion = options.catalog?.serverVersion ?? options.assumedServerVersion ?? ASSUMED_SERVER_VERSION;
  // A driven backfill commits batch by batch: it never runs in one transaction.
  const transactional =
    !directives.noTransaction &&
    !directives.backfill &&
    !parsed.statements.some((s) => mustRunOutsideTransaction(s, serverVersion));
  const release = options.release ?? {
    definitions: releaseDefinitions([{ file: migration.file, parsed }]),
    position: 0,
  };
  const scope = new ReleaseScope(release, options.catalog, transactional);
  // The earlier `pre` migrations run, in plan order, before this one: the checks they validate are in place.
  let proven: (Origin & { table: string; column: string })[] | undefined;
  const earlierChecks = () =>
    (proven ??= (() => {
      const before = (options.earlier ?? []).filter((m) => m.phase === 'pre');
      const statements = before.flatMap((m) => m.statements.map((st) => ({ st: st.parsed, file: m.migration.file })));
      const files = new Map(statements.map((x) => [x.st, x.file]));
      return validatedNotNullChecks(
        statements.map((x) => x.st),
        options.catalog,
      ).map((c) => ({ table: c.table, column: c.column, line: c.line, file: files.get(c.statement) ?? '' }));
    })());
  const usedAllows = new Set<number>();
  let current = 0;

  const context: RuleContext = {
    serverVersion,
    hasCatalog: options.catalog !== undefined,
    statements: parsed.statements,
    isNew: (relation) => scope.isNew(relation),
    table: (relation) => (scope.isNew(relation) ? undefined : lookupTable(options.catalog, relation)),
    catalog: options.catalog,
    transactional,
    heldLock: () => scope.heldLock(),
    isEmpty: (relation) => scope.isEmpty(relation),
    createdBy: (name) => scope.createdBy(name),
    redefinedLater: (name) => scope.redefinedLater(name, current),
    estimatedRows: (index) => options.estimates?.get(index),
    notNullProvenEarlier: (table, column) => {
      const key = normalizeRelation(table);
      return earlierChecks().find((c) => c.table === key && c.column === column);
    },
    earlierStatements: () =>
      (release.earlier ?? []).flatMap(({ file, statements }) => statements.map((statement) => ({ file, statement }))),
  };
  const byKind = rulesByKind(rules);
  const missing: ClassifiedMigration['problems'] = [];
  const judge = (stmt: ParsedStatement, ctx: RuleContext): Finding[] => {
    const findings = (byKind.get(stmt.kind) ?? byKind.get(ANY_KIND)!).flatMap((rule) => rule.check(stmt, ctx));
    if (findings.every((f) => f.advisory)) findings.push(...UNRECOGNIZED.check(stmt, ctx));
    return findings;
  };
  // Statements inside procedural code are not release definitions: what they create is recorded as they are judged.
  const judgeInner = (stmt: ParsedStatement, ctx: RuleContext): Finding[] => {
    const findings = judge(stmt, ctx);
    scope.createdInside(stmt, migration.file);
    return findings;
  };
  const statements = parsed.statements.map((stmt) => {
    current = stmt.index;
    const absent = scope.missingRelation(stmt);
    if (absent)
      missing.push({
        kind: 'missing',
        line: stmt.line,
        message: `${migration.file}:${stmt.line}: relation ${absent} does not exist: not in the database and not created by an earlier pending migration of this release. Check the name (and schema), or add the migration that creates it.`,
      });
    const held = scope.heldLock();
    let findings: ClassifiedFinding[] = judge(stmt, context);
    findings.push(...proceduralFindings(stmt, context, judgeInner, migration.file));
    findings = findings.map((f) => downgradeOnEmptyTable(f, context));
    findings = applyAllows(findings, stmt, parsed.statements, directives, usedAllows);
    scope.after(stmt, findings);
    return { ...summarise(stmt, findings), ...(held ? { heldLock: held } : {}) };
  });

  const problems: ClassifiedMigration['problems'] = [
    ...missing,
    ...directives.allows
      .filter((_, i) => !usedAllows.has(i))
      .map((a) => ({
        kind: 'directive' as const,
        line: a.line,
        message: `${migration.file}:${a.line}: 'deployctl:allow ${a.rule}' matches no finding of the statement after it; remove it`,
      })),
  ];

  if (directives.backfill) {
    const b = backfillStatement(parsed.statements, directives.backfill.key);
    if (!b.ok)
      problems.push({
        kind: 'directive',
        line: directives.backfill.line,
        message: `${migration.file}:${directives.backfill.line}: 'deployctl:backfill': ${b.why}`,
      });
  }

  let phase: MigrationPhase = strongest(statements.filter((s) => !s.neutral).map((s) => s.phase));
  // Reported beside unsafe findings too, so one round of fixes addresses everything.
  const mixed = !directives.phase && mixedPair(statements);
  if (directives.phase && phase !== 'unsafe') phase = directives.phase.phase;
  if (mixed) {
    if (phase !== 'unsafe') phase = 'mixed';
    const [pre, post] = mixed;
    problems.push({
      kind: 'mixed',
      message:
        `${migration.file} mixes a pre statement (line ${pre.line}: ${shorten(pre.sql)}) with a post statement (line ${post.line}: ${shorten(post.sql)}). ` +
        `The first must run before the new code rolls out, the second only after it: split them into two migrations, ` +
        `e.g. keep line ${pre.line} here and move line ${post.line} to a new file that sorts after it.`,
    });
  }
  return { migration, phase, transactional, directives, statements, problems };
}

/**
 * What the classifier knows about objects at the current statement: which are new in this
 * release (created by an earlier pending migration or statement), which were filled since, and
 * which locks the migration's transaction holds.
 */
class ReleaseScope {
  private readonly created = new Map<string, Origin>();
  private readonly filled = new Set<string>();
  private readonly held = new Map<string, { lock: LockMode; relation: string; index: number; line: number }>();
  private readonly known: Set<string> | undefined;
  private readonly knownBare: Set<string> | undefined;
  /** Names defined in the release in any form, for the existence check. */
  private readonly defined = new Set<string>();
  private opaqueSeen = false;

  constructor(
    private readonly release: ReleaseContext,
    private readonly catalog: CatalogFacts | undefined,
    private readonly transactional: boolean,
  ) {
    const relations = catalog?.relations;
    this.known = relations ? new Set(relations) : undefined;
    this.knownBare = relations ? new Set(relations.map((r) => r.slice(r.indexOf('.') + 1))) : undefined;
    for (const d of release.definitions.filter((x) => x.position < release.position)) this.define(d);
  }

  isNew(name: string): boolean {
    return this.created.has(normalizeRelation(name));
  }

  createdBy(name: string): Origin | undefined {
    return this.created.get(normalizeRelation(name));
  }

  isEmpty(relation: string): boolean {
    const key = normalizeRelation(relation);
    if (this.created.has(key)) return !this.filled.has(key);
    const table = lookupTable(this.catalog, relation);
    return table !== undefined && table.bytes <= EMPTY_TABLE_MAX_BYTES;
  }

  redefinedLater(name: string, index: number): (Origin & { sameTransaction: boolean }) | undefined {
    const key = normalizeRelation(name);
    const here = this.release.position;
    const later = this.release.definitions.find(
      (d) => d.name === key && (d.position > here || (d.position === here && d.index > index)),
    );
    if (!later) return undefined;
    return { file: later.file, line: later.line, sameTransaction: later.position === here && this.transactional };
  }

  heldLock(): HeldAppLock | undefined {
    let best: HeldAppLock | undefined;
    for (const h of this.held.values()) {
      const blocks = appConflict(h.lock);
      if (!blocks || this.isNew(h.relation)) continue;
      if (!best || strongerLock(best.lock, h.lock) !== best.lock) best = { ...h, blocks };
    }
    return best;
  }

  /**
   * The table a statement writes or alters when it exists nowhere: not in the catalog (when
   * one was read) and not defined earlier in the release. Skipped after a DO block or function
   * call, which may create objects the classifier cannot see.
   */
  missingRelation(s: ParsedStatement): string | undefined {
    if (!this.known || !this.knownBare || this.opaqueSeen) return undefined;
    const name = targetTable(s);
    if (!name) return undefined;
    const key = normalizeRelation(name);
    if (this.defined.has(key) || this.known.has(key)) return undefined;
    if (!name.includes('.') && this.knownBare.has(name)) return undefined;
    return name;
  }

  /** Records what statement `s` defined, filled and locked. */
  after(s: ParsedStatement, findings: readonly Finding[]): void {
    for (const d of this.release.definitions)
      if (d.position === this.release.position && d.index === s.index) this.define(d);
    const filled = filledRelation(s);
    if (filled) this.filled.add(normalizeRelation(filled));
    if (s.kind === 'DoStmt' || s.kind === 'CallStmt' || (s.kind === 'SelectStmt' && callsFunction(s)))
      this.opaqueSeen = true;
    if (!this.transactional) return;
    for (const f of findings) {
      if (!f.lock || !f.relation) continue;
      const key = normalizeRelation(f.relation);
      const prev = this.held.get(key);
      if (!prev || strongerLock(prev.lock, f.lock) !== prev.lock)
        this.held.set(key, { lock: f.lock, relation: f.relation, index: s.index, line: s.line });
    }
  }

  /** Objects created by a statement inside a DO block or a called function (not a release definition). */
  createdInside(s: ParsedStatement, file: string): void {
    for (const o of createdObjects(s))
      if (o.mode === 'create' && !this.created.has(o.name)) {
        this.defined.add(o.name);
        this.created.set(o.name, { file, line: s.line });
      }
  }

  private define(d: ReleaseDefinition): void {
    this.defined.add(d.name);
    // CREATE … IF NOT EXISTS of a relation the database already has keeps the old one; CREATE OR
    // REPLACE may replace what the old code uses: neither makes an existing name new.
    const existing =
      this.known?.has(d.name) === true ||
      this.catalog?.routines?.includes(d.name) === true ||
      lookupTable(this.catalog, d.name) !== undefined;
    // With a catalog, CREATE OR REPLACE of a view or function the database does not have is new too.
    const replacesNothing = d.mode === 'or-replace' && this.known !== undefined && this.catalog?.routines !== undefined;
    const fresh = d.mode === 'create' || (d.mode === 'if-not-exists' && !existing) || (replacesNothing && !existing);
    if (fresh && !this.created.has(d.name)) this.created.set(d.name, { file: d.file, line: d.line });
  }
}

/** The existing table a statement alters or writes, as the statement names it. */
function targetTable(s: ParsedStatement): string | undefined {
  const n = s.node;
  const alter = as(n, 'AlterTableStmt');
  if (alter) return alter.objtype === 'OBJECT_TABLE' && !alter.missing_ok ? qualifiedName(alter.relation) : undefined;
  const name =
    qualifiedName(as(n, 'IndexStmt')?.relation) ||
    qualifiedName(as(n, 'UpdateStmt')?.relation) ||
    qualifiedName(as(n, 'DeleteStmt')?.relation) ||
    qualifiedName(as(n, 'InsertStmt')?.relation);
  return name || undefined;
}

/** A table that INSERT … SELECT or COPY FROM fills with rows from elsewhere. */
function filledRelation(s: ParsedStatement): string | undefined {
  const insert = as(s.node, 'InsertStmt');
  if (insert && (as(insert.selectStmt, 'SelectStmt')?.fromClause?.length ?? 0) > 0)
    return qualifiedName(insert.relation);
  const copy = as(s.node, 'CopyStmt');
  if (copy?.is_from) return qualifiedName(copy.relation);
  return undefined;
}

function callsFunction(s: ParsedStatement): boolean {
  let calls = false;
  walk(s.node, (n) => {
    if (as(n, 'FuncCall')) calls = true;
  });
  return calls;
}

const ANY_KIND = '*';
const dispatch = new WeakMap<readonly Rule[], Map<string, Rule[]>>();

/** Rules that can fire on each statement kind (rules without `kinds` are in every list), computed once per registry. */
function rulesByKind(rules: readonly Rule[]): Map<string, Rule[]> {
  let map = dispatch.get(rules);
  if (map) return map;
  map = new Map<string, Rule[]>([[ANY_KIND, rules.filter((r) => !r.kinds)]]);
  for (const rule of rules) {
    for (const kind of rule.kinds ?? []) {
      if (!map.has(kind))
        map.set(
          kind,
          rules.filter((r) => !r.kinds || r.kinds.includes(kind)),
        );
    }
  }
  dispatch.set(rules, map);
  return map;
}

function strongest(phases: Phase[]): Phase {
  return phases.reduce<Phase>((a, b) => (PHASE_RANK[b] > PHASE_RANK[a] ? b : a), 'pre');
}

function mixedPair(statements: ClassifiedStatement[]): [ClassifiedStatement, ClassifiedStatement] | undefined {
  const substantive = statements.filter((s) => !s.neutral);
  const pre = substantive.find((s) => s.phase === 'pre');
  const post = substantive.find((s) => s.phase === 'post');
  return pre && post ? [pre, post] : undefined;
}

/**
 * A rewrite or scan of a table that is empty on disk takes no time, so its lock is held for an
 * instant: such findings drop to `pre`, with the size in the message.
 */
function downgradeOnEmptyTable(f: ClassifiedFinding, context: RuleContext): ClassifiedFinding {
  if (f.phase !== 'unsafe' || !f.sizeDependent || !f.relation) return f;
  const table = context.table(f.relation);
  if (!table || table.bytes > EMPTY_TABLE_MAX_BYTES) return f;
  return {
    ...f,
    phase: 'pre',
    message: `${f.message} Downgraded to pre: the catalog shows ${f.relation} is empty (${describeSize(table)}), so the lock is held for an instant.`,
  };
}

/** An allow directive covers the first statement that starts after its line. */
function applyAllows(
  findings: ClassifiedFinding[],
  stmt: ParsedStatement,
  all: readonly ParsedStatement[],
  directives: Directives,
  used: Set<number>,
): ClassifiedFinding[] {
  const previousLine = stmt.index > 0 ? all[stmt.index - 1]!.line : 0;
  return findings.map((f) => {
    const i = directives.allows.findIndex((a) => a.rule === f.rule && a.line < stmt.line && a.line >= previousLine);
    if (i === -1) return f;
    used.add(i);
    return { ...f, allowed: directives.allows[i]!.reason };
  });
}

function summarise(stmt: ParsedStatement, findings: ClassifiedFinding[]): ClassifiedStatement {
  const deciding = findings.filter((f) => !f.allowed && !f.advisory);
  let lock: LockMode | undefined;
  let relation: string | undefined;
  for (const f of findings) {
    const next = strongerLock(lock, f.lock);
    if (f.lock && next === f.lock && next !== lock) relation = f.relation;
    lock = next;
    relation ??= f.relation;
  }
  return {
    index: stmt.index,
    line: stmt.line,
    sql: stmt.sql,
    phase: strongest(deciding.map((f) => f.phase)),
    lock: lock ?? null,
    relation: relation ?? null,
    rewrite: findings.some((f) => f.rewrite === true),
    scan: findings.some((f) => f.scan === true),
    neutral: findings.length > 0 && findings.every((f) => f.rule === 'session-statement'),
    findings,
    parsed: stmt,
  };
}

function shorten(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}
