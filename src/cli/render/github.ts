/**
 * GitHub Actions workflow commands: a line `::error file=<path>,line=<n>::<message>` on stdout
 * becomes an annotation on that line of the pull request's diff. The escaping is GitHub's own
 * (actions/toolkit, command.ts): in the message `%`, CR and LF; in properties also `:` and `,`.
 */

export function escapeData(s: string): string {
  return s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

/** One `::error` line. Without a file the annotation is shown on the workflow run only. */
export function errorAnnotation(message: string, at?: { file?: string; line?: number }): string {
  return annotation('error', message, at);
}

/** One `::warning` line: shown on the diff like an error, without failing anything. */
export function warningAnnotation(message: string, at?: { file?: string; line?: number }): string {
  return annotation('warning', message, at);
}

function annotation(level: 'error' | 'warning', message: string, at?: { file?: string; line?: number }): string {
  const props: string[] = [];
  if (at?.file) {
    props.push(`file=${escapeProperty(at.file)}`);
    // A problem with the whole file is shown on its first line.
    props.push(`line=${at.line ?? 1}`);
  }
  return `::${level}${props.length ? ` ${props.join(',')}` : ''}::${escapeData(message)}`;
}
