/**
 * What a rule example references and what it creates, read from its parse tree: tables and the
 * columns it names, and the indexes, constraints, triggers, policies, views, sequences, types,
 * functions, schemas and extensions it acts on. An object an earlier statement of the example
 * creates (or renames to) is not a reference. fixture-setup.ts turns the result into DDL.
 */
import type { Node } from 'libpg-query';
import { as, nameList } from '../../src/core/sql/ast.js';
import { parseSql } from '../../src/core/sql/parse.js';

export interface Table {
  schema: string;
  name: string;
  columns: Set<string>;
  /** Primary key on `id` (a `<table>_pkey` is referenced, or an FK points at it). */
  primaryKey: boolean;
  /** CLUSTER <table> without an index needs one it was clustered on before. */
  clustered?: boolean;
}

export interface Needs {
  tables: Map<string, Table>;
  /** `kind:schema.name` (or `kind:schema.table.name` for triggers, policies, constraints). */
  objects: Map<string, { kind: string; schema: string; name: string; table?: string; args?: string[] }>;
  schemas: Set<string>;
  /** `namespace:name` of what earlier statements of the example create or rename to: never set up. */
  created: Set<string>;
  addedColumns: Set<string>;
  /** Tables the example gives a primary key itself. */
  primaryKeyAdded: Set<string>;
  /** Columns that must be NOT NULL for the statement to run (ADD IDENTITY). */
  notNull: Set<string>;
  functionCalls: { schema: string; name: string; args: number }[];
}

/** The table to create; a detached one (never created) when an earlier statement of the example makes it. */
export function tableOf(needs: Needs, schema: string, name: string): Table {
  const key = `${schema}.${name}`;
  if (needs.created.has(`relation:${name}`)) return { schema, name, columns: new Set(), primaryKey: false };
  let t = needs.tables.get(key);
  if (!t) {
    t = { schema, name, columns: new Set(), primaryKey: false };
    needs.tables.set(key, t);
  }
  return t;
}

const NAMESPACE: Record<string, string> = {
  index: 'relation',
  view: 'relation',
  matview: 'relation',
  sequence: 'relation',
  table: 'relation',
  type: 'type',
  domain: 'type',
  function: 'function',
  procedure: 'function',
  trigger_function: 'function',
  trigger: 'trigger',
  policy: 'policy',
  constraint: 'constraint',
  extension: 'extension',
};

function addObject(needs: Needs, kind: string, names: string[], extra: { table?: string; args?: string[] } = {}): void {
  const name = names[names.length - 1] ?? '';
  const schema = names.length > 1 ? names[names.length - 2]! : 'public';
  if (!name || needs.created.has(`${NAMESPACE[kind]}:${name}`)) return;
  needs.schemas.add(schema);
  const key = extra.table ? `${kind}:${schema}.${extra.table}.${name}` : `${kind}:${schema}.${name}`;
  needs.objects.set(key, { kind, schema, name, ...extra });
}

const RELATION_KINDS: Record<string, string> = {
  OBJECT_INDEX: 'index',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'matview',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_TYPE: 'type',
  OBJECT_DOMAIN: 'domain',
  OBJECT_FUNCTION: 'function',
  OBJECT_PROCEDURE: 'procedure',
  OBJECT_ROUTINE: 'function',
  OBJECT_EXTENSION: 'extension',
  OBJECT_SCHEMA: 'schema',
};

/** ALTER TABLE sub-commands whose `name` is a column. */
const COLUMN_COMMANDS = new Set([
  'AT_AlterColumnType',
  'AT_SetNotNull',
  'AT_DropNotNull',
  'AT_ColumnDefault',
  'AT_DropColumn',
  'AT_SetStatistics',
  'AT_SetStorage',
  'AT_SetCompression',
  'AT_AddIdentity',
  'AT_SetIdentity',
  'AT_DropIdentity',
  'AT_SetOptions',
  'AT_ResetOptions',
]);

