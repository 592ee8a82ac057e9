/**
 * Reading and writing latest_migrations.manifest at the repository root: the folder of the
 * config file, or the working directory when there is none (Config.baseDir).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readSources } from './snapshot.js';
import type { Config } from '../config/config.js';
import {
  compareManifest,
  manifestOf,
  MANIFEST_FILE,
  renderManifest,
  type ManifestDifference,
} from '../core/plan/manifest.js';

export interface ManifestStatus {
  /** Absolute path of the file. */
  path: string;
  /** The path as shown to the user and in annotations (relative to the working directory when possible). */
  shown: string;
  exists: boolean;
  /** The text the file should have. */
  expected: string;
  differences: ManifestDifference[];
}

export function manifestPath(config: Config, cwd = process.cwd()): { path: string; shown: string } {
  const abs = path.join(config.baseDir, MANIFEST_FILE);
  const rel = path.relative(cwd, abs);
  return { path: abs, shown: rel.startsWith('..') ? abs : rel };
}

/** Compares the file with the migration folders; changes nothing. */
export async function manifestStatus(config: Config, cwd = process.cwd()): Promise<ManifestStatus> {
  const where = manifestPath(config, cwd);
  const expected = manifestOf(await readSources(config));
  const text = await readFile(where.path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  const differences: ManifestDifference[] =
    text === undefined
      ? [{ app: '', message: `${where.shown} does not exist; create it with 'deployctl manifest' and commit it` }]
      : compareManifest(expected, text, where.shown);
  return { ...where, exists: text !== undefined, expected: renderManifest(expected), differences };
}

/** Writes the file when it differs; returns whether it changed. */
export async function writeManifest(
  config: Config,
  cwd = process.cwd(),
): Promise<ManifestStatus & { changed: boolean }> {
  const status = await manifestStatus(config, cwd);
  const current = status.exists ? await readFile(status.path, 'utf8') : undefined;
  const changed = current !== status.expected;
  if (changed) await writeFile(status.path, status.expected);
  return { ...status, changed };
}
