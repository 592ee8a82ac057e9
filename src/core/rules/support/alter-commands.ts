/**
 * The one list of ALTER TABLE sub-commands deployctl understands: which rule judges each and the
 * table lock it takes (read from pg_locks on PostgreSQL 15). Every rule of the ALTER TABLE
 * family picks its sub-commands through `commandsFor`, and unrecognized-alter-command reports
 * each sub-command this file gives to no rule, so one unknown part of a multi-command ALTER
 * TABLE can never leave the whole statement looking safe.
 */
import type { AlterTableCmd, AlterTableType, ColumnDef, Constraint } from 'libpg-query';
import { as } from '../../sql/ast.js';
import type { LockMode, RuleContext } from '../rule.js';
import { columnDef, constraintDef, constraintsOf, typeNameOf, type AlterTarget } from './alter.js';
import { defaultVolatility } from './volatility.js';

interface Subcommand {
  rule: string;
  lock: LockMode;
}

const AEL: LockMode = 'AccessExclusiveLock';
const SUE: LockMode = 'ShareUpdateExclusiveLock';
const SRE: LockMode = 'ShareRowExclusiveLock';

/** Sub-commands judged by a single rule. ADD COLUMN and ADD CONSTRAINT are split below. */
const SUBCOMMANDS: Partial<Record<AlterTableType, Subcommand>> = {
  AT_ColumnDefault: { rule: 'alter-column-default', lock: AEL },
  AT_DropNotNull: { rule: 'drop-not-null', lock: AEL },
  AT_SetNotNull: { rule: 'set-not-null', lock: AEL },
  AT_AlterColumnType: { rule: 'alter-column-type', lock: AEL },
  AT_DropColumn: { rule: 'drop-column', lock: AEL },
  AT_ValidateConstraint: { rule: 'validate-constraint', lock: SUE },
  AT_DropConstraint: { rule: 'drop-constraint', lock: AEL },
  AT_SetLogged: { rule: 'set-logged-unlogged', lock: AEL },
  AT_SetUnLogged: { rule: 'set-logged-unlogged', lock: AEL },
  AT_SetTableSpace: { rule: 'set-tablespace', lock: AEL },
  AT_DetachPartition: { rule: 'detach-partition', lock: AEL },
  AT_DetachPartitionFinalize: { rule: 'detach-partition', lock: SUE },
  AT_SetStatistics: { rule: 'alter-table-other', lock: SUE },
  AT_SetOptions: { rule: 'alter-table-other', lock: SUE },
  AT_ResetOptions: { rule: 'alter-table-other', lock: SUE },
  AT_SetStorage: { rule: 'alter-table-other', lock: AEL },
  AT_SetCompression: { rule: 'alter-table-other', lock: AEL },
  AT_ChangeOwner: { rule: 'alter-table-other', lock: AEL },
  AT_ClusterOn: { rule: 'alter-table-other', lock: SUE },
  AT_DropCluster: { rule: 'alter-table-other', lock: SUE },
  AT_SetRelOptions: { rule: 'alter-table-other', lock: SUE },
  AT_ResetRelOptions: { rule: 'alter-table-other', lock: SUE },
  AT_EnableTrig: { rule: 'alter-table-other', lock: SRE },
  AT_EnableAlwaysTrig: { rule: 'alter-table-other', lock: SRE },
  AT_EnableReplicaTrig: { rule: 'alter-table-other', lock: SRE },
  AT_DisableTrig: { rule: 'alter-table-other', lock: SRE },
  AT_EnableTrigAll: { rule: 'alter-table-other', lock: SRE },
  AT_DisableTrigAll: { rule: 'alter-table-other', lock: SRE },
  AT_EnableTrigUser: { rule: 'alter-table-other', lock: SRE },
  AT_DisableTrigUser: { rule: 'alter-table-other', lock: SRE },
  AT_ReplicaIdentity: { rule: 'alter-table-other', lock: AEL },
  AT_EnableRowSecurity: { rule: 'alter-table-other', lock: AEL },
  AT_DisableRowSecurity: { rule: 'alter-table-other', lock: AEL },
  AT_ForceRowSecurity: { rule: 'alter-table-other', lock: AEL },
  AT_NoForceRowSecurity: { rule: 'alter-table-other', lock: AEL },
  AT_AlterConstraint: { rule: 'alter-table-other', lock: AEL },
  AT_AddIdentity: { rule: 'identity-column', lock: AEL },
  AT_DropIdentity: { rule: 'identity-column', lock: AEL },
  AT_SetIdentity: { rule: 'identity-column', lock: AEL },
};

/** Storage parameters whose SET/RESET takes ACCESS EXCLUSIVE instead of SHARE UPDATE EXCLUSIVE. */
const EXCLUSIVE_RELOPTIONS = new Set(['user_catalog_table']);

export type AddColumnHazard = 'add-column-volatile-default' | 'add-column-not-null' | 'add-column-generated';

