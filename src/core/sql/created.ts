/**
 * Objects a statement brings into existence. Later statements of the migration, and later
 * migrations of the same release, see them as new: no running code can use them yet.
 */
import { as, qualifiedName, nameList } from './ast.js';
import type { ParsedStatement } from './parse.js';

export interface CreatedObject {
  /** Normalized name (`normalizeRelation`); triggers and policies as `table.name`, like DROP spells them. */
  name: string;
  /**
   * `create`: a plain CREATE, so the object did not exist before (PostgreSQL raises an error
   * otherwise). `if-not-exists` keeps an existing object; `or-replace` redefines one the old code
   * may already use; `rename` gives an object a name (it is new only when the renamed one was).
   */
  mode: CreateMode;
}

export type CreateMode = 'create' | 'if-not-exists' | 'or-replace' | 'rename';

const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);
const ifNot = (flag: boolean | undefined): CreateMode => (flag ? 'if-not-exists' : 'create');
const orReplace = (flag: boolean | undefined): CreateMode => (flag ? 'or-replace' : 'create');

export function createdRelations(s: ParsedStatement): string[] {
  const n = s.node;
  const names = [
    qualifiedName(as(n, 'CreateStmt')?.relation),
    qualifiedName(as(n, 'CreateTableAsStmt')?.into?.rel),
    qualifiedName(as(n, 'ViewStmt')?.view),
    qualifiedName(as(n, 'CreateSeqStmt')?.sequence),
  ];
  const index = as(n, 'IndexStmt');
  if (index?.idxname)
    names.push(index.relation?.schemaname ? `${index.relation.schemaname}.${index.idxname}` : index.idxname);
  return names.filter((x) => x !== '');
}

/**
 * Every object a statement defines: tables, indexes, views and materialized views, sequences,
 * types (enum, composite, domain, range), functions and procedures, triggers and policies.
 * Renames are not here: a renamed object is the old object, which the old code may use.
 */
export function createdObjects(s: ParsedStatement): CreatedObject[] {
  const n = s.node;
  const out: CreatedObject[] = [];
  const add = (name: string, mode: CreateMode) => {
    if (name !== '') out.push({ name: normalizeRelation(name), mode });
  };
  const table = as(n, 'CreateStmt');
  if (table) {
    const name = qualifiedName(table.relation);
    add(name, ifNot(table.if_not_exists));
    // A serial column brings its sequence, named <table>_<column>_seq.
    for (const elt of table.tableElts ?? []) {
      const col = as(elt, 'ColumnDef');
      const type = nameList(col?.typeName?.names).pop() ?? '';
      if (col?.colname && SERIAL_TYPES.has(type)) add(`${name}_${col.colname}_seq`, ifNot(table.if_not_exists));
    }
  }
  const tableAs = as(n, 'CreateTableAsStmt');
  if (tableAs) add(qualifiedName(tableAs.into?.rel), ifNot(tableAs.if_not_exists));
  const view = as(n, 'ViewStmt');
  if (view) add(qualifiedName(view.view), orReplace(view.replace));
  const seq = as(n, 'CreateSeqStmt');
  if (seq) add(qualifiedName(seq.sequence), ifNot(seq.if_not_exists));
  const index = as(n, 'IndexStmt');
  if (index?.idxname)
    add(
      index.relation?.schemaname ? `${index.relation.schemaname}.${index.idxname}` : index.idxname,
      ifNot(index.if_not_exists),
    );
  const enumType = as(n, 'CreateEnumStmt');
  if (enumType) add(nameList(enumType.typeName).join('.'), 'create');
  const composite = as(n, 'CompositeTypeStmt');
  if (composite) add(qualifiedName(composite.typevar), 'create');
  const domain = as(n, 'CreateDomainStmt');
  if (domain) add(nameList(domain.domainname).join('.'), 'create');
  const range = as(n, 'CreateRangeStmt');
  if (range) add(nameList(range.typeName).join('.'), 'create');
  const func = as(n, 'CreateFunctionStmt');
  if (func) add(nameList(func.funcname).join('.'), orReplace(func.replace));
  const trigger = as(n, 'CreateTrigStmt');
  if (trigger?.trigname)
    out.push({ name: `${qualifiedName(trigger.relation)}.${trigger.trigname}`, mode: orReplace(trigger.replace) });
  const policy = as(n, 'CreatePolicyStmt');
  if (policy?.policy_name) out.push({ name: `${qualifiedName(policy.table)}.${policy.policy_name}`, mode: 'create' });
  return out;
}

/**
 * `ALTER TABLE a RENAME TO b` (and the same for an index, view, sequence, type or domain): the
 * new name of the object, with its old one, so an object created in the release stays new under
 * its new name.
 */
export function renamedRelation(s: ParsedStatement): { from: string; to: string } | undefined {
  const rename = as(s.node, 'RenameStmt');
  if (!rename?.newname) return undefined;
  if (!rename.relation && (rename.renameType === 'OBJECT_TYPE' || rename.renameType === 'OBJECT_DOMAIN')) {
    // ALTER TYPE / DOMAIN … RENAME TO: the type keeps its schema.
    const names = nameList(as(rename.object, 'List')?.items ?? as(rename.object, 'TypeName')?.names);
    if (names.length === 0) return undefined;
    const from = names.join('.');
    return {
      from: normalizeRelation(from),
      to: normalizeRelation(names.length > 1 ? `${names.slice(0, -1).join('.')}.${rename.newname}` : rename.newname),
    };
  }
  if (!rename.relation) return undefined;
  const kinds = ['OBJECT_TABLE', 'OBJECT_INDEX', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_SEQUENCE'];
  if (!kinds.includes(rename.renameType ?? '')) return undefined;
  const schema = rename.relation.schemaname;
  return {
    from: normalizeRelation(qualifiedName(rename.relation)),
    to: normalizeRelation(schema ? `${schema}.${rename.newname}` : rename.newname),
  };
}

/** Unqualified names resolve to `public`, the default search_path. */
export function normalizeRelation(name: string): string {
  return name.includes('.') ? name : `public.${name}`;
}
