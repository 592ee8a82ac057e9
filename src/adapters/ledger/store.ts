/**
 * LedgerStore is the only code that writes deployctl's own tables. Every write is parameterised;
 * the schema name is the one identifier interpolated, always quoted.
 */
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import { DeployctlError } from '../../errors.js';
import type { Db } from '../../ports.js';
import type { AppliedMigration } from '../../core/plan/build.js';
import { quoteIdent } from '../../core/sql/identifiers.js';
import { redactDeep, redactSecrets } from '../postgres/url.js';
import { checkLedgerSchema } from '../../config/config.js';

export type ReleaseStatus = 'running' | 'succeeded' | 'failed' | 'rolled_back' | 'aborted';

export interface ReleaseRow {
  id: number;
  artifact: string;
  previousArtifact: string | null;
  status: ReleaseStatus;
  stage: string;
  postPolicy: string;
  startedAt: Date;
  finishedAt: Date | null;
  host: string;
  pid: number;
  error: string | null;
  rolledBackBy: number | null;
}

export interface ReleaseEvent {
  id: number;
  releaseId: number;
  at: Date;
  stage: string;
  kind: 'start' | 'end' | 'fail' | 'health' | 'info';
  durationMs: number | null;
  detail: Record<string, unknown>;
}

const DDL_DIR = new URL('./ddl/', import.meta.url);

export class LedgerStore {
  readonly schema: string;
  private readonly q: string;

  constructor(
    readonly db: Db,
    schema = 'deployctl',
  ) {
    checkLedgerSchema(schema, 'schema');
    this.schema = schema;
    this.q = quoteIdent(schema);
  }

  /** `"schema".table`, for the few read-only queries that live beside their callers. */
  qualified(table: 'release' | 'migration' | 'release_event' | 'deferred_migration' | 'migrate_session'): string {
    return `${this.q}.${table}`;
  }

  async exists(): Promise<boolean> {
    const r = await this.db.query('SELECT to_regclass($1) IS NOT NULL AS ok', [`${this.q}.migration`]);
    return r.rows[0].ok as boolean;
  }

