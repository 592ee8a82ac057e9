/**
 * The schema a rule example needs before it can run. Examples name objects that do not exist
 * (`ALTER TABLE users …`, `DROP TRIGGER sync_email ON users`); this reads the example's parse
 * tree and creates, empty, exactly what it references and does not create itself: tables with
 * the columns it names, and the indexes, constraints, triggers, policies, views, sequences,
 * types, functions, schemas and extensions it acts on. A few objects need a particular shape
 * (a partitioned table, a foreign key, a unique index); SHAPES spells those out.
 */
import type pg from 'pg';
import { parseSql, type ParsedStatement } from '../../src/core/sql/parse.js';
import { doSource, readPlpgsql } from '../../src/core/sql/plpgsql.js';
import { collect, tableOf, type Needs } from './fixture-references.js';

/** Roles examples grant to or own by; roles are server-wide, so the test creates them once. */
export const FIXTURE_ROLES = ['app', 'app_owner', 'reporting'];

const COLUMN_TYPES: Record<string, string> = {
  email: 'text',
  name: 'text',
  legacy: 'text',
  status: 'text',
  bio: 'text',
  email_lower: 'text',
  code: 'text',
  note: 'text',
  ref: 'text',
  Email: 'text',
  Legacy: 'text',
  Name: 'text',
  owner: 'text',
  other: 'text',
  token: 'uuid',
  active: 'boolean',
  created_at: 'timestamptz',
  expires_at: 'timestamptz',
  at: 'date',
  during: 'tstzrange',
  room: 'int4range',
};

/** Objects whose shape matters to the statement: created as written instead of generically. */
const SHAPES: Record<string, { sql: string; columns?: Record<string, string[]> }> = {
  'table:public.measurements': { sql: 'CREATE TABLE measurements (id int, at date) PARTITION BY RANGE (at)' },
  'table:public.measurements_2023': {
    sql: "CREATE TABLE measurements_2023 PARTITION OF measurements FOR VALUES FROM ('2023-01-01') TO ('2024-01-01')",
  },
  'table:public.measurements_2024': { sql: 'CREATE TABLE measurements_2024 (id int, at date)' },
  'table:Log.Events': { sql: 'CREATE UNLOGGED TABLE "Log"."Events" (id int PRIMARY KEY)' },
  'index:public.users_email_idx': {
    sql: 'CREATE UNIQUE INDEX users_email_idx ON users (email)',
    columns: { 'public.users': ['email'] },
  },
  'index:public.users_code_idx': {
    sql: 'CREATE UNIQUE INDEX users_code_idx ON users (code)',
    columns: { 'public.users': ['code'] },
  },
  'index:App.Users_id_idx': {
    sql: 'CREATE UNIQUE INDEX "Users_id_idx" ON "App"."Users" ("Id")',
    columns: { 'App.Users': ['Id'] },
  },
  'index:public.i': { sql: 'CREATE INDEX i ON t (a)', columns: { 'public.t': ['a'] } },
  'index:Shop.Orders_ref': {
    sql: 'CREATE INDEX "Orders_ref" ON "Shop".orders (ref)',
    columns: { 'Shop.orders': ['ref'] },
  },
  'index:Shop.old_idx': { sql: 'CREATE INDEX old_idx ON "Shop".orders (ref)', columns: { 'Shop.orders': ['ref'] } },
  'constraint:public.orders.orders_user_fk': {
    sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID',
    columns: { 'public.orders': ['user_id'], 'public.users': ['id'] },
  },
  'constraint:public.users.users_email_key': {
    sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)',
    columns: { 'public.users': ['email'] },
  },
  'matview:Reporting.daily': {
    sql: 'CREATE MATERIALIZED VIEW "Reporting".daily AS SELECT 1 AS n; CREATE UNIQUE INDEX daily_n ON "Reporting".daily (n)',
  },
  'view:public.active_users': { sql: "CREATE VIEW active_users AS SELECT 1 AS id, 'x'::text AS name" },
};

/** SQL that creates what `sql` needs, in dependency order. Reads the server's built-in functions. */
function doBlockStatements(s: ParsedStatement): ParsedStatement[] {
  const source = doSource(s);
  const code = source?.language === 'plpgsql' ? readPlpgsql(source, undefined) : undefined;
  if (!code || 'error' in code) return [];
  return code.statements.filter((c) => !c.expression).flatMap((c) => parseSql(c.sql, 'example.sql').statements);
}

