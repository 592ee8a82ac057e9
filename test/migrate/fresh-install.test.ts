/**
 * A fresh database goes through `plan` and `migrate` with nothing blocked and nothing deferred,
 * applied in file order, and ends with exactly the schema `psql -f` of the same files gives.
 * The history is written in the style of real projects: tables first, their indexes, foreign
 * keys and constraints added later, backfills, a column dropped and re-added, a type changed,
 * functions, views and triggers redefined, an enum grown.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../support/cli.js';
import { createTestDatabase, migrationsDir, type TestDatabase } from '../support/db.js';

const run = promisify(execFile);

const HISTORY: Record<string, string> = {
  '0001_initial.sql': `CREATE TABLE accounts (
  id bigserial PRIMARY KEY,
  email varchar(120) NOT NULL,
  created_at timestamp NOT NULL DEFAULT now()
);
CREATE TABLE projects (id bigserial PRIMARY KEY, account_id bigint NOT NULL, name text NOT NULL);
CREATE TYPE project_state AS ENUM ('draft', 'live');`,
  '0002_indexes.sql': `CREATE UNIQUE INDEX accounts_email ON accounts (email);
CREATE INDEX projects_account ON projects (account_id);`,
  '0003_fk.sql': `ALTER TABLE projects ADD CONSTRAINT projects_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id);`,
  '0004_state.sql': `ALTER TABLE projects ADD COLUMN state project_state;
UPDATE projects SET state = 'draft';
ALTER TABLE projects ALTER COLUMN state SET NOT NULL;
ALTER TABLE projects ALTER COLUMN state SET DEFAULT 'draft';`,
  '0005_functions.sql': `CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.created_at := now(); RETURN NEW; END $$;
CREATE TRIGGER accounts_touch BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION touch();
CREATE VIEW live_projects AS SELECT id, name FROM projects WHERE state = 'live';`,
  '0006_email_type.sql': `ALTER TABLE accounts ALTER COLUMN email TYPE text;
ALTER TABLE accounts ADD CONSTRAINT accounts_email_lower CHECK (email = lower(email));`,
  '0007_legacy.sql': `ALTER TABLE projects ADD COLUMN legacy_code text;
UPDATE projects SET legacy_code = 'p' || id WHERE legacy_code IS NULL;
CREATE INDEX projects_legacy ON projects (legacy_code);`,
  '0008_redefine.sql': `DROP VIEW live_projects;
CREATE VIEW live_projects AS SELECT id, name, account_id FROM projects WHERE state = 'live';
DROP TRIGGER accounts_touch ON accounts;
CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.created_at := coalesce(NEW.created_at, now()); RETURN NEW; END $$;
CREATE TRIGGER accounts_touch BEFORE INSERT OR UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch();`,
  '0009_drop_legacy.sql': `DROP INDEX projects_legacy;
ALTER TABLE projects DROP COLUMN legacy_code;
ALTER TABLE projects ADD COLUMN legacy_code bigint;`,
  '0010_more_states.sql': `ALTER TYPE project_state ADD VALUE 'archived';
CREATE TABLE audit (id bigserial PRIMARY KEY, project_id bigint REFERENCES projects (id), at timestamptz DEFAULT now());
INSERT INTO audit (project_id) SELECT id FROM projects;
DROP TABLE audit;`,
};

let deployed: TestDatabase;
let reference: TestDatabase;
beforeEach(async () => {
  deployed = await createTestDatabase('fresh');
  reference = await createTestDatabase('psql');
});
afterEach(async () => {
  await Promise.all([deployed.drop(), reference.drop()]);
});

/** The user schema as pg_dump prints it (deployctl's own ledger schema left out). */
async function schemaOf(url: string): Promise<string> {
  const { stdout } = await run('pg_dump', ['--schema-only', '--no-owner', '--exclude-schema=deployctl', url]);
  // \restrict lines carry a random key per dump.
  return stdout.replace(/^(--|\\(un)?restrict ).*$/gm, '').replace(/\n{2,}/g, '\n');
}

it('plans nothing blocked or deferred on a fresh database and ends with the schema psql -f gives', async () => {
  const dir = await migrationsDir(HISTORY);
  const plan = await runCli(['plan', '--dir', dir, '--database-url', deployed.url, '--json']);
  const doc = JSON.parse(plan.stdout) as { ok: boolean; stages: Record<string, string[]>; problems: unknown[] };
  expect(doc.problems).toEqual([]);
  expect(doc.stages).toEqual({
    pre: Object.keys(HISTORY).map((f) => `migrations/${f.slice(0, -4)}`),
    post: [],
    blocked: [],
  });
  expect(plan.code).toBe(0);

  const pre = await runCli(['migrate', '--phase', 'pre', '--dir', dir, '--database-url', deployed.url]);
  expect(pre.code).toBe(0);
  const applied = [...pre.stderr.matchAll(/applied (migrations\/\S+)/g)].map((m) => m[1]);
  expect(applied).toEqual(doc.stages.pre);
  const post = await runCli(['migrate', '--phase', 'post', '--dir', dir, '--database-url', deployed.url]);
  expect(post.code).toBe(0);
  expect(post.stderr).not.toContain('applied ');

  for (const f of (await readdir(dir)).sort())
    await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', reference.url, '-f', path.join(dir, f)]);
  expect(await schemaOf(deployed.url)).toBe(await schemaOf(reference.url));
});

it('on a database where the tables hold the app, the same history is judged as a live one', async () => {
  const dir = await migrationsDir(Object.fromEntries(Object.entries(HISTORY).slice(0, 5)));
  expect((await runCli(['migrate', '--phase', 'pre', '--dir', dir, '--database-url', deployed.url])).code).toBe(0);
  await deployed.sql(
    "INSERT INTO accounts (email) SELECT 'u' || g || '@x' FROM generate_series(1, 50000) g; ANALYZE accounts;",
  );
  const later = await migrationsDir(HISTORY);
  const plan = await runCli(['plan', '--dir', later, '--database-url', deployed.url, '--json']);
  const doc = JSON.parse(plan.stdout) as { stages: Record<string, string[]> };
  expect(plan.code).toBe(1);
  // The type change of a 50,000-row table rewrites it under ACCESS EXCLUSIVE.
  expect(doc.stages.blocked).toContain('migrations/0006_email_type');
});
