/**
 * `latest_migrations.manifest`: one line per app, `app: latest_id`, sorted by app. Committed at the
 * repository root, it turns "two branches each added a migration" into a merge conflict on this
 * file — at merge time, in the pull request — instead of a broken deploy. Pure text in, text out;
 * reading and writing the file is in ./file.ts.
 */
import type { MigrationFile } from '../migration.js';

export const MANIFEST_FILE = 'latest_migrations.manifest';

/** app → the id of its newest migration. Apps without migrations are left out. */
export type Manifest = Map<string, string>;

export function manifestOf(sources: { app: string; files: MigrationFile[] }[]): Manifest {
  const out: Manifest = new Map();
  for (const { app, files } of [...sources].sort((a, b) => cmp(a.app, b.app))) {
    const latest = files
      .map((f) => f.id)
      .sort(cmp)
      .pop();
    if (latest) out.set(app, latest);
  }
  return out;
}

export function renderManifest(m: Manifest): string {
  return [...m.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([app, id]) => `${app}: ${id}\n`)
    .join('');
}

export interface ManifestLine {
  app: string;
  id: string;
  /** 1-based line in the file, for annotations. */
  line: number;
}

/** Parses the file's text; blank lines and `#` comments are ignored, anything else malformed is reported. */
export function parseManifest(text: string): { lines: ManifestLine[]; malformed: { line: number; text: string }[] } {
  const lines: ManifestLine[] = [];
  const malformed: { line: number; text: string }[] = [];
  text.split('\n').forEach((raw, i) => {
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) return;
    const at = t.indexOf(':');
    const app = at > 0 ? t.slice(0, at).trim() : '';
    const id = at > 0 ? t.slice(at + 1).trim() : '';
    if (!app || !id) malformed.push({ line: i + 1, text: raw });
    else lines.push({ app, id, line: i + 1 });
  });
  return { lines, malformed };
}

export interface ManifestDifference {
  app: string;
  /** What the file says (undefined: the app has no line). */
  recorded?: string;
  /** What the migration folders say (undefined: the app has no migrations, or is not configured). */
  actual?: string;
  /** The file's line for this app, when it has one. */
  line?: number;
  message: string;
}

/** How the file's text differs from the manifest the migration folders give. */
export function compareManifest(expected: Manifest, text: string, file = MANIFEST_FILE): ManifestDifference[] {
  const { lines, malformed } = parseManifest(text);
  const out: ManifestDifference[] = malformed.map((m) => ({
    app: '',
    line: m.line,
    message: `${file}:${m.line}: not an 'app: latest_id' line: ${JSON.stringify(m.text)}${m.text.startsWith('<<<<<<<') || m.text.startsWith('=======') || m.text.startsWith('>>>>>>>') ? ' (an unresolved merge conflict: two branches added migrations; renumber yours to sort last, then run deployctl manifest)' : ''}`,
  }));
  const seen = new Map<string, ManifestLine>();
  for (const l of lines) {
    if (seen.has(l.app))
      out.push({
        app: l.app,
        line: l.line,
        message: `${file}:${l.line}: app '${l.app}' is listed twice (also on line ${seen.get(l.app)!.line})`,
      });
    else seen.set(l.app, l);
  }
  for (const [app, actual] of expected) {
    const l = seen.get(app);
    if (!l) out.push({ app, actual, message: `${file}: app '${app}' is missing; its latest migration is ${actual}` });
    else if (l.id !== actual)
      out.push({
        app,
        recorded: l.id,
        actual,
        line: l.line,
        message: `${file}:${l.line}: app '${app}' says ${l.id}, but its latest migration is ${actual}`,
      });
  }
  for (const l of seen.values()) {
    if (!expected.has(l.app))
      out.push({
        app: l.app,
        recorded: l.id,
        line: l.line,
        message: `${file}:${l.line}: app '${l.app}' has no migrations in the configured folders`,
      });
  }
  return out;
}

/** Code-point order, the same on every machine (no locale). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
