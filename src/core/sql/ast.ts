/**
 * Typed access to libpg-query's AST. A node is a single-key object such as
 * `{ AlterTableStmt: {...} }`; these helpers name the key and narrow the body.
 */
import type { Node, RangeVar } from 'libpg-query';

type KindsOf<N> = N extends unknown ? keyof N : never;
export type NodeKind = KindsOf<Node> & string;
export type NodeBody<K extends NodeKind> = Extract<Node, Record<K, unknown>>[K];

export function nodeKind(node: Node | undefined): NodeKind | undefined {
  if (!node) return undefined;
  return Object.keys(node)[0] as NodeKind;
}

/** The node's body when it is of `kind`, else undefined. */
export function as<K extends NodeKind>(node: Node | undefined, kind: K): NodeBody<K> | undefined {
  if (!node || !(kind in node)) return undefined;
  return (node as unknown as Record<K, NodeBody<K>>)[kind];
}

/** `schema.name` as written, unquoted (identifiers are already folded by the parser). */
export function qualifiedName(rv: RangeVar | undefined): string {
  if (!rv?.relname) return '';
  return rv.schemaname ? `${rv.schemaname}.${rv.relname}` : rv.relname;
}

/** The string items of a name list such as `funcname` or a `TypeName.names`. */
export function nameList(nodes: Node[] | undefined): string[] {
  return (nodes ?? []).map((n) => as(n, 'String')?.sval ?? '').filter((s) => s !== '');
}

/** Unqualified relation name, for matching against names created in the same migration. */
export function bareName(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot === -1 ? name : name.slice(dot + 1);
}
