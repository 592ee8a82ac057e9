/**
 * Classifies one migration: every statement gets exactly one phase from the findings of the
 * rules, and the migration gets the strongest of them (`unsafe` > `post` > `pre`), or `mixed`
 * when it holds both substantive `pre` and `post` statements. Pure: parsed SQL and catalog
 * facts in, a classification out.
 */
import type { CatalogFacts } from '../schema/facts.js';
import { ASSUMED_SERVER_VERSION, EMPTY_TABLE_MAX_BYTES, describeSize, lookupTable } from '../schema/facts.js';
import { RULES, UNRECOGNIZED } from '../rules/index.js';
import type { Finding, LockMode, Phase, Rule, RuleContext } from '../rules/rule.js';
import { strongerLock } from '../rules/rule.js';
import { createdRelations, normalizeRelation } from '../sql/created.js';
import { parseSql, type ParsedStatement } from '../sql/parse.js';
import { mustRunOutsideTransaction } from '../sql/transaction.js';
import { readDirectives, type Directives } from '../sql/directives.js';
import { proceduralFindings } from './procedural.js';
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
  problems: { kind: 'mixed' | 'directive'; message: string }[];
}

export interface ClassifyOptions {
  catalog?: CatalogFacts;
  /** server_version_num to assume without a catalog (default ASSUMED_SERVER_VERSION). */
  assumedServerVersion?: number;
  rules?: readonly Rule[];
}

const PHASE_RANK: Record<Phase, number> = { pre: 0, post: 1, unsafe: 2 };

export function classifyMigration(migration: MigrationFile, options: ClassifyOptions = {}): ClassifiedMigration {
  const rules = options.rules ?? RULES;
  const parsed = parseSql(migration.up, migration.file);
  const directives = readDirectives(parsed.comments, migration.file);
  const serverVersion = options.catalog?.serverVersion ?? options.assumedServerVersion ?? ASSUMED_SERVER_VERSION;
  const created = new Set<string>();
  const usedAllows = new Set<number>();

  const context: RuleContext = {
    serverVersion,
    hasCatalog: options.catalog !== undefined,
    statements: parsed.statements,
    isNew: (relation) => created.has(normalizeRelation(relation)),
    table: (relation) =>
      created.has(normalizeRelation(relation)) ? undefined : lookupTable(options.catalog, relation),
    catalog: options.catalog,
  };
  const byKind = rulesByKind(rules);
  const judge = (stmt: ParsedStatement, ctx: RuleContext): Finding[] => {
    const findings = (byKind.get(stmt.kind) ?? byKind.get(ANY_KIND)!).flatMap((rule) => rule.check(stmt, ctx));
    if (findings.every((f) => f.advisory)) findings.push(...UNRECOGNIZED.check(stmt, ctx));
    for (const rel of createdRelations(stmt)) created.add(normalizeRelation(rel));
    return findings;
  };
  const statements = parsed.statements.map((stmt) => {
    let findings: ClassifiedFinding[] = judge(stmt, context);
    findings.push(...proceduralFindings(stmt, context, judge, migration.file));
    findings = findings.map((f) => downgradeOnEmptyTable(f, context));
    findings = applyAllows(findings, stmt, parsed.statements, directives, usedAllows);
    return summarise(stmt, findings);
  });

  const problems: ClassifiedMigration['problems'] = directives.allows
    .filter((_, i) => !usedAllows.has(i))
    .map((a) => ({
      kind: 'directive',
      message: `${migration.file}:${a.line}: 'deployctl:allow ${a.rule}' matches no finding of the statement after it; remove it`,
    }));

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
  const transactional =
    !directives.noTransaction && !parsed.statements.some((s) => mustRunOutsideTransaction(s, serverVersion));
  return { migration, phase, transactional, directives, statements, problems };
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
