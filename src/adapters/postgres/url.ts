/**
 * Passwords never leave deployctl: every text that is printed or written to the ledger goes
 * through `redactSecrets`, which hides each form a database password takes — the userinfo of a
 * URL (`postgres://user:secret@host`), a `password=` query parameter (`…/db?password=secret`), and a
 * libpq key=value string (`host=db password=secret`) — plus any password of the URLs it is given.
 */
import { DeployctlError } from '../../errors.js';

const MASK = '***';

/** `scheme://user:secret@` — the password runs to the last `@` before whitespace or a quote. */
const USERINFO = /([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/?#@'"]*:)[^\s@'"]*@/g;
/** `?password=secret` / `&password=secret` in a URL's query. */
const QUERY_PARAM = /([?&;]password=)[^&\s#'"]*/gi;
/** libpq key=value: `password=secret`, `password = 'quoted secret'`. */
const KEY_VALUE = /(\b(?:PG)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'"&]+)/gi;

/** The one redaction: every password form in `text`, and every password of `urls`, become ***. */
export function redactSecrets(text: string, urls: (string | undefined)[] = []): string {
  let out = text;
  for (const url of urls) {
    if (!url) continue;
    for (const password of passwordsOf(url)) if (password.length >= 3) out = out.split(password).join(MASK);
  }
  return out
    .replace(USERINFO, `$1${MASK}@`)
    .replace(QUERY_PARAM, `$1${MASK}`)
    .replace(KEY_VALUE, (_whole, key: string) => `${key}${MASK}`);
}

/** The passwords a URL carries (userinfo and query parameter), raw and decoded. */
function passwordsOf(url: string): string[] {
  const found = new Set<string>();
  const add = (s: string | undefined | null): void => {
    if (!s) return;
    found.add(s);
    try {
      found.add(decodeURIComponent(s));
    } catch {
      // not percent-encoded text: the raw form is enough
    }
  };
  const userinfo = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^:/?#@]*:([^\s]*)@/.exec(url);
  add(userinfo?.[1]);
  try {
    const u = new URL(url);
    add(u.password);
    add(u.searchParams.get('password'));
  } catch {
    for (const m of url.matchAll(/[?&]password=([^&\s#]*)/gi)) add(m[1]);
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/** Database URLs are shown only with the password replaced, everywhere. */
export function redactUrl(url: string): string {
  return redactSecrets(url);
}

/** Removes every occurrence of the URL's password from free text (error messages, command output). */
export function scrubSecrets(text: string, urls: (string | undefined)[]): string {
  return redactSecrets(text, urls);
}

/** Every string inside a JSON-like value, redacted (ledger event details). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}

/**
 * A URL whose password holds an unencoded `#`, `/` or `?` cannot be parsed as the user meant (the
 * rest would be read as fragment, path or query). Say so, without echoing the password.
 */
export function checkDatabaseUrl(url: string | undefined, key = 'database.url'): void {
  if (!url) return;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(url);
  if (!m) return; // a libpq key=value string or a socket path: pg parses those itself
  const rest = m[2] ?? '';
  const at = rest.lastIndexOf('@');
  const bad = (): never => {
    throw new DeployctlError(
      'CONFIG_INVALID',
      `the database URL (${key}) cannot be parsed: its user or password contains a character that must be percent-encoded (#, /, ?, @, : or a space); encode it, e.g. # as %23, / as %2F, ? as %3F, @ as %40`,
      { key, hint: "encodeURIComponent('your password') gives the encoded form" },
    );
  };
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const special = userinfo.search(/[/?#\s]/);
    // `user:pa#ss@host`: a special character inside user:password, before any `@` of the authority.
    if (special >= 0 && userinfo.slice(0, special).includes(':') && !userinfo.slice(0, special).includes('@')) bad();
  }
  try {
    new URL(url);
  } catch {
    bad();
  }
}

/** The same server, another database: used to create scratch and test databases. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
