/**
 * Reading what manage.py prints. Pure: text in, data out. Only Django's own fixed markers are
 * matched (the `[X]` plan lines, the conflict sentence Django raises, the marker sqlmigrate prints
 * for operations it cannot write as SQL, psycopg's error class names), never free prose.
 */

export interface PlannedMigration {
  /** Django's app label (`shop`). */
  app: string;
  /** The migration's name (`0002_product_sku`). */
  name: string;
  /** `[X]` in showmigrations: the django_migrations table records it. */
  applied: boolean;
  /** `<app>.<name>` of its direct dependencies (needs `-v 2`). */
  dependencies: string[];
}

const PLAN_LINE = /^\[( |X|-)\]\s+([A-Za-z_][\w]*)\.(\S+?)(?: \.\.\. \((.*)\))?$/;

/** `manage.py showmigrations --plan -v 2`: every migration in the order Django applies them. */
export function parseShowMigrationsPlan(text: string): PlannedMigration[] {
  const out: PlannedMigration[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line.trim() === '') continue;
    const m = PLAN_LINE.exec(line);
    if (!m) throw new Error(`unexpected line in 'showmigrations --plan' output: ${JSON.stringify(line)}`);
    out.push({
      app: m[2]!,
      name: m[3]!,
      applied: m[1] !== ' ',
      dependencies: m[4]
        ? m[4]
            .split(', ')
            .map((d) => d.trim())
            .filter(Boolean)
        : [],
    });
  }
  return out;
}

export interface LeafConflict {
  app: string;
  /** Names of the app's leaf migrations: more than one means two branches each added one. */
  leaves: string[];
}

const CONFLICT_MARKER = 'Conflicting migrations detected; multiple leaf nodes in the migration graph: (';

/**
 * The CommandError `migrate --plan` raises before anything else when an app has more than one
 * leaf: `(0002_a, 0002_b in billing; 0003_x, 0003_y in shop).` Undefined when it is absent.
 */
export function parseConflicts(output: string): LeafConflict[] | undefined {
  const at = output.indexOf(CONFLICT_MARKER);
  if (at === -1) return undefined;
  const rest = output.slice(at + CONFLICT_MARKER.length);
  // Labels and migration names are Python identifiers: the first ')' closes the list.
  const body = rest.slice(0, rest.indexOf(')'));
  return body.split('; ').map((part) => {
    const split = part.lastIndexOf(' in ');
    return {
      app: part.slice(split + 4).trim(),
      leaves: part
        .slice(0, split)
        .split(', ')
        .map((n) => n.trim()),
    };
  });
}

const OPAQUE_MARKER = /^-- MIGRATION NOW PERFORMS OPERATION THAT CANNOT BE WRITTEN AS SQL:?$/;

/**
 * Operations sqlmigrate cannot show as SQL (RunPython prints `-- Raw Python operation` after the
 * marker): their descriptions, in order.
 */
export function opaqueOperations(sql: string): string[] {
  const lines = sql.split('\n').map((l) => l.trim());
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (!OPAQUE_MARKER.test(line)) return;
    const next = lines[i + 1] ?? '';
    out.push(next.startsWith('-- ') ? next.slice(3) : 'an operation without SQL');
  });
  return out;
}

/**
 * Whether a failed manage.py run died of lock_timeout (SQLSTATE 55P03): psycopg2 and psycopg 3
 * raise `…errors.LockNotAvailable`, and Django's traceback names that class.
 */
export function diedOfLockTimeout(output: string): boolean {
  return /\berrors\.LockNotAvailable\b/.test(output);
}

/** The line that says what went wrong: the last exception line of a traceback, else the last line. */
export function failureSummary(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  const exception = [...lines].reverse().find((l) => /^[A-Za-z_][\w.]*: /.test(l));
  return exception ?? lines[lines.length - 1] ?? 'no output';
}
