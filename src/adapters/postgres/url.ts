/** Database URLs are shown only with the password replaced, everywhere. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
  }
}

/** Removes every occurrence of the URL's password from free text (error messages, command output). */
export function scrubSecrets(text: string, urls: (string | undefined)[]): string {
  let out = text;
  for (const url of urls) {
    if (!url) continue;
    let password = '';
    try {
      password = decodeURIComponent(new URL(url).password);
    } catch {
      continue;
    }
    if (password.length >= 3) out = out.split(password).join('***');
    out = out.split(url).join(redactUrl(url));
  }
  return out;
}

/** The same server, another database: used to create scratch and test databases. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
