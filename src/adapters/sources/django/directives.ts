/**
 * Directives in a Django migration are Python comments, `# deployctl:phase post <reason>`, read
 * from the .py file and handed to the classifier as the SQL comments it understands. Only the
 * directives that concern a migration as a whole apply: `allow` names the statement after it
 * (put it in front of the statement in a RunSQL given a list of statements), and whether a migration runs in a
 * transaction is Django's `atomic`.
 */
import { DeployctlError } from '../../../errors.js';
import { readDirectives } from '../../../core/sql/directives.js';

const WHOLE_MIGRATION = new Set(['phase', 'lock-timeout', 'statement-timeout']);
const PY_DIRECTIVE = /^\s*#\s*deployctl:(\S*)(.*)$/;

/** The SQL comment lines (`-- deployctl:…`) for the directives in `py`, validated, with their .py line numbers. */
export function directiveHeader(py: string, file: string): { line: number; text: string }[] {
  const comments: { line: number; text: string; offset: number }[] = [];
  py.split('\n').forEach((raw, i) => {
    const m = PY_DIRECTIVE.exec(raw);
    if (!m) return;
    const [, name = '', rest = ''] = m;
    if (!WHOLE_MIGRATION.has(name)) {
      throw new DeployctlError(
        'DIRECTIVE_INVALID',
        `${file}:${i + 1}: 'deployctl:${name}' does not apply to a Django migration; it takes ${[...WHOLE_MIGRATION].join(', ')}. ` +
          `To allow a statement, write it as migrations.RunSQL(["-- deployctl:allow <rule-id> <reason>\\n<statement>"]) (a list: Django may strip comments from a plain string); to run outside a transaction, set atomic = False.`,
        { file, line: i + 1 },
      );
    }
    comments.push({ line: i + 1, text: `-- deployctl:${name}${rest.trimEnd()}`, offset: 0 });
  });
  readDirectives(comments, file);
  return comments.map((c) => ({ line: c.line, text: c.text }));
}
