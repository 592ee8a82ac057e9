/**
 * Packages only some features need (the Pulumi SDK, embedded PostgreSQL) are not dependencies of
 * an installed deployctl. They are loaded on first use; when one is missing the error names the
 * package to install instead of printing a module-resolution stack.
 */
import { DeployctlError } from '../errors.js';

/**
 * Runs `load` (an `import('<name>')` written at the call site, so it stays typed) and turns
 * "cannot find package <name>" into a PACKAGE_MISSING error (exit 2). Any other failure while
 * loading is passed on unchanged.
 */
export async function importOptional<T>(
  name: string,
  neededFor: string,
  alternative: string | undefined,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (!isMissing(e, name)) throw e;
    throw new DeployctlError(
      'PACKAGE_MISSING',
      `${neededFor} needs the npm package '${name}', which is not installed. ` +
        `Install it next to deployctl: npm install --save-dev ${name}${alternative ? ` (${alternative})` : ''}`,
      { cause: e },
    );
  }
}

function isMissing(e: unknown, name: string): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  // This package itself (`'name'`, or `'name/…'` when the loader names the whole specifier): a
  // dependency of it that is missing is a broken install, not this.
  const message = String((e as Error).message);
  return message.includes(`'${name}'`) || message.includes(`'${name}/`);
}
