import type { ObjectType, RenameStmt } from 'libpg-query';
import { as, nameList, qualifiedName } from '../sql/ast.js';
import { normalizeRelation } from '../sql/created.js';
import type { ParsedStatement } from '../sql/parse.js';
import type { Finding, LockMode, Rule, RuleContext } from './rule.js';

/** Renames nothing in the app's SQL names: indexes, constraints, triggers, policies, rules, statistics. */
const INTERNAL: Partial<Record<ObjectType, { what: string; lock?: LockMode; onTable: boolean }>> = {
  OBJECT_INDEX: { what: 'index', lock: 'ShareUpdateExclusiveLock', onTable: false },
  OBJECT_TABCONSTRAINT: { what: 'constraint', lock: 'AccessExclusiveLock', onTable: true },
  OBJECT_DOMCONSTRAINT: { what: 'domain constraint', onTable: false },
  OBJECT_TRIGGER: { what: 'trigger', lock: 'AccessExclusiveLock', onTable: true },
  OBJECT_POLICY: { what: 'policy', lock: 'AccessExclusiveLock', onTable: true },
  OBJECT_RULE: { what: 'rule', lock: 'AccessExclusiveLock', onTable: true },
  OBJECT_STATISTIC_EXT: { what: 'statistics object', onTable: false },
};

/** Relations whose rename locks the relation itself (ACCESS EXCLUSIVE, measured). */
const RELATIONS = new Set<ObjectType>(['OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_SEQUENCE']);

/**
 * Renames other than tables and columns. Measured on PostgreSQL 15: renaming an index takes
 * SHARE UPDATE EXCLUSIVE on it; a constraint, trigger, policy or rule takes ACCESS EXCLUSIVE on
 * its table for an instant; a view, materialized view or sequence takes ACCESS EXCLUSIVE on
 * itself; functions, types, schemas and the like lock no table.
 *
 * Decision: names the app's SQL cannot mention in a query — indexes, constraints, triggers,
 * policies, rules, statistics — are `pre` (an app that spells a constraint name in
 * `ON CONFLICT ON CONSTRAINT` or matches it in error handling must be checked by its author; the
 * message says so). Everything the app can name — views, sequences, functions, procedures,
 * types, domains, schemas, roles… — breaks the old or the new code whichever side of the
 * rollout it runs on: `unsafe`, unless it was created earlier in the same migration.
 * Enum labels (ALTER TYPE … RENAME VALUE) have their own rule.
 *
 * Two renames the app's writes survive, because PostgreSQL refers to the object by oid: a
 * sequence (column defaults are stored as `nextval('seq'::regclass)`, identity and OWNED BY are
 * dependencies, measured: INSERTs keep numbering after the rename) and a trigger function
 * (CREATE TRIGGER stores the function's oid; triggers keep firing). Both are `pre` with a note:
 * only SQL that spells the name — `nextval('old_name')` in the app, or a call of the trigger
 * function — breaks. A function counts as a trigger function when the catalog says it returns
 * `trigger` / `event_trigger`, or the migration creates it so. An object created earlier in the
 * release is `pre` too.
 */
