/**
 * The shape every DROP rule shares: one finding per dropped object, `post` because the old code
 * may still use it, `pre` when the object was created earlier in the same migration (no running
 * code can know it).
 */
import type { ParsedStatement } from '../../sql/parse.js';
import type { Finding, LockMode, RuleContext } from '../rule.js';
import { dropOf } from './objects.js';

export interface DropSpec {
  rule: string;
  /** DropStmt.removeType values this rule owns (`OBJECT_VIEW`…). */
  types: readonly string[];
  /** What the statement drops, for messages ("view", "function"). */
  noun: string;
  /** Table-level lock the drop takes, when it locks a relation; per concurrent form if it has one. */
  lock?: (concurrent: boolean) => LockMode;
  /** The relation locked for a dropped name (a trigger's table); the name itself by default. */
  relationOf?: (name: string) => string;
  /** How a dropped name reads in messages (`t ON s.tbl` for a trigger); the name itself by default. */
  describe?: (name: string) => string;
  /** Why the old code may still need it, completing "the old code may still …". */
  oldCodeUse: string;
}

export function dropFindings(spec: DropSpec, s: ParsedStatement, ctx: RuleContext): Finding[] {
  const drop = dropOf(s, spec.types);
  if (!drop) return [];
  const concurrent = drop.stmt.concurrent === true;
  const cascade = drop.stmt.behavior === 'DROP_CASCADE' ? ' CASCADE also drops every object that depends on it.' : '';
  return drop.names.map((name) => {
    const shown = spec.describe ? spec.describe(name) : name;
    const relation = spec.lock ? (spec.relationOf ?? ((n: string) => n))(name) : undefined;
    const locked = spec.lock && relation ? { lock: spec.lock(concurrent), relation } : {};
    if (ctx.isNew(name)) {
      return {
        rule: spec.rule,
        phase: 'pre',
        ...locked,
        message: `DROP ${spec.noun} ${shown}, created earlier in this migration: no running code knows it.`,
      };
    }
    return {
      rule: spec.rule,
      phase: 'post',
      ...locked,
      message: `DROP ${spec.noun} ${shown}: the old code may still ${spec.oldCodeUse}, so it runs after the rollout.${cascade}`,
    };
  });
}

/** The table a `DROP TRIGGER t ON s.tbl` / `DROP POLICY p ON tbl` name (`s.tbl.t`) belongs to. */
export function ownerTable(name: string): string {
  return name.split('.').slice(0, -1).join('.');
}

/** `t ON s.tbl` for a trigger or policy name list `s.tbl.t`. */
export function onTable(name: string): string {
  return `${name.split('.').pop() ?? ''} ON ${ownerTable(name)}`;
}
