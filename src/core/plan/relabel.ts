/**
 * The ledger knows a migration by its app label and id. A folder read under a label the ledger
 * has never seen (`--dir other/place` is labelled `place`) whose files the ledger records as
 * applied under another label, with the same names and checksums, is almost certainly the same
 * source relabelled: planned as it is, every one of those files would run a second time.
 */
import type { MigrationFile } from '../migration.js';
import type { AppliedMigration } from './build.js';

/** How many ids a warning quotes before counting the rest. */
const QUOTED_IDS = 3;

export function relabelWarnings(
  sources: readonly { app: string; files: readonly MigrationFile[] }[],
  applied: readonly AppliedMigration[],
): string[] {
  const known = new Set(applied.map((a) => a.app));
  const byFile = new Map<string, AppliedMigration[]>();
  for (const a of applied) byFile.set(`${a.id}\0${a.checksum}`, [...(byFile.get(`${a.id}\0${a.checksum}`) ?? []), a]);
  const warnings: string[] = [];
  for (const source of sources) {
    if (known.has(source.app)) continue;
    const elsewhere = new Map<string, string[]>();
    for (const f of source.files)
      for (const a of byFile.get(`${f.id}\0${f.checksum}`) ?? [])
        elsewhere.set(a.app, [...(elsewhere.get(a.app) ?? []), f.id]);
    for (const [label, ids] of elsewhere) {
      const quoted =
        ids.slice(0, QUOTED_IDS).join(', ') + (ids.length > QUOTED_IDS ? ` and ${ids.length - QUOTED_IDS} more` : '');
      warnings.push(
        `the migrations labelled '${source.app}' look applied already under the label '${label}' (${quoted}: same file names and checksums); under '${source.app}' they would run again. Use the label '${label}': pass --dir the folder configured for '${label}' in deployctl.yaml, or set app: ${label}`,
      );
    }
  }
  return warnings;
}