  /**
   * Brings the ledger's own schema to the newest version, one checked-in DDL file per version,
   * each in its own transaction with its version row. Safe to call on every run and from
   * concurrent processes (a transaction-level advisory lock serialises upgrades).
   */
  async upgrade(): Promise<number> {
    const files = (await readdir(DDL_DIR)).filter((f) => /^\d{3}_.*\.sql$/.test(f)).sort();
    await this.ensureSchema();
    let current = 0;
    for (const file of files) {
      const version = Number(file.slice(0, 3));
      await this.db.query('BEGIN');
      try {
        await this.db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`deployctl-ledger:${this.schema}`]);
        const done = await this.db.query(`SELECT 1 FROM ${this.q}.ledger_version WHERE version = $1`, [version]);
        if (done.rowCount === 0) {
          const ddl = (await readFile(new URL(file, DDL_DIR), 'utf8')).replaceAll('__schema__', this.q);
          await this.db.query(ddl);
          await this.db.query(`INSERT INTO ${this.q}.ledger_version (version) VALUES ($1)`, [version]);
        }
        await this.db.query('COMMIT');
      } catch (e) {
        await this.db.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
      current = version;
    }
    return current;
  }

  /**
   * Creates the ledger schema and its version table only when they are missing: PostgreSQL checks
   * CREATE on the database for `CREATE SCHEMA IF NOT EXISTS` (and CREATE on the schema for
   * `CREATE TABLE IF NOT EXISTS`) before it looks whether the object exists, so a role that an
   * admin gave its own schema, without CREATE on the database, could otherwise never run.
   */
  private async ensureSchema(): Promise<void> {
    const schema = await this.db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
    if (schema.rowCount === 0) {
      await this.privileged(`CREATE SCHEMA IF NOT EXISTS ${this.q}`, `CREATE on database ${await this.databaseName()}`);
    }
    if (
      (await this.db.query('SELECT to_regclass($1) IS NULL AS missing', [`${this.q}.ledger_version`])).rows[0].missing
    ) {
      await this.privileged(
        `CREATE TABLE IF NOT EXISTS ${this.q}.ledger_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
        `CREATE on schema ${this.schema}`,
      );
    }
  }

  /** Runs DDL whose failure for lack of a privilege (42501) says which privilege and how to grant it. */
  private async privileged(sql: string, privilege: string): Promise<void> {
    try {
      await this.db.query(sql);
    } catch (e) {
      if ((e as { code?: string }).code !== '42501') throw e;
      const role = (await this.db.query('SELECT current_user AS u')).rows[0].u as string;
      throw new DeployctlError(
        'DB_PRIVILEGE',
        `the database role ${role} lacks ${privilege}, which the ledger schema '${this.schema}' needs. ` +
          `Either grant it, or have an admin create the schema for this role: CREATE SCHEMA ${this.q} AUTHORIZATION ${quoteIdent(role)}`,
        { cause: e },
      );
    }
  }

  private async databaseName(): Promise<string> {
    return (await this.db.query('SELECT current_database() AS d')).rows[0].d as string;
  }

  async applied(): Promise<AppliedMigration[]> {
    if (!(await this.exists())) return [];
    const r = await this.db.query(
      `SELECT app, id, checksum, phase, applied_at, release_id FROM ${this.q}.migration ORDER BY app, id`,
    );
    return r.rows.map(toApplied);
  }

  async isApplied(app: string, id: string): Promise<boolean> {
    const r = await this.db.query(`SELECT 1 FROM ${this.q}.migration WHERE app = $1 AND id = $2`, [app, id]);
    return (r.rowCount ?? 0) > 0;
  }

  /** Records an applied migration. The executor calls it inside the migration's own transaction. */
  async recordApplied(
    db: Db,
    m: {
      app: string;
      id: string;
      checksum: string;
      phase: string;
      durationMs: number;
      releaseId: number | null;
      attempts: number;
    },
  ): Promise<void> {
    await db.query(
      `INSERT INTO ${this.q}.migration (app, id, checksum, phase, duration_ms, release_id, attempts) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [m.app, m.id, m.checksum, m.phase, Math.max(0, Math.round(m.durationMs)), m.releaseId, m.attempts],
    );
  }

  async forgetApplied(app: string, id: string): Promise<void> {
    await this.db.query(`DELETE FROM ${this.q}.migration WHERE app = $1 AND id = $2`, [app, id]);
  }

  async createRelease(r: { artifact: string; previousArtifact: string | null; postPolicy: string }): Promise<number> {
    try {
      const res = await this.db.query(
        `INSERT INTO ${this.q}.release (artifact, previous_artifact, post_policy, host, pid) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [r.artifact, r.previousArtifact, r.postPolicy, os.hostname(), process.pid],
      );
      return Number(res.rows[0].id);
    } catch (e) {
      if ((e as { code?: string }).code === '23505') {
        const running = await this.unfinishedRelease();
        throw unfinished(running);
      }
      throw e;
    }
  }

  async unfinishedRelease(): Promise<ReleaseRow | undefined> {
    if (!(await this.exists())) return undefined;
    const r = await this.db.query(`SELECT * FROM ${this.q}.release WHERE status = 'running' ORDER BY id DESC LIMIT 1`);
    return r.rows[0] ? toRelease(r.rows[0]) : undefined;
  }

  async release(id: number): Promise<ReleaseRow | undefined> {
    const r = await this.db.query(`SELECT * FROM ${this.q}.release WHERE id = $1`, [id]);
    return r.rows[0] ? toRelease(r.rows[0]) : undefined;
  }

  async releases(limit = 20): Promise<ReleaseRow[]> {
    if (!(await this.exists())) return [];
    const r = await this.db.query(`SELECT * FROM ${this.q}.release ORDER BY id DESC LIMIT $1`, [limit]);
    return r.rows.map(toRelease);
  }

  /** The artifact serving now according to the ledger: the newest release that ended succeeded. */
  async currentArtifact(): Promise<string | undefined> {
    if (!(await this.exists())) return undefined;
    const r = await this.db.query(
      // A release that failed after its rollout was verified still left its artifact serving.
      `SELECT artifact FROM ${this.q}.release
        WHERE rolled_back_by IS NULL AND (status = 'succeeded' OR (status = 'failed' AND stage IN ('verify:rollout', 'migrate:post', 'verify:post')))
        ORDER BY id DESC LIMIT 1`,
    );
    return r.rows[0]?.artifact;
  }

  async setStage(id: number, stage: string): Promise<void> {
    await this.db.query(`UPDATE ${this.q}.release SET stage = $2 WHERE id = $1`, [id, stage]);
  }

  async finishRelease(id: number, status: Exclude<ReleaseStatus, 'running'>, error?: string): Promise<void> {
    await this.db.query(`UPDATE ${this.q}.release SET status = $2, finished_at = now(), error = $3 WHERE id = $1`, [
      id,
      status,
      error === undefined ? null : redactSecrets(error),
    ]);
  }

  async markRolledBack(id: number, by: number): Promise<void> {
    await this.db.query(`UPDATE ${this.q}.release SET rolled_back_by = $2 WHERE id = $1`, [id, by]);
  }

  async addEvent(e: {
    releaseId: number;
    stage: string;
    kind: ReleaseEvent['kind'];
    durationMs?: number;
    detail?: Record<string, unknown>;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.q}.release_event (release_id, stage, kind, duration_ms, detail) VALUES ($1, $2, $3, $4, $5)`,
      [
        e.releaseId,
        e.stage,
        e.kind,
        e.durationMs === undefined ? null : Math.round(e.durationMs),
        JSON.stringify(redactDeep(e.detail ?? {})),
      ],
    );
  }

  /** `app/id` of the post migrations an earlier release left for the next one (`--defer-post`, `post: next-release`). */
  async deferredPost(): Promise<string[]> {
    const r = await this.db.query(
      `SELECT jsonb_array_elements_text(detail->'deferred') AS key FROM ${this.q}.release_event WHERE stage = 'migrate:post' AND kind = 'end' AND detail ? 'deferred'
       UNION SELECT app || '/' || id FROM ${this.q}.deferred_migration WHERE reason = 'next-release'`,
    );
    return r.rows.map((row) => row.key as string);
  }

  /**
   * Records pending migrations (`app/id`) that are kept back on purpose while later ones run:
   * `staged` (a post migration waiting for the rollout while a later pre one is applied) or
   * `next-release`. The order guard accepts them.
   */
  async recordDeferred(keys: string[], reason: 'staged' | 'next-release', releaseId: number | null): Promise<void> {
    for (const key of keys) {
      const slash = key.indexOf('/');
      await this.db.query(
        `INSERT INTO ${this.q}.deferred_migration (app, id, reason, release_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (app, id) DO UPDATE SET reason = EXCLUDED.reason, release_id = EXCLUDED.release_id, recorded_at = now()`,
        [key.slice(0, slash), key.slice(slash + 1), reason, releaseId],
      );
    }
  }

  /** Every migration recorded as deferred (`app/id` → why), for the order guard. */
  async deferred(): Promise<Map<string, 'staged' | 'next-release'>> {
    if (!(await this.exists())) return new Map();
    const r = await this.db.query(`SELECT app, id, reason FROM ${this.q}.deferred_migration`);
    const out = new Map(r.rows.map((row) => [`${row.app}/${row.id}`, row.reason as 'staged' | 'next-release']));
    for (const key of await this.deferredPost()) out.set(key, 'next-release');
    return out;
  }

  /** The process group of the deploy/rollback command now running for a release (null: none). */
  async setCommandGroup(releaseId: number, pgid: number | null): Promise<void> {
    await this.db.query(`UPDATE ${this.q}.release SET command_pgid = $2, command_host = $3 WHERE id = $1`, [
      releaseId,
      pgid,
      pgid === null ? null : os.hostname(),
    ]);
  }

  async commandGroup(releaseId: number): Promise<{ pgid: number; host: string } | undefined> {
    const r = await this.db.query(`SELECT command_pgid, command_host FROM ${this.q}.release WHERE id = $1`, [
      releaseId,
    ]);
    const row = r.rows[0];
    return row?.command_pgid ? { pgid: Number(row.command_pgid), host: row.command_host as string } : undefined;
  }

  /** Records the server session of `db` as one that runs migrations (see migrate_session). */
  async recordSession(db: Db, releaseId: number | null): Promise<void> {
    await db.query(
      `INSERT INTO ${this.q}.migrate_session (pid, backend_start, release_id, host, client_pid)
       SELECT pid, backend_start, $1, $2, $3 FROM pg_stat_activity WHERE pid = pg_backend_pid()
       ON CONFLICT DO NOTHING`,
      [releaseId, os.hostname(), process.pid],
    );
  }

  async forgetSession(db: Db): Promise<void> {
    await db.query(
      `DELETE FROM ${this.q}.migrate_session s USING pg_stat_activity a WHERE a.pid = pg_backend_pid() AND s.pid = a.pid AND s.backend_start = a.backend_start`,
    );
  }

  /**
   * Ends every recorded migration session that still runs (its client is gone: the caller holds
   * the release lock) and forgets the recorded ones. Returns what was ended.
   */
  async endLeftoverSessions(): Promise<{ pid: number; host: string; clientPid: number; query: string }[]> {
    if (!(await this.exists())) return [];
    const r = await this.db.query(
      `SELECT s.pid, s.host, s.client_pid, a.query, pg_terminate_backend(s.pid) AS ended
         FROM ${this.q}.migrate_session s JOIN pg_stat_activity a ON a.pid = s.pid AND a.backend_start = s.backend_start
        WHERE s.pid <> pg_backend_pid()`,
    );
    await this.db.query(
      `DELETE FROM ${this.q}.migrate_session s WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = s.pid AND a.backend_start = s.backend_start) OR s.pid = ANY($1::int[])`,
      [r.rows.map((row) => row.pid)],
    );
    return r.rows.map((row) => ({
      pid: Number(row.pid),
      host: row.host as string,
      clientPid: Number(row.client_pid),
      query: String(row.query ?? ''),
    }));
  }

  async events(releaseId: number): Promise<ReleaseEvent[]> {
    const r = await this.db.query(`SELECT * FROM ${this.q}.release_event WHERE release_id = $1 ORDER BY id`, [
      releaseId,
    ]);
    return r.rows.map((row) => ({
      id: Number(row.id),
      releaseId: Number(row.release_id),
      at: row.at,
      stage: row.stage,
      kind: row.kind,
      durationMs: row.duration_ms,
      detail: row.detail,
    }));
  }

  /** Migrations a release applied, with their phase, in the order they ran. */
  async migrationsOf(releaseId: number): Promise<AppliedMigration[]> {
    const r = await this.db.query(
      `SELECT app, id, checksum, phase, applied_at, release_id FROM ${this.q}.migration WHERE release_id = $1 ORDER BY applied_at, app, id`,
      [releaseId],
    );
    return r.rows.map(toApplied);
  }
}

export function unfinished(running: ReleaseRow | undefined): DeployctlError {
  const what = running
    ? `release ${running.id} (artifact ${running.artifact}, started ${running.startedAt.toISOString()} on ${running.host}, last completed stage: ${running.stage})`
    : 'a release';
  return new DeployctlError(
    'RELEASE_IN_PROGRESS',
    `${what} did not finish. Continue it with 'deployctl release --resume' or give it up with 'deployctl release --abort'.`,
  );
}

function toApplied(row: Record<string, unknown>): AppliedMigration {
  return {
    app: row.app as string,
    id: row.id as string,
    checksum: row.checksum as string,
    phase: row.phase as string,
    appliedAt: row.applied_at as Date,
    releaseId: row.release_id === null ? null : Number(row.release_id),
  };
}

function toRelease(row: Record<string, unknown>): ReleaseRow {
  return {
    id: Number(row.id),
    artifact: row.artifact as string,
    previousArtifact: (row.previous_artifact as string | null) ?? null,
    status: row.status as ReleaseStatus,
    stage: row.stage as string,
    postPolicy: row.post_policy as string,
    startedAt: row.started_at as Date,
    finishedAt: (row.finished_at as Date | null) ?? null,
    host: row.host as string,
    pid: Number(row.pid),
    error: (row.error as string | null) ?? null,
    rolledBackBy: row.rolled_back_by === null ? null : Number(row.rolled_back_by),
  };
}