export async function fixtureSetup(sql: string, db: pg.Client): Promise<string[]> {
  const needs: Needs = {
    tables: new Map(),
    objects: new Map(),
    schemas: new Set(),
    created: new Set(),
    addedColumns: new Set(),
    primaryKeyAdded: new Set(),
    notNull: new Set(),
    functionCalls: [],
  };
  for (const s of parseSql(sql, 'example.sql').statements) {
    collect(s.node, needs);
    // What a DO block's static statements reference is needed as much as what top-level ones do.
    for (const inner of doBlockStatements(s)) collect(inner.node, needs);
  }

  // Database-wide statements (ANALYZE, VACUUM FULL, CLUSTER) need a table to work on; CLUSTER one that was clustered before.
  const out: string[] = [
    'CREATE TABLE fixture_table (id int PRIMARY KEY)',
    'ALTER TABLE fixture_table CLUSTER ON fixture_table_pkey',
  ];
  for (const s of needs.schemas)
    if (s !== 'public' && !needs.created.has(`schema:${s}`)) out.push(`CREATE SCHEMA IF NOT EXISTS ${q(s)}`);

  const shaped = [...needs.objects.entries()].map(([key]) => SHAPES[key]).filter((x) => x !== undefined);
  for (const shape of shaped) {
    for (const [table, cols] of Object.entries(shape.columns ?? {})) {
      const [schema, name] = splitName(table);
      const t = tableOf(needs, schema, name);
      for (const c of cols) t.columns.add(c);
      if (cols.includes('id')) t.primaryKey = true;
    }
  }
  for (const t of needs.tables.values()) {
    if (t.schema !== 'public') out.push(`CREATE SCHEMA IF NOT EXISTS ${q(t.schema)}`);
    const shape = SHAPES[`table:${t.schema}.${t.name}`];
    if (shape) {
      out.push(shape.sql);
      continue;
    }
    const columns = [...t.columns].filter((c) => !needs.addedColumns.has(c));
    const pk = t.primaryKey && !needs.primaryKeyAdded.has(`${t.schema}.${t.name}`);
    const defs = columns.map(
      (c) =>
        `${q(c)} ${COLUMN_TYPES[c] ?? 'int'}${c === 'id' && pk ? ' PRIMARY KEY' : needs.notNull.has(c) ? ' NOT NULL' : ''}`,
    );
    if (pk && !columns.includes('id')) defs.unshift('id int PRIMARY KEY');
    // INSERT … VALUES (1) and SELECT * need a column to fill.
    if (defs.length === 0) defs.push('fixture_col int');
    out.push(`CREATE TABLE ${q(t.schema)}.${q(t.name)} (${defs.join(', ')})`);
    if (t.clustered) out.push(`ALTER TABLE ${q(t.schema)}.${q(t.name)} CLUSTER ON ${q(`${t.name}_pkey`)}`);
  }

  const order = [
    'extension',
    'type',
    'domain',
    'sequence',
    'function',
    'procedure',
    'view',
    'matview',
    'index',
    'constraint',
    'trigger',
    'policy',
  ];
  const objects = [...needs.objects.entries()].sort(([, a], [, b]) => order.indexOf(a.kind) - order.indexOf(b.kind));
  let noop = false;
  for (const [key, o] of objects) {
    if (key.startsWith('table:')) continue;
    if (o.schema !== 'public' && !needs.schemas.has(o.schema)) out.push(`CREATE SCHEMA IF NOT EXISTS ${q(o.schema)}`);
    const shape = SHAPES[key];
    if (shape) {
      out.push(shape.sql);
      continue;
    }
    const name = `${q(o.schema)}.${q(o.name)}`;
    const table = o.table ? `${q(o.schema)}.${q(o.table)}` : '';
    const args = (o.args ?? []).join(', ');
    if (o.kind === 'trigger' && !noop) {
      out.push('CREATE FUNCTION fixture_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$');
      noop = true;
    }
    const ddl: Record<string, string> = {
      extension: `CREATE EXTENSION IF NOT EXISTS ${q(o.name)}`,
      type: `CREATE TYPE ${name} AS ENUM ('a', 'new', 'paid', 'sad')`,
      domain: `CREATE DOMAIN ${name} AS text`,
      sequence: `CREATE SEQUENCE ${name}`,
      function: `CREATE FUNCTION ${name}(${args}) RETURNS int LANGUAGE sql AS 'SELECT 1'`,
      trigger_function: `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`,
      procedure: `CREATE PROCEDURE ${name}(${args}) LANGUAGE sql AS 'SELECT 1'`,
      view: `CREATE VIEW ${name} AS SELECT 1 AS id`,
      matview: `CREATE MATERIALIZED VIEW ${name} AS SELECT 1 AS id`,
      constraint: `ALTER TABLE ${table} ADD CONSTRAINT ${q(o.name)} CHECK (true) NOT VALID`,
      trigger: `CREATE TRIGGER ${q(o.name)} BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION fixture_noop()`,
      policy: `CREATE POLICY ${q(o.name)} ON ${table} USING (true)`,
    };
    const statement = ddl[o.kind];
    if (!statement) throw new Error(`no fixture for ${key}: add one to SHAPES`);
    out.push(statement);
  }

  for (const call of needs.functionCalls) {
    if (needs.objects.has(`function:${call.schema}.${call.name}`) || needs.created.has(`function:${call.name}`))
      continue;
    const { rows } = await db.query('SELECT 1 FROM pg_proc WHERE proname = $1', [call.name]);
    if (rows.length > 0) continue;
    const args = Array.from({ length: call.args }, () => 'int').join(', ');
    if (call.schema !== 'public') out.push(`CREATE SCHEMA IF NOT EXISTS ${q(call.schema)}`);
    out.push(
      `CREATE FUNCTION ${q(call.schema)}.${q(call.name)}(${args}) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$`,
    );
  }
  return out;
}

const q = (name: string): string => `"${name.replace(/"/g, '""')}"`;

function splitName(qualified: string): [string, string] {
  const dot = qualified.indexOf('.');
  return dot === -1 ? ['public', qualified] : [qualified.slice(0, dot), qualified.slice(dot + 1)];
}
