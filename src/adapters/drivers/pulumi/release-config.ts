/**
 * The stack configuration of one update, kept out of the working tree. Every release changes the
 * image; writing it into the checked-out `Pulumi.<stack>.yaml` would make a `pulumi up` from an
 * older checkout redeploy an older image, and a preview would have to rewrite and restore the
 * file. Instead the driver copies the stack's config file (secrets stay encrypted, the secrets
 * provider settings come along) into a private temporary folder, sets the release's values there
 * and passes that file to the CLI (`--config-file`).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { DeployctlError } from '../../../errors.js';

export interface ReleaseConfigFile {
  /** Absolute path of the temporary `Pulumi.<stack>.yaml`. */
  path: string;
  /** Deletes the file and its folder; safe to call twice. */
  remove(): Promise<void>;
}

export interface ReleaseConfigOptions {
  /** Folder holding Pulumi.yaml. */
  workDir: string;
  /** As given to the CLI: `prod` or `org/project/prod`. */
  stackName: string;
  /** Config values to set; keys without a namespace belong to the project (`image` → `<project>:image`). */
  values: Record<string, string>;
}

export async function writeReleaseConfig(options: ReleaseConfigOptions): Promise<ReleaseConfigFile> {
  const project = await readYaml(path.join(options.workDir, 'Pulumi.yaml'), 'rollout.workDir');
  const projectName = project?.get('name');
  if (typeof projectName !== 'string' || projectName === '') {
    throw new DeployctlError('CONFIG_INVALID', `${path.join(options.workDir, 'Pulumi.yaml')} has no project name`, {
      key: 'rollout.workDir',
      file: path.join(options.workDir, 'Pulumi.yaml'),
      hint: 'Pulumi.yaml starts with `name: <project>`',
    });
  }
  const configDir = project?.get('stackConfigDir');
  const shortName = options.stackName.split('/').pop() ?? options.stackName;
  const fileName = `Pulumi.${shortName}.yaml`;
  const stackFile = path.join(options.workDir, typeof configDir === 'string' ? configDir : '', fileName);
  const document = (await readYaml(stackFile, 'rollout.stack')) ?? new YAML.Document({ config: {} });
  for (const [key, value] of Object.entries(options.values)) {
    document.setIn(['config', key.includes(':') ? key : `${projectName}:${key}`], value);
  }

  const folder = await mkdtemp(path.join(os.tmpdir(), 'deployctl-pulumi-'));
  const file = path.join(folder, fileName);
  const remove = (): Promise<void> => rm(folder, { recursive: true, force: true });
  try {
    await writeFile(file, document.toString(), { mode: 0o600 });
  } catch (e) {
    await remove();
    throw e;
  }
  return { path: file, remove };
}

/** The parsed file, or undefined when it does not exist; a file that is not YAML names itself. */
async function readYaml(file: string, key: string): Promise<YAML.Document | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return undefined;
    throw e;
  }
  const document = YAML.parseDocument(text);
  const problem = document.errors[0];
  if (problem) {
    throw new DeployctlError('CONFIG_INVALID', `${file} is not valid YAML: ${problem.message}`, {
      key,
      file,
      line: problem.linePos?.[0].line,
      hint: 'fix the file so `pulumi config --stack <stack>` can read it',
    });
  }
  return document;
}
