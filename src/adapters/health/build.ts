/** Turns the configured `health.checks` list into HealthCheck objects. */
import type { Clock } from '../../ports.js';
import { DeployctlError } from '../../errors.js';
import type { HealthCheck } from '../../ports.js';
import { CommandHealthCheck } from './command.js';
import type { HealthCheckConfig } from '../../config/health.js';
import { HttpHealthCheck } from './http.js';
import { SqlHealthCheck, type Queryable } from './sql.js';

export interface HealthBuildDeps {
  /** Needed only when a `sql` check is configured; the app's database, not a scratch one. */
  db?: Queryable;
  clock?: Clock;
  /** Folder `command` checks run in (the config file's folder). */
  cwd?: string;
  /** The version the rollout deployed (its `version` output), for http checks with `expectVersion`. */
  version?: string;
}

export function buildHealthChecks(config: HealthCheckConfig[], deps: HealthBuildDeps = {}): HealthCheck[] {
  return config.map((entry, index) => {
    const key = `health.checks[${index}]`;
    const kinds = (['http', 'sql', 'command'] as const).filter((k) => entry[k] !== undefined);
    if (kinds.length !== 1) {
      throw new DeployctlError(
        'CONFIG_INVALID',
        `${key} must set exactly one of http, sql, command (found ${kinds.length ? kinds.join(', ') : 'none'})`,
        {
          key,
          hint: 'e.g. `- http: { url: http://127.0.0.1:8080/healthz }` or `- sql: select true`',
        },
      );
    }
    if (entry.http) {
      if (entry.http.expectVersion && deps.version === undefined) {
        throw new DeployctlError(
          'CONFIG_INVALID',
          `${key}.http.expectVersion needs the deployed version, and the rollout reported none`,
          {
            key: `${key}.http.expectVersion`,
            hint: 'the pulumi driver reports it from the stack output `version`; other drivers do not: remove expectVersion',
          },
        );
      }
      return new HttpHealthCheck(entry.http, { clock: deps.clock, version: deps.version });
    }
    if (entry.sql !== undefined) {
      if (!deps.db)
        throw new DeployctlError('CONFIG_INVALID', `${key} is a sql check but no database is configured`, {
          key: 'database.url',
        });
      return new SqlHealthCheck(entry.sql, { db: deps.db, clock: deps.clock });
    }
    return new CommandHealthCheck(entry.command as string, { clock: deps.clock, cwd: deps.cwd });
  });
}
