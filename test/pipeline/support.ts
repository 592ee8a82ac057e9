/**
 * A release project in a temporary folder: migrations, a deployctl.yaml using the `command`
 * driver (the "deployed" artifact is a line in a state file) and health checks that read it.
 */
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { testTmp } from '../support/db.js';

export interface Project {
  root: string;
  config: string;
  addMigration(file: string, sql: string): Promise<void>;
  /** The artifact the command driver deployed last. */
  deployed(): Promise<string>;
  /** Every deploy/rollback command run, in order (`deploy v2`, `rollback v1`). */
  driverLog(): Promise<string[]>;
}

export async function createProject(
  databaseUrl: string,
  opts: { deploySleepS?: number; healthSleepS?: number; bakeMs?: number; post?: string } = {},
): Promise<Project> {
  const root = await mkdtemp(path.join(testTmp(), 'deployctl-release-'));
  await mkdir(path.join(root, 'migrations'));
  const sleep = (s?: number): string => (s ? `sleep ${s}; ` : '');
  const config = [
    'database:',
    `  url: ${databaseUrl}`,
    'migrations:',
    '  - app: shop',
    '    dir: migrations',
    'lockTimeoutMs: 1000',
    'retry: { attempts: 10, minDelayMs: 100, maxDelayMs: 500 }',
    'rollout:',
    '  driver: command',
    `  deploy: '${sleep(opts.deploySleepS)}echo "$DEPLOYCTL_ARTIFACT" > state.txt; echo "deploy $DEPLOYCTL_ARTIFACT" >> driver.log'`,
    `  rollback: 'echo "$DEPLOYCTL_ARTIFACT" > state.txt; echo "rollback $DEPLOYCTL_ARTIFACT" >> driver.log'`,
    "  current: 'cat state.txt 2>/dev/null || true'",
    'health:',
    '  checks:',
    `    - command: '${sleep(opts.healthSleepS)}test -f state.txt && ! grep -q bad state.txt'`,
    '    - sql: select true',
    '  consecutive: 2',
    '  intervalMs: 50',
    '  deadlineMs: 3000',
    `  bakeMs: ${opts.bakeMs ?? 200}`,
    ...(opts.post ? [`post: ${opts.post}`] : []),
  ].join('\n');
  await writeFile(path.join(root, 'deployctl.yaml'), `${config}\n`);
  return {
    root,
    config: path.join(root, 'deployctl.yaml'),
    addMigration: (file, sql) => writeFile(path.join(root, 'migrations', file), sql),
    deployed: async () => (await readFile(path.join(root, 'state.txt'), 'utf8')).trim(),
    driverLog: async () =>
      (await readFile(path.join(root, 'driver.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
  };
}