export const renameObject: Rule = {
  id: 'rename-object',
  summary:
    'RENAME of views, functions, types, schemas… (unsafe) or indexes, constraints, triggers, sequences, trigger functions (pre)',
  kinds: ['RenameStmt'],
  check(s, ctx) {
    const stmt = as(s.node, 'RenameStmt');
    const type = stmt?.renameType;
    if (!stmt || !type || ['OBJECT_TABLE', 'OBJECT_FOREIGN_TABLE', 'OBJECT_COLUMN'].includes(type)) return [];
    const kind = type
      .replace(/^OBJECT_/, '')
      .toLowerCase()
      .replace(/_/g, ' ');
    const name = objectName(stmt);
    const to = stmt.newname ?? '';
    const table = qualifiedName(stmt.relation);
    const internal = INTERNAL[type];
    if (internal) {
      const relation = internal.onTable || type === 'OBJECT_INDEX' ? table : undefined;
      return [
        {
          rule: this.id,
          phase: 'pre',
          ...(internal.lock ? { lock: internal.lock } : {}),
          ...(relation ? { relation } : {}),
          message: `RENAME ${internal.what} ${name} TO ${to}: app queries do not name ${internal.what}s, so both codes keep working${type === 'OBJECT_TABCONSTRAINT' ? ' (check the app does not spell it in ON CONFLICT ON CONSTRAINT or match it in error handling)' : ''}.`,
        },
      ];
    }
    if (type === 'OBJECT_SEQUENCE' && !ctx.isNew(table))
      return [
        {
          rule: this.id,
          phase: 'pre',
          lock: 'AccessExclusiveLock',
          relation: table,
          message: `RENAME sequence ${name} TO ${to}: column defaults and identity columns refer to the sequence by oid, so INSERTs keep working; ACCESS EXCLUSIVE on the sequence for an instant. Check the app does not call nextval('${name}') or currval('${name}') by name.`,
        },
      ];
    if ((type === 'OBJECT_FUNCTION' || type === 'OBJECT_ROUTINE') && isTriggerFunction(name, s, ctx))
      return [
        {
          rule: this.id,
          phase: 'pre',
          message: `RENAME trigger function ${name} TO ${to}: triggers refer to their function by oid and keep firing; the app does not call trigger functions.`,
        },
      ];
    if (!RELATIONS.has(type) && ctx.isNew(name))
      return [
        {
          rule: this.id,
          phase: 'pre',
          message: `RENAME ${kind} ${name} TO ${to}, created earlier in this release: no app code uses it yet.`,
        },
      ];
    const isRelation = RELATIONS.has(type);
    const base: Pick<Finding, 'rule' | 'lock' | 'relation'> = isRelation
      ? { rule: this.id, lock: 'AccessExclusiveLock', relation: table }
      : { rule: this.id };
    if (isRelation && ctx.isNew(table))
      return [
        {
          ...base,
          phase: 'pre',
          message: `RENAME ${kind} ${name} TO ${to}, created earlier in this release: no app code uses it yet.`,
        },
      ];
    return [
      {
        ...base,
        phase: 'unsafe',
        message: `RENAME ${kind} ${name} TO ${to}: the old code uses ${name}, the new code ${to}; whichever side of the rollout it runs on, one of them fails.`,
        fix:
          type === 'OBJECT_VIEW' ||
          type === 'OBJECT_MATVIEW' ||
          type === 'OBJECT_FUNCTION' ||
          type === 'OBJECT_PROCEDURE'
            ? `Expand and contract: create ${to} as a copy (CREATE ${kind.toUpperCase()} ${to} … with the same definition) before the rollout, release code that uses ${to}, then drop ${name} after the rollout.`
            : `Expand and contract: create ${to} alongside ${name} before the rollout, release code that uses only ${to}, and drop ${name} after the rollout. If that is impossible for this object, run the rename when no old code is live and accept it with -- deployctl:allow ${this.id} <why>.`,
      },
    ];
  },
  examples: {
    fires: [
      'ALTER INDEX users_email_idx RENAME TO users_email_key',
      'ALTER TABLE ONLY "App"."Users" RENAME CONSTRAINT "Users_check" TO users_age_check',
      'ALTER TRIGGER audit ON users RENAME TO users_audit',
      'ALTER VIEW IF EXISTS active_users RENAME TO current_users',
      'ALTER FUNCTION app.total(int) RENAME TO order_total',
      'ALTER TYPE mood RENAME TO feeling',
      'ALTER SCHEMA app RENAME TO shop',
      'ALTER SEQUENCE order_no RENAME TO order_number',
      'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$; ALTER FUNCTION touch() RENAME TO set_updated_at',
      {
        sql: 'ALTER FUNCTION app.touch() RENAME TO set_updated_at',
        catalog: { serverVersion: 150000, tables: {}, triggerFunctions: ['app.touch'] },
      },
      'CREATE VIEW v AS SELECT 1 AS x; ALTER VIEW v RENAME TO w',
    ],
    silent: [
      'ALTER TABLE users RENAME TO accounts',
      'ALTER TABLE users RENAME COLUMN a TO b',
      "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'",
    ],
  },
};

function objectName(stmt: RenameStmt): string {
  if (stmt.relation) return stmt.subname ?? qualifiedName(stmt.relation);
  if (stmt.subname) return stmt.subname;
  const list = as(stmt.object, 'List');
  if (list) return nameList(list.items).join('.');
  const func = as(stmt.object, 'ObjectWithArgs');
  if (func) return nameList(func.objname).join('.');
  const typeName = as(stmt.object, 'TypeName');
  if (typeName) return nameList(typeName.names).join('.');
  return as(stmt.object, 'String')?.sval ?? '';
}

/** The catalog lists the function as returning trigger, or the migration creates it returning trigger. */
function isTriggerFunction(name: string, s: ParsedStatement, ctx: RuleContext): boolean {
  const key = normalizeRelation(name);
  if (ctx.catalog?.triggerFunctions?.includes(key)) return true;
  return ctx.statements.some((st) => {
    const create = st.index < s.index ? as(st.node, 'CreateFunctionStmt') : undefined;
    if (!create || normalizeRelation(nameList(create.funcname).join('.')) !== key) return false;
    const returns = nameList(create.returnType?.names).pop()?.toLowerCase();
    return returns === 'trigger' || returns === 'event_trigger';
  });
}
