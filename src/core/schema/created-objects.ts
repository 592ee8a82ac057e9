/**
 * The objects a sequence of migrations leaves behind: schemas, relations (tables, indexes,
 * views, sequences), columns and types they create, net of what a later statement drops or
 * renames. `deployctl adopt` checks each against the catalog before it records a file as
 * applied, and checks that none of a later file's objects exists yet (a partly applied file).
 * Functions, triggers, policies and data are not tracked.
 */
import type { Node } from 'libpg-query';
import { as, nameList, qualifiedName } from '../sql/ast.js';
import type { ParsedStatement } from '../sql/parse.js';

export type ObjectKind = 'schema' | 'relation' | 'column' | 'type';

export interface CreatedObject {
  kind: ObjectKind;
  /** `schema.name` for relations and types (unqualified names resolve to public); `schema.table.column` for columns. */
  name: string;
  /** What the statement called it: table, index, view, sequence, materialized view, column, type, schema. */
  noun: string;
  /** For an index, the table it is on (`schema.table`): dropping the table drops it. */
  table?: string;
  /** The creating statement's file and 1-based line. */
  file: string;
  line: number;
}

/** `public.x` for an unqualified `x`. */
function qualify(name: string): string {
  return name.includes('.') ? name : `public.${name}`;
}

function key(kind: ObjectKind, name: string): string {
  return `${kind}:${name}`;
}

/** A dotted name from a DROP's object node (a name list, a type name, or a bare string). */
function dottedName(node: Node): string {
  const list = as(node, 'List');
  if (list) return nameList(list.items).join('.');
  const type = as(node, 'TypeName');
  if (type) return nameList(type.names).join('.');
  return as(node, 'String')?.sval ?? '';
}

const RELATION_DROPS: Record<string, string> = {
  OBJECT_TABLE: 'table',
  OBJECT_INDEX: 'index',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_SEQUENCE: 'sequence',
};

/**
 * Tracks the net objects of statements applied in order. `add` takes one migration's parsed
 * statements; `objects()` lists what is left, in creation order.
 */
export class CreatedObjects {
  private readonly live = new Map<string, CreatedObject>();

  add(statements: ParsedStatement[], file: string): CreatedObject[] {
    const created: CreatedObject[] = [];
    const put = (kind: ObjectKind, name: string, noun: string, line: number, table?: string): void => {
      const o: CreatedObject = { kind, name, noun, file, line, ...(table ? { table } : {}) };
      this.live.set(key(kind, name), o);
      created.push(o);
    };
    for (const s of statements) {
      const n = s.node;
      const table = as(n, 'CreateStmt');
      if (table?.relation) {
        const name = qualify(qualifiedName(table.relation));
        put('relation', name, 'table', s.line);
        for (const elt of table.tableElts ?? []) {
          const col = as(elt, 'ColumnDef');
          if (col?.colname) put('column', `${name}.${col.colname}`, 'column', s.line);
        }
        continue;
      }
      const tableAs = as(n, 'CreateTableAsStmt');
      if (tableAs?.into?.rel) {
        const noun = tableAs.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table';
        put('relation', qualify(qualifiedName(tableAs.into.rel)), noun, s.line);
        continue;
      }
      const view = as(n, 'ViewStmt');
      if (view?.view) {
        put('relation', qualify(qualifiedName(view.view)), 'view', s.line);
        continue;
      }
      const seq = as(n, 'CreateSeqStmt');
      if (seq?.sequence) {
        put('relation', qualify(qualifiedName(seq.sequence)), 'sequence', s.line);
        continue;
      }
      const index = as(n, 'IndexStmt');
      if (index?.idxname) {
        const schema = index.relation?.schemaname ?? 'public';
        put('relation', `${schema}.${index.idxname}`, 'index', s.line, qualify(qualifiedName(index.relation)));
        continue;
      }
      const schema = as(n, 'CreateSchemaStmt');
      if (schema?.schemaname) {
        put('schema', schema.schemaname, 'schema', s.line);
        continue;
      }
      const enumType = as(n, 'CreateEnumStmt');
      if (enumType) {
        put('type', qualify(nameList(enumType.typeName).join('.')), 'type', s.line);
        continue;
      }
      const composite = as(n, 'CompositeTypeStmt');
      if (composite?.typevar) {
        put('type', qualify(qualifiedName(composite.typevar)), 'type', s.line);
        continue;
      }
      const alter = as(n, 'AlterTableStmt');
      if (alter?.relation && alter.objtype === 'OBJECT_TABLE') {
        const name = qualify(qualifiedName(alter.relation));
        for (const c of alter.cmds ?? []) {
          const cmd = as(c, 'AlterTableCmd');
          if (cmd?.subtype === 'AT_AddColumn') {
            const col = as(cmd.def, 'ColumnDef');
            if (col?.colname) put('column', `${name}.${col.colname}`, 'column', s.line);
          } else if (cmd?.subtype === 'AT_DropColumn' && cmd.name) {
            this.live.delete(key('column', `${name}.${cmd.name}`));
          }
        }
        continue;
      }
      const rename = as(n, 'RenameStmt');
      if (rename) {
        this.rename(
          rename.renameType ?? '',
          rename.relation ? qualifiedName(rename.relation) : '',
          rename.subname,
          rename.newname,
        );
        continue;
      }
      const drop = as(n, 'DropStmt');
      if (drop) this.drop(drop.removeType ?? '', (drop.objects ?? []).map(dottedName));
    }
    return created;
  }

  objects(): CreatedObject[] {
    return [...this.live.values()];
  }

  private rename(type: string, relation: string, from: string | undefined, to: string | undefined): void {
    if (!to) return;
    const table = qualify(relation);
    if (type === 'OBJECT_COLUMN' && from) {
      this.move(key('column', `${table}.${from}`), key('column', `${table}.${to}`), `${table}.${to}`);
    } else if (RELATION_DROPS[type] && relation) {
      const schema = table.split('.')[0]!;
      this.move(key('relation', table), key('relation', `${schema}.${to}`), `${schema}.${to}`);
      // The table's columns move with it.
      for (const [k, o] of [...this.live]) {
        if (o.kind === 'column' && o.name.startsWith(`${table}.`)) {
          this.live.delete(k);
          const name = `${schema}.${to}.${o.name.slice(table.length + 1)}`;
          this.live.set(key('column', name), { ...o, name });
        }
      }
    }
  }

  private move(fromKey: string, toKey: string, name: string): void {
    const o = this.live.get(fromKey);
    if (!o) return;
    this.live.delete(fromKey);
    this.live.set(toKey, { ...o, name });
  }

  private drop(type: string, names: string[]): void {
    for (const raw of names) {
      if (type === 'OBJECT_SCHEMA') {
        for (const [k, o] of [...this.live]) if (o.name === raw || o.name.startsWith(`${raw}.`)) this.live.delete(k);
        continue;
      }
      const name = qualify(raw);
      if (type === 'OBJECT_TYPE') this.live.delete(key('type', name));
      if (!RELATION_DROPS[type]) continue;
      this.live.delete(key('relation', name));
      for (const [k, o] of [...this.live])
        if ((o.kind === 'column' && o.name.startsWith(`${name}.`)) || o.table === name) this.live.delete(k);
    }
  }
}
