/**
 * `deployctl init`: detects the project's migrations and writes deployctl.yaml (and with
 * `ci: 'github'` two workflows). A file that exists is left alone unless `force` is set; then
 * nothing at all is written, so a refused init changes nothing.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DeployctlError } from '../../errors.js';
import { detectSources, type Detected } from './detect.js';
import { configText, deployWorkflow, pullRequestWorkflow } from './templates.js';

export interface InitOptions {
  root: string;
  ci?: 'github';
  force?: boolean;
}

export interface InitResult {
  detected: Detected[];
  /** Relative to root, in the order written. */
  written: string[];
}

export async function initCommand(options: InitOptions): Promise<InitResult> {
  const root = path.resolve(options.root);
  if (!(await stat(root).catch(() => undefined))?.isDirectory())
    throw new DeployctlError('USAGE', `${options.root} is not a folder`);
  const detected = await detectSources(root);
  const files: [string, string][] = [['deployctl.yaml', configText(detected)]];
  if (options.ci === 'github')
    files.push(
      ['.github/workflows/deployctl-check.yml', pullRequestWorkflow()],
      ['.github/workflows/deployctl-release.yml', deployWorkflow()],
    );
  if (!options.force) {
    const existing: string[] = [];
    for (const [rel] of files) if (await stat(path.join(root, rel)).catch(() => undefined)) existing.push(rel);
    if (existing.length)
      throw new DeployctlError(
        'USAGE',
        `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written. Pass --force to overwrite.`,
        { file: existing[0] },
      );
  }
  for (const [rel, text] of files) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
  return { detected, written: files.map(([rel]) => rel) };
}