export function collect(stmt: Node, needs: Needs): void {
  /** What this statement creates; it counts for the statements after it. */
  const made = new Set<string>();
  const rangeVars: { schema: string; name: string }[] = [];
  const columns = new Set<string>();
  const rv = (
    r: { schemaname?: string; relname?: string } | undefined,
  ): { schema: string; name: string } | undefined =>
    r?.relname ? { schema: r.schemaname ?? 'public', name: r.relname } : undefined;

  // Objects named by the statement itself.
  const drop = as(stmt, 'DropStmt');
  if (drop) {
    for (const o of drop.objects ?? []) {
      const names = nameList(as(o, 'List')?.items);
      const kind = drop.removeType ?? '';
      if (kind === 'OBJECT_TABLE')
        rangeVars.push({ schema: names.length > 1 ? names[0]! : 'public', name: names[names.length - 1]! });
      else if (kind === 'OBJECT_TRIGGER' || kind === 'OBJECT_POLICY') {
        const table = names.slice(0, -1);
        rangeVars.push({ schema: table.length > 1 ? table[0]! : 'public', name: table[table.length - 1]! });
        addObject(
          needs,
          kind === 'OBJECT_TRIGGER' ? 'trigger' : 'policy',
          [...(table.length > 1 ? [table[0]!] : []), names[names.length - 1]!],
          { table: table[table.length - 1]! },
        );
      } else if (kind === 'OBJECT_SCHEMA') needs.schemas.add(as(o, 'String')?.sval ?? '');
      else if (kind === 'OBJECT_EXTENSION') addObject(needs, 'extension', [as(o, 'String')?.sval ?? '']);
      else if (kind === 'OBJECT_TYPE' || kind === 'OBJECT_DOMAIN')
        addObject(needs, RELATION_KINDS[kind]!, nameList(as(o, 'TypeName')?.names));
      else if (['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE'].includes(kind)) {
        const f = as(o, 'ObjectWithArgs');
        addObject(needs, RELATION_KINDS[kind]!, nameList(f?.objname), { args: (f?.objargs ?? []).map(() => 'int') });
      } else if (RELATION_KINDS[kind]) addObject(needs, RELATION_KINDS[kind]!, names);
    }
  }
  const rename = as(stmt, 'RenameStmt');
  if (rename) {
    const target = rv(rename.relation);
    const kind = rename.renameType ?? '';
    const renamed: Record<string, string> = {
      OBJECT_TABCONSTRAINT: 'constraint',
      OBJECT_TRIGGER: 'trigger',
      OBJECT_SCHEMA: 'schema',
      OBJECT_FUNCTION: 'function',
      OBJECT_TYPE: 'type',
      OBJECT_COLUMN: 'column',
    };
    if (rename.newname) made.add(`${renamed[kind] ?? 'relation'}:${rename.newname}`);
    if (kind === 'OBJECT_COLUMN' && target) {
      if (rename.relationType === 'OBJECT_VIEW') addObject(needs, 'view', [target.schema, target.name]);
      else rangeVars.push(target);
      columns.add(rename.subname ?? '');
    } else if (kind === 'OBJECT_TABCONSTRAINT' && target) {
      rangeVars.push(target);
      addObject(needs, 'constraint', [target.schema, rename.subname ?? ''], { table: target.name });
    } else if (kind === 'OBJECT_TRIGGER' && target) {
      rangeVars.push(target);
      addObject(needs, 'trigger', [target.schema, rename.subname ?? ''], { table: target.name });
    } else if (kind === 'OBJECT_SCHEMA') needs.schemas.add(rename.subname ?? '');
    else if (kind === 'OBJECT_TABLE' && target) rangeVars.push(target);
    else if (target && RELATION_KINDS[kind]) addObject(needs, RELATION_KINDS[kind]!, [target.schema, target.name]);
    else if (kind === 'OBJECT_FUNCTION') {
      const f = as(rename.object, 'ObjectWithArgs');
      addObject(needs, 'function', nameList(f?.objname), { args: (f?.objargs ?? []).map(() => 'int') });
    } else if (kind === 'OBJECT_TYPE') addObject(needs, 'type', nameList(as(rename.object, 'List')?.items));
  }
  const alterDomain = as(stmt, 'AlterDomainStmt');
  if (alterDomain) addObject(needs, 'domain', nameList(alterDomain.typeName));
  const statistics = as(stmt, 'CreateStatsStmt');
  if (statistics) {
    const target = rv(as(statistics.relations?.[0], 'RangeVar'));
    if (target) rangeVars.push(target);
    for (const e of statistics.exprs ?? []) columns.add(as(e, 'StatsElem')?.name ?? '');
  }
  const alterTable = as(stmt, 'AlterTableStmt');
  if (alterTable) {
    const target = rv(alterTable.relation)!;
    if (alterTable.objtype === 'OBJECT_VIEW') addObject(needs, 'view', [target.schema, target.name]);
    else rangeVars.push(target);
    for (const c of alterTable.cmds ?? []) {
      const cmd = as(c, 'AlterTableCmd');
      if (!cmd) continue;
      const sub = cmd.subtype ?? '';
      if (COLUMN_COMMANDS.has(sub) && cmd.name) columns.add(cmd.name);
      if (['AT_DropConstraint', 'AT_ValidateConstraint'].includes(sub) && cmd.name)
        addObject(needs, 'constraint', [target.schema, cmd.name], { table: target.name });
      if (sub === 'AT_AlterConstraint')
        addObject(needs, 'constraint', [target.schema, as(cmd.def, 'ATAlterConstraint')?.conname ?? ''], {
          table: target.name,
        });
      if (['AT_EnableTrig', 'AT_DisableTrig'].includes(sub) && cmd.name)
        addObject(needs, 'trigger', [target.schema, cmd.name], { table: target.name });
      if (sub === 'AT_ClusterOn' && cmd.name) pkeyOrIndex(needs, target, cmd.name);
      if (sub === 'AT_AddColumn') needs.addedColumns.add(as(cmd.def, 'ColumnDef')?.colname ?? '');
      if (sub === 'AT_AddIdentity' && cmd.name) needs.notNull.add(cmd.name);
      const added = as(cmd.def, 'Constraint');
      if (sub === 'AT_AddConstraint' && added?.conname) made.add(`constraint:${added.conname}`);
      const columnConstraints = as(cmd.def, 'ColumnDef')?.constraints ?? [];
      if ([added, ...columnConstraints.map((c) => as(c, 'Constraint'))].some((c) => c?.contype === 'CONSTR_PRIMARY'))
        needs.primaryKeyAdded.add(`${target.schema}.${target.name}`);
      if (sub === 'AT_AttachPartition') {
        const part = rv(as(cmd.def, 'PartitionCmd')?.name);
        if (part) rangeVars.push(part);
      }
    }
  }
  const alterEnum = as(stmt, 'AlterEnumStmt');
  if (alterEnum) addObject(needs, 'type', nameList(alterEnum.typeName));
  const alterSeq = as(stmt, 'AlterSeqStmt');
  if (alterSeq) {
    const seq = rv(alterSeq.sequence)!;
    addObject(needs, 'sequence', [seq.schema, seq.name]);
    for (const o of alterSeq.options ?? []) {
      const owned = nameList(as(as(o, 'DefElem')?.arg, 'List')?.items);
      if (as(o, 'DefElem')?.defname === 'owned_by' && owned.length >= 2) {
        const t = tableOf(needs, owned.length > 2 ? owned[0]! : 'public', owned[owned.length - 2]!);
        t.columns.add(owned[owned.length - 1]!);
      }
    }
  }
  const alterFunction = as(stmt, 'AlterFunctionStmt');
  if (alterFunction) {
    addObject(
      needs,
      alterFunction.objtype === 'OBJECT_PROCEDURE' ? 'procedure' : 'function',
      nameList(alterFunction.func?.objname),
      { args: (alterFunction.func?.objargs ?? []).map(() => 'int') },
    );
  }
  const comment = as(stmt, 'CommentStmt');
  if (comment) {
    const names = nameList(as(comment.object, 'List')?.items);
    if (comment.objtype === 'OBJECT_TABLE')
      rangeVars.push({ schema: names.length > 1 ? names[0]! : 'public', name: names[names.length - 1]! });
    if (comment.objtype === 'OBJECT_COLUMN') {
      const table = names.slice(0, -1);
      rangeVars.push({ schema: table.length > 1 ? table[0]! : 'public', name: table[table.length - 1]! });
      columns.add(names[names.length - 1]!);
    }
    if (comment.objtype === 'OBJECT_FUNCTION') {
      const f = as(comment.object, 'ObjectWithArgs');
      addObject(needs, 'function', nameList(f?.objname), { args: (f?.objargs ?? []).map(() => 'int') });
    }
  }
  const reindex = as(stmt, 'ReindexStmt');
  if (reindex) {
    const target = rv(reindex.relation);
    if (reindex.kind === 'REINDEX_OBJECT_INDEX' && target) addObject(needs, 'index', [target.schema, target.name]);
    // A table without an index has nothing to rebuild.
    else if (target) tableOf(needs, target.schema, target.name).primaryKey = true;
    if (reindex.kind === 'REINDEX_OBJECT_SCHEMA' && reindex.name) needs.schemas.add(reindex.name);
  }
  const cluster = as(stmt, 'ClusterStmt');
  if (cluster?.relation && cluster.indexname) pkeyOrIndex(needs, rv(cluster.relation)!, cluster.indexname);
  if (cluster?.relation && !cluster.indexname) {
    const t = tableOf(needs, rv(cluster.relation)!.schema, rv(cluster.relation)!.name);
    t.primaryKey = true;
    t.clustered = true;
  }
  const refresh = as(stmt, 'RefreshMatViewStmt');
  if (refresh) {
    const target = rv(refresh.relation)!;
    addObject(needs, 'matview', [target.schema, target.name]);
  }
  const trigger = as(stmt, 'CreateTrigStmt');
  if (trigger) {
    const fn = nameList(trigger.funcname);
    addObject(needs, 'trigger_function', fn);
  }
  const grant = as(stmt, 'GrantStmt');
  if (grant?.objtype === 'OBJECT_SCHEMA')
    for (const o of grant.objects ?? []) needs.schemas.add(as(o, 'String')?.sval ?? '');
  const defaults = as(stmt, 'AlterDefaultPrivilegesStmt');
  for (const o of defaults?.options ?? []) {
    if (as(o, 'DefElem')?.defname === 'schemas')
      for (const s of nameList(as(as(o, 'DefElem')?.arg, 'List')?.items)) needs.schemas.add(s);
  }
  const extension = as(stmt, 'CreateExtensionStmt');
  for (const o of extension?.options ?? []) {
    if (as(o, 'DefElem')?.defname === 'schema') needs.schemas.add(as(as(o, 'DefElem')?.arg, 'String')?.sval ?? '');
  }
  const createSchema = as(stmt, 'CreateSchemaStmt');
  if (createSchema?.schemaname && !createSchema.if_not_exists) made.add(`schema:${createSchema.schemaname}`);

  // What the statement creates, then every relation and column it mentions anywhere.
  const creationTargets = new Set<unknown>();
  const creates = (name: string | undefined, rel?: unknown, schema?: string, namespace = 'relation'): void => {
    if (name) made.add(`${namespace}:${name}`);
    if (rel) creationTargets.add(rel);
    if (schema) needs.schemas.add(schema);
  };
  const create = as(stmt, 'CreateStmt');
  if (create) creates(create.relation?.relname, create.relation, create.relation?.schemaname);
  const view = as(stmt, 'ViewStmt');
  if (view) creates(view.view?.relname, view.view, view.view?.schemaname);
  const ctas = as(stmt, 'CreateTableAsStmt');
  if (ctas) creates(ctas.into?.rel?.relname, ctas.into?.rel, ctas.into?.rel?.schemaname);
  const seq = as(stmt, 'CreateSeqStmt');
  if (seq) creates(seq.sequence?.relname, seq.sequence, seq.sequence?.schemaname);
  const index = as(stmt, 'IndexStmt');
  if (index) creates(index.idxname);
  const into = as(stmt, 'SelectStmt')?.intoClause?.rel;
  if (into) creates(into.relname, into);
  const fn = as(stmt, 'CreateFunctionStmt');
  if (fn) {
    const n = nameList(fn.funcname);
    creates(n[n.length - 1], undefined, n.length > 1 ? n[0] : undefined, 'function');
    sqlFunctionBody(fn, needs);
  }
  for (const names of [
    nameList(as(stmt, 'CreateEnumStmt')?.typeName),
    nameList(as(stmt, 'CreateDomainStmt')?.domainname),
    nameList(as(stmt, 'CreateRangeStmt')?.typeName),
  ]) {
    if (names.length > 0) creates(names[names.length - 1], undefined, names.length > 1 ? names[0] : undefined, 'type');
  }
  const composite = as(stmt, 'CompositeTypeStmt');
  if (composite) creates(composite.typevar?.relname, composite.typevar, composite.typevar?.schemaname, 'type');
  if (trigger) creates(trigger.trigname, undefined, undefined, 'trigger');
  const policy = as(stmt, 'CreatePolicyStmt');
  if (policy) creates(policy.policy_name, undefined, undefined, 'policy');
  if (extension) creates(extension.extname, undefined, undefined, 'extension');

  walk(stmt, (key, node) => {
    // A RangeVar appears bare (`relation: {relname…}`) or wrapped (`{ RangeVar: {…} }`): the body is what has `relname`.
    const r = node as { relname?: unknown; schemaname?: string };
    if (typeof r.relname === 'string' && !creationTargets.has(r) && !r.relname.startsWith('pg_'))
      rangeVars.push(rv(r as { relname: string })!);
    const ref = as(node, 'ColumnRef');
    if (ref) {
      const parts = nameList(ref.fields);
      if (parts.length > 0) columns.add(parts[parts.length - 1]!);
    }
    const elem = as(node, 'IndexElem');
    if (elem?.name) columns.add(elem.name);
    const constraint = as(node, 'Constraint');
    if (constraint) {
      for (const c of [...nameList(constraint.keys), ...nameList(constraint.fk_attrs)]) columns.add(c);
      if (constraint.indexname)
        addObject(needs, 'index', [rv(alterTable?.relation)?.schema ?? 'public', constraint.indexname]);
      const pk = rv(constraint.pktable);
      if (pk) {
        const t = tableOf(needs, pk.schema, pk.name);
        for (const c of nameList(constraint.pk_attrs)) t.columns.add(c);
        t.primaryKey = true;
      }
    }
    if (key === 'targetList' || key === 'cols') {
      const target = as(node, 'ResTarget');
      if (target?.name && (as(stmt, 'UpdateStmt') || as(stmt, 'InsertStmt'))) columns.add(target.name);
    }
    const call = as(node, 'FuncCall');
    if (call) {
      const names = nameList(call.funcname);
      const name = names[names.length - 1] ?? '';
      const literal = as(call.args?.[0], 'A_Const')?.sval?.sval;
      if ((name === 'setval' || name === 'nextval') && literal) addObject(needs, 'sequence', literal.split('.'));
      else
        needs.functionCalls.push({
          schema: names.length > 1 ? names[0]! : 'public',
          name,
          args: call.args?.length ?? 0,
        });
    }
    const defElem = as(node, 'DefElem');
    if (defElem?.defname === 'owned_by') return false;
    return true;
  });

  for (const r of rangeVars) {
    if (needs.created.has(`relation:${r.name}`)) continue;
    const asObject = ['view', 'matview', 'sequence', 'index'].find((k) =>
      needs.objects.has(`${k}:${r.schema}.${r.name}`),
    );
    needs.schemas.add(r.schema);
    if (asObject) continue;
    const t = tableOf(needs, r.schema, r.name);
    for (const c of columns) if (c) t.columns.add(c);
  }
  for (const m of made) needs.created.add(m);
}