const SERIAL_TYPES = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

/**
 * What makes an ADD COLUMN on an existing table more than a catalog edit. Empty means the plain
 * `add-column` rule (pre) judges it; otherwise each hazard's rule does. A table created earlier
 * in the migration has none: no app code uses it yet.
 */
export function addColumnHazards(cmd: AlterTableCmd, table: string, ctx: RuleContext): AddColumnHazard[] {
  if (ctx.isNew(table)) return [];
  const col = columnDef(cmd);
  const constraints = constraintsOf(col);
  const def = constraints.find((c) => c.contype === 'CONSTR_DEFAULT' && !as(c.raw_expr, 'A_Const')?.isnull);
  const filled =
    constraints.some(
      (c) => (c.contype === 'CONSTR_GENERATED' && c.generated_kind !== 'v') || c.contype === 'CONSTR_IDENTITY',
    ) || SERIAL_TYPES.has(typeNameOf(col));
  const notNull =
    col?.is_not_null === true ||
    constraints.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY');
  const hazards: AddColumnHazard[] = [];
  if (def && (defaultVolatility(def.raw_expr, ctx).volatile || ctx.serverVersion < 110000))
    hazards.push('add-column-volatile-default');
  if (notNull && !def && !filled) hazards.push('add-column-not-null');
  if (filled) hazards.push('add-column-generated');
  return hazards;
}

/** The rule that judges an added constraint, whether table-level or written in a column definition. */
export function constraintRule(c: Constraint): string | undefined {
  if (c.indexname && (c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE'))
    return 'add-constraint-using-index';
  switch (c.contype) {
    case 'CONSTR_FOREIGN':
      return 'add-foreign-key';
    case 'CONSTR_CHECK':
      return 'add-check-constraint';
    case 'CONSTR_PRIMARY':
    case 'CONSTR_UNIQUE':
    case 'CONSTR_EXCLUSION':
      return 'add-unique-constraint';
    default:
      return undefined;
  }
}

/** Every rule that reports on this sub-command; empty when no rule understands it. */
export function rulesFor(cmd: AlterTableCmd, table: string, ctx: RuleContext): string[] {
  if (cmd.subtype === 'AT_AddColumn') {
    const hazards: string[] = addColumnHazards(cmd, table, ctx);
    const inline = constraintsOf(columnDef(cmd))
      .map(constraintRule)
      .filter((r): r is string => r !== undefined);
    return [...(hazards.length > 0 ? hazards : ['add-column']), ...inline];
  }
  if (cmd.subtype === 'AT_AddConstraint') {
    const c = constraintDef(cmd);
    const rule = c ? constraintRule(c) : undefined;
    return rule ? [rule] : [];
  }
  const known = cmd.subtype ? SUBCOMMANDS[cmd.subtype] : undefined;
  return known ? [known.rule] : [];
}

/** The sub-commands of an ALTER TABLE that `rule` judges. */
export function commandsFor(alter: AlterTarget, rule: string, ctx: RuleContext): AlterTableCmd[] {
  return alter.cmds.filter((cmd) => rulesFor(cmd, alter.table, ctx).includes(rule));
}

export interface AddedConstraint {
  cmd: AlterTableCmd;
  constraint: Constraint;
  /** Set when the constraint is written inside ADD COLUMN. */
  column?: ColumnDef;
}

/** Constraints `rule` judges: ADD CONSTRAINT sub-commands and constraints inside ADD COLUMN. */
export function constraintsFor(alter: AlterTarget, rule: string): AddedConstraint[] {
  const found: AddedConstraint[] = [];
  for (const cmd of alter.cmds) {
    if (cmd.subtype === 'AT_AddConstraint') {
      const constraint = constraintDef(cmd);
      if (constraint && constraintRule(constraint) === rule) found.push({ cmd, constraint });
    } else if (cmd.subtype === 'AT_AddColumn') {
      const column = columnDef(cmd);
      for (const constraint of constraintsOf(column))
        if (constraintRule(constraint) === rule) found.push({ cmd, constraint, column });
    }
  }
  return found;
}

/** The table lock a sub-command takes, as pg_locks shows it; ACCESS EXCLUSIVE when unknown. */
export function subcommandLock(cmd: AlterTableCmd): LockMode {
  if (cmd.subtype === 'AT_AddConstraint' && constraintDef(cmd)?.contype === 'CONSTR_FOREIGN') return SRE;
  if (cmd.subtype === 'AT_SetRelOptions' || cmd.subtype === 'AT_ResetRelOptions') {
    const names = (as(cmd.def, 'List')?.items ?? []).map((d) => as(d, 'DefElem')?.defname ?? '');
    return names.some((n) => EXCLUSIVE_RELOPTIONS.has(n)) ? AEL : SUE;
  }
  return (cmd.subtype ? SUBCOMMANDS[cmd.subtype]?.lock : undefined) ?? AEL;
}
