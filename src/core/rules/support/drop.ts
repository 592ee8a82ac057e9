/**
 * The shape every DROP rule shares: one finding per dropped object, `post` because the old code
 * may still use it, `pre` when the object was created earlier in the same release (no running
 * code can know it) or is defined again later in it. A DROP followed by a CREATE of the same name
 * in one transaction is a redefinition: other sessions never see the object missing (they wait
 * for the DROP's lock until COMMIT and then see the new definition), so splitting the two would
 * break the app. A re-creation by a later migration of the same release is not a contract step
 * either (the new code does not do without the object), but the object is missing between the two
 * migrations: the message says so.
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
  /** The statement that redefines it in place (`CREATE OR REPLACE VIEW`), when there is one. */
  orReplace?: string;
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
      const by = ctx.createdBy?.(name);
      return {
        rule: spec.rule,
        phase: 'pre',
        ...locked,
        message: `DROP ${spec.noun} ${shown}, created earlier in this release${by ? ` (${by.file}:${by.line})` : ''}: no running code knows it.`,
      };
    }
    const again = ctx.redefinedLater?.(name);
    if (again) {
      const replace = spec.orReplace ? ` ${spec.orReplace} says the same in one statement.` : '';
      return {
        rule: spec.rule,
        phase: 'pre',
        ...locked,
        message: again.sameTransaction
          ? `DROP ${spec.noun} ${shown}, created again at line ${again.line} in the same transaction: a redefinition, atomic for other sessions (they wait for the lock until COMMIT, then see the new definition), so it runs in order.${replace}`
          : `DROP ${spec.noun} ${shown}: created again by ${again.file}:${again.line} later in this release, so it is not a contract step and runs in order; between the two migrations the object is missing for the old code — prefer dropping and re-creating it in one migration.${replace}`,
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
