/**
 * A release project for the fault tests: SQL migrations, the command driver whose deploy and
 * rollback commands write the serving artifact to state.txt and can be held at a gate (they wait
 * while a file named `hold` exists, so a test can kill or cut deployctl mid-rollout), and a
 * health check that reads state.txt.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { testTmp } from '../support/db.js';

export interface FaultProject {
  root: string;
  config: string;
  add(file: string, sql: string): Promise<void>;
  /** Deploy and rollback commands wait while this is set. */
  hold(on: boolean): Promise<void>;
  deployed(): Promise<string>;
  /** Written by the deploy/rollback command when it starts waiting: its pid and process group. */
  waiting(): Promise<{ pid: number; pgid: number } | undefined>;
  args(...more: string[]): string[];
}

/**
 * The gate, for the first command after hold(true) only: announce pid and process group, then
 * wait while `hold` exists. It runs in a subshell, as a deploy tool's own child would, so it
 * outlives a shell that dies with deployctl.
 */
const GATE =
  '( if mkdir gate.claimed 2>/dev/null; then echo "$$ $(ps -o pgid= -p $$ | tr -d " ")" > waiting.txt; while [ -f hold ]; do sleep 0.05; done; fi; echo "$ARTIFACT" > state.txt )';

export async function faultProject(
  url: string,
  opts: { lockTimeoutMs?: number; retryAttempts?: number; extra?: string[] } = {},
): Promise<FaultProject> {
  const root = await mkdtemp(path.join(testTmp(), 'deployctl-fault-'));
  await mkdir(path.join(root, 'migrations'));
  const config = path.join(root, 'deployctl.yaml');
  const lines = [
    'database:',
    `  url: ${url}`,
    'migrations:',
    '  - app: shop',
    '    dir: migrations',
    `lockTimeoutMs: ${opts.lockTimeoutMs ?? 1000}`,
    `retry: { attempts: ${opts.retryAttempts ?? 3}, minDelayMs: 50, maxDelayMs: 200 }`,
    'rollout:',
    '  driver: command',
    `  deploy: '${GATE}'`,
    `  rollback: '${GATE}'`,
    "  current: 'cat state.txt 2>/dev/null || true'",
    'health:',
    '  checks:',
    `    - command: 'test -f state.txt'`,
    '  consecutive: 1',
    '  intervalMs: 20',
    '  deadlineMs: 3000',
    '  bakeMs: 0',
    ...(opts.extra ?? []),
  ];
  await writeFile(config, `${lines.join('\n')}\n`);
  return {
    root,
    config,
    add: (file, sql) => writeFile(path.join(root, 'migrations', file), sql),
    hold: async (on) => {
      if (!on) return rm(path.join(root, 'hold'), { force: true });
      await rm(path.join(root, 'gate.claimed'), { recursive: true, force: true });
      await rm(path.join(root, 'waiting.txt'), { force: true });
      await writeFile(path.join(root, 'hold'), '');
    },
    deployed: async () => (await readFile(path.join(root, 'state.txt'), 'utf8').catch(() => '')).trim(),
    waiting: async () => {
      const text = await readFile(path.join(root, 'waiting.txt'), 'utf8').catch(() => '');
      const [pid, pgid] = text.trim().split(/\s+/).map(Number);
      return pid && pgid ? { pid, pgid } : undefined;
    },
    args: (...more) => [...more, '--config', config],
  };
}

export { groupAlive } from '../../src/adapters/process/group.js';
