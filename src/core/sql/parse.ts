/**
 * Splits a migration's SQL into statements with exact 1-based line numbers, using PostgreSQL's
 * own parser (libpg-query). Offsets from the parser are UTF-8 byte offsets; everything here
 * converts through a Buffer so files with non-ASCII text keep correct lines.
 */
import { loadModule, parseSync, scanSync } from 'libpg-query';
import type { Node } from 'libpg-query';
import { DeployctlError } from '../../errors.js';
import { nodeKind, type NodeKind } from './ast.js';

export interface ParsedStatement {
  /** 0-based position in the migration. */
  index: number;
  /** 1-based line of the statement's first token in the file. */
  line: number;
  /** The statement's text as written, without the trailing semicolon. */
  sql: string;
  kind: NodeKind;
  node: Node;
}

export interface SqlComment {
  line: number;
  text: string;
  /** Byte offset of the comment in the parsed text. */
  offset: number;
}

export interface ParsedSql {
  statements: ParsedStatement[];
  comments: SqlComment[];
}

/** Every directive comment contains this; text without it has no directives to read. */
const DIRECTIVE_MARK = 'deployctl:';

/**
 * PostgreSQL's parser holds the whole parse tree in memory: a 20 MB file of INSERTs took about
 * 1.4 GB and half a minute (bench: libpg-query 18, node 20). Above this size a file is refused
 * with a clear error instead of exhausting memory.
 */
export const MAX_PARSE_BYTES = 16 * 1024 * 1024;

let loaded: Promise<void> | undefined;

/** The parser is WebAssembly; load it once before the first parse. */
export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

/**
 * Parse `text` (from `file`, starting at `firstLine` of it) into statements and comments.
 * Throws SQL_PARSE naming file and line when PostgreSQL's grammar rejects it.
 *
 * Input with no statement at all (a zero-byte file, only whitespace, only comments or empty
 * `;`) is a valid no-op: zero statements. PostgreSQL accepts such a query string too (an empty
 * query), but libpg-query rejects the zero-length string itself ("Query cannot be empty"), so
 * that one case is answered here without calling the parser; everything else (whitespace and
 * comments included) still goes through the grammar, so a real syntax error is never hidden.
 */
export function parseSql(text: string, file: string, firstLine = 1): ParsedSql {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_PARSE_BYTES) {
    const mb = (n: number) => `${Math.round(n / (1024 * 1024))} MB`;
    throw new DeployctlError(
      'SOURCE_INVALID',
      `${file}: file too large to classify (${mb(bytes.length)}, over the ${mb(MAX_PARSE_BYTES)} limit); split it into smaller migrations (a data load can be several files)`,
      { file },
    );
  }
  const lineAt = lineIndex(bytes, firstLine);
  if (text.length === 0) return { statements: [], comments: [] };
  let raw;
  try {
    raw = parseSync(text);
  } catch (e) {
    throw parseError(e, text, file, firstLine);
  }
  const statements: ParsedStatement[] = [];
  for (const [index, rs] of (raw.stmts ?? []).entries()) {
    if (!rs.stmt) continue;
    const start = rs.stmt_location ?? 0;
    const end = rs.stmt_len ? start + rs.stmt_len : bytes.length;
    const slice = bytes.subarray(start, end).toString('utf8');
    const lead = leadingTrivia(slice);
    const sql = slice.slice(lead).trim().replace(/;\s*$/, '');
    const firstTokenByte = start + Buffer.byteLength(slice.slice(0, lead), 'utf8');
    statements.push({ index, line: lineAt(firstTokenByte), sql, kind: nodeKind(rs.stmt)!, node: rs.stmt });
  }
  // Comments matter only for directives; scanning is skipped when no directive can be present.
  const comments = text.includes(DIRECTIVE_MARK) ? scanComments(text, file, firstLine, lineAt) : [];
  return { statements, comments };
}

function scanComments(text: string, file: string, firstLine: number, lineAt: (b: number) => number): SqlComment[] {
  let tokens;
  try {
    tokens = scanSync(text).tokens;
  } catch (e) {
    throw parseError(e, text, file, firstLine);
  }
  return tokens
    .filter((t) => t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT')
    .map((t) => ({ line: lineAt(t.start), text: t.text, offset: t.start }));
}

/** Length of whitespace and comments before a statement's first token. */
function leadingTrivia(s: string): number {
  let i = 0;
  for (;;) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (s.startsWith('--', i)) {
      const nl = s.indexOf('\n', i);
      i = nl === -1 ? s.length : nl + 1;
    } else if (s.startsWith('/*', i)) {
      let depth = 0;
      do {
        if (s.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (s.startsWith('*/', i)) {
          depth--;
          i += 2;
        } else i++;
      } while (depth > 0 && i < s.length);
    } else {
      return i;
    }
  }
}

/** Maps a byte offset to a 1-based line number in the file. */
function lineIndex(bytes: Buffer, firstLine: number): (byteOffset: number) => number {
  const starts = [0];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return firstLine + lo;
  };
}

function parseError(e: unknown, text: string, file: string, firstLine: number): DeployctlError {
  const details = (e as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
  const message = details?.message ?? (e instanceof Error ? e.message : String(e));
  // cursorPosition is a 0-based character offset into the parsed text.
  const pos = details?.cursorPosition;
  const line = pos === undefined ? firstLine : firstLine + countNewlines(text.slice(0, Math.max(0, pos)));
  return new DeployctlError('SQL_PARSE', `${file}:${line}: ${message}`, { file, line, cause: e });
}

function countNewlines(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === '\n') n++;
  return n;
}
