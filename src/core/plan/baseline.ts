/**
 * A baseline is named after the last migration it replaces: `<through-id>_baseline.sql`. That
 * name sorts right after `<through-id>` and before the next migration, so on a new database it
 * runs exactly where the squashed migrations would have; and on a database whose ledger has
 * `<through-id>` applied it counts as applied without running (the planner asks
 * `baselineStatus`). Pure.
 */

const SUFFIX = '_baseline';

export function baselineId(throughId: string): string {
  return `${throughId}${SUFFIX}`;
}

/** The id a baseline replaces migrations through, or undefined when `id` is not a baseline's. */
export function baselineThrough(id: string): string | undefined {
  if (!id.endsWith(SUFFIX)) return undefined;
  const through = id.slice(0, -SUFFIX.length);
  // A migration id is `<prefix>_<name>`; `0007_baseline` alone names no earlier migration.
  return through.includes('_') ? through : undefined;
}

/**
 * For a pending migration `id` of an app whose applied ids are `appliedIds`:
 * 'covered' — it is a baseline and the database already has what it replaces (do not run it);
 * 'partial' — it is a baseline and the database has only part of what it replaces (running it
 * would fail; the rest must be applied first); undefined — not a baseline, or a new database.
 */
export function baselineStatus(id: string, appliedIds: readonly string[]): 'covered' | 'partial' | undefined {
  const through = baselineThrough(id);
  if (!through) return undefined;
  if (appliedIds.includes(through)) return 'covered';
  if (appliedIds.some((a) => a < through)) return 'partial';
  return undefined;
}

export function partialBaselineMessage(file: string, id: string, lastApplied: string | undefined): string {
  const through = baselineThrough(id) ?? id;
  return (
    `${file} is a baseline of the migrations through ${through}, but this database has only some of them (latest applied: ${lastApplied ?? 'none'}). ` +
    `Deploy a release that still has the squashed migrations (they are in the squashed/ folder) to this database first, then this one.`
  );
}
