/** deployctl's own version, read from the package.json it was installed with. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The nearest package.json named deployctl above this file (src/cli or dist/src/cli). */
export function packageVersion(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'deployctl' && pkg.version) return (cached = pkg.version);
    } catch {
      // no package.json here: keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error('the deployctl package.json was not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}
