/**
 * Compares what the plan predicted for a statement with what PostgreSQL did. Pure.
 *
 * The plan names one lock and the relation it is taken on: the strongest lock of the statement.
 * Only relations that existed before the statement count (a relation it creates is invisible to
 * the app until commit). The prediction agrees when
 * - the named relation existed and PostgreSQL took exactly that mode on it (its strongest);
 * - no other existing table, view or sequence got a stronger lock than the plan's (indexes are
 *   judged only when the plan names one: every table lock also touches its indexes);
 * - when the plan names no relation, the strongest lock on any of them is the plan's;
 * - a relation was rewritten (new file node) exactly when the plan says `rewrite`.
 * When no rule understood the statement, the plan's lock is an assumption (the worst case, or
 * none): then only a lock stronger than the assumed one disagrees, and what PostgreSQL did is
 * shown for the reviewer who has to accept the statement.
 */
import { normalizeRelation } from '../../core/sql/created.js';
import { LOCK_MODES, type LockMode } from '../../core/rules/rule.js';
import type { RelationLock } from './observe.js';

export interface Prediction {
  lock: LockMode | null;
  relation: string | null;
  rewrite: boolean;
  /** No rule understood (part of) the statement: `lock` is assumed, not known. */
  assumed: boolean;
}

export interface ObservedSummary {
  /** Strongest mode on the predicted relation when it existed, else on any non-index relation. */
  lock: LockMode | null;
  relation: string | null;
  rewrite: boolean;
}

export interface Comparison {
  observed: ObservedSummary;
  disagreements: string[];
}

export interface ComparisonInput {
  predicted: Prediction;
  locks: RelationLock[];
  rewritten: string[];
  /** Names of the relations that existed before the statement. */
  existed: (relation: string) => boolean;
}

const rank = (mode: LockMode | null): number => (mode ? LOCK_MODES.indexOf(mode) : -1);

export function strongestOn(locks: RelationLock[], relation: string): LockMode | null {
  return locks
    .filter((l) => l.relation === relation)
    .reduce<LockMode | null>((m, l) => (rank(l.mode) > rank(m) ? l.mode : m), null);
}

export function compare(input: ComparisonInput): Comparison {
  const { predicted, locks } = input;
  if (predicted.assumed) return compareAssumed(input);
  const named = predicted.relation ? normalizeRelation(predicted.relation) : null;
  const claimed = named !== null && input.existed(named) ? named : null;
  const disagreements: string[] = [];
  const say = (mode: LockMode | null): string => mode ?? 'no lock';

  const others = new Map<string, LockMode>();
  for (const l of locks) {
    if (l.relation === claimed || l.kind === 'i' || l.kind === 'I') continue;
    if (rank(l.mode) > rank(others.get(l.relation) ?? null)) others.set(l.relation, l.mode);
  }
  let observed: ObservedSummary;
  if (claimed) {
    const mode = strongestOn(locks, claimed);
    observed = { lock: mode, relation: mode ? claimed : null, rewrite: false };
    if (mode !== predicted.lock)
      disagreements.push(`plan says ${say(predicted.lock)} on ${claimed}, PostgreSQL took ${say(mode)}`);
  } else {
    const [relation, mode] = [...others].reduce<[string | null, LockMode | null]>(
      (best, [r, m]) => (rank(m) > rank(best[1]) ? [r, m] : best),
      [null, null],
    );
    observed = { lock: mode, relation, rewrite: false };
    // A claim about a relation the statement creates (or that does not exist) says nothing about existing ones.
    if (named === null && mode !== predicted.lock)
      disagreements.push(
        `plan says ${say(predicted.lock)}, PostgreSQL took ${say(mode)}${relation ? ` on ${relation}` : ''}`,
      );
  }
  for (const [relation, mode] of others) {
    if (rank(mode) > rank(predicted.lock) && !(named === null && relation === observed.relation)) {
      disagreements.push(
        `PostgreSQL also took ${mode} on ${relation}, stronger than the plan's ${say(predicted.lock)}`,
      );
    }
  }
  observed.rewrite = input.rewritten.length > 0;
  if (observed.rewrite !== predicted.rewrite) {
    disagreements.push(
      predicted.rewrite
        ? 'plan says the statement rewrites, but no relation got a new file'
        : `plan says no rewrite, but PostgreSQL rewrote ${input.rewritten.join(', ')}`,
    );
  }
  return { observed, disagreements };
}

function compareAssumed({ predicted, locks, rewritten }: ComparisonInput): Comparison {
  const strongest = locks
    .filter((l) => l.kind !== 'i' && l.kind !== 'I')
    .reduce<RelationLock | undefined>((best, l) => (rank(l.mode) > rank(best?.mode ?? null) ? l : best), undefined);
  const observed: ObservedSummary = {
    lock: strongest?.mode ?? null,
    relation: strongest?.relation ?? null,
    rewrite: rewritten.length > 0,
  };
  const disagreements =
    predicted.lock !== null && strongest && rank(strongest.mode) > rank(predicted.lock)
      ? [`the plan assumed at most ${predicted.lock}, PostgreSQL took ${strongest.mode} on ${strongest.relation}`]
      : [];
  return { observed, disagreements };
}
