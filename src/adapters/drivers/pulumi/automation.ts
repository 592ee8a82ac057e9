/**
 * Pulumi's Automation API, loaded on first use. `@pulumi/pulumi` is an optional dependency of
 * deployctl: only the `pulumi` driver needs it, so it is imported when that driver first talks to
 * a stack, and its absence is a configuration error that names the package to install.
 */
import { DeployctlError } from '../../../errors.js';

export type Automation = typeof import('@pulumi/pulumi/automation/index.js');

const AUTOMATION_MODULE = '@pulumi/pulumi/automation/index.js';
const AUTOMATION_PACKAGE = '@pulumi/pulumi';

let loaded: Promise<Automation> | undefined;

/** The Automation API module; a missing `@pulumi/pulumi` is CONFIG_INVALID on rollout.driver. */
export function loadAutomation(): Promise<Automation> {
  loaded ??= importOptional<Automation>(AUTOMATION_MODULE, AUTOMATION_PACKAGE).catch((e: unknown) => {
    loaded = undefined;
    throw e;
  });
  return loaded;
}

/**
 * `import(specifier)`, turning "package not installed" into a DeployctlError that says which
 * package to add. Any other failure (a broken install, a syntax error) passes through unchanged.
 */
export async function importOptional<T>(specifier: string, packageName: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (e) {
    // Read as fields, not with instanceof: loaders (a test runner's VM) may throw from another realm.
    const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
    if (
      (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
      typeof message === 'string' &&
      message.includes(`'${packageName}`)
    ) {
      throw new DeployctlError(
        'CONFIG_INVALID',
        `the pulumi rollout driver needs the npm package ${packageName}, which is not installed`,
        {
          key: 'rollout.driver',
          cause: e,
          hint: `install it next to deployctl (\`npm install --save-dev ${packageName}\`), or use another rollout driver`,
        },
      );
    }
    throw e;
  }
}