/** A LANGUAGE sql body is checked when the function is created: what it names must exist. */
function sqlFunctionBody(fn: NonNullable<ReturnType<typeof as<'CreateFunctionStmt'>>>, needs: Needs): void {
  const option = (name: string) => (fn.options ?? []).map((o) => as(o, 'DefElem')).find((d) => d?.defname === name);
  if (as(option('language')?.arg, 'String')?.sval !== 'sql') return;
  const body = nameList(as(option('as')?.arg, 'List')?.items)[0];
  if (!body) return;
  for (const s of parseSql(body, 'function body').statements) collect(s.node, needs);
}

/** `<table>_pkey` is the primary key on `id`; any other index name gets a fixture index. */
function pkeyOrIndex(needs: Needs, table: { schema: string; name: string }, index: string): void {
  if (index === `${table.name}_pkey`) tableOf(needs, table.schema, table.name).primaryKey = true;
  else addObject(needs, 'index', [table.schema, index]);
}

/** Visits every node object under `node`; `visit` returns false to skip a subtree. */
function walk(node: unknown, visit: (key: string, node: Node) => boolean, key = ''): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit, key);
    return;
  }
  if (!node || typeof node !== 'object') return;
  if (!visit(key, node as Node)) return;
  // A node-kind key (`ResTarget`) keeps the field name it sits under (`targetList`).
  for (const [k, v] of Object.entries(node)) walk(v, visit, /^[A-Z]/.test(k) ? key : k);
}
