/** A small release project for the guarantee tests: one migration, the command driver, given health checks. */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { testTmp } from '../support/db.js';

export async function project(lines: string[]): Promise<{ root: string; config: string }> {
  const root = await mkdtemp(path.join(testTmp(), 'deployctl-guarantee-'));
  await mkdir(path.join(root, 'migrations'));
  await writeFile(path.join(root, 'migrations', '0001_t.sql'), 'CREATE TABLE t (id bigint PRIMARY KEY);\n');
  const config = path.join(root, 'deployctl.yaml');
  await writeFile(config, `${lines.join('\n')}\n`);
  return { root, config };
}

export const COMMAND_ROLLOUT = [
  'rollout:',
  '  driver: command',
  `  deploy: 'echo "$ARTIFACT" > state.txt'`,
  "  current: 'cat state.txt 2>/dev/null || true'",
];
