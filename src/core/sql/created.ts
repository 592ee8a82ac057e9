/** Relations a statement brings into existence: later statements of the migration see them as new. */
import { as, qualifiedName } from './ast.js';
import type { ParsedStatement } from './parse.js';

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

/** Unqualified names resolve to `public`, the default search_path. */
export function normalizeRelation(name: string): string {
  return name.includes('.') ? name : `public.${name}`;
}
