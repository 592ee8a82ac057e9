/**
 * Pulumi's Automation API, loaded on first use. `@pulumi/pulumi` is an optional dependency of
 * deployctl: only the `pulumi` driver needs it, so it is imported when that driver first talks to
 * a stack, and its absence is an error (PACKAGE_MISSING) that names the package to install.
 */
import { importOptional } from '../../optional-package.js';

export type Automation = typeof import('@pulumi/pulumi/automation/index.js');

const AUTOMATION_MODULE = '@pulumi/pulumi/automation/index.js';
const AUTOMATION_PACKAGE = '@pulumi/pulumi';

let loaded: Promise<Automation> | undefined;

/** The Automation API module; a missing `@pulumi/pulumi` is PACKAGE_MISSING, naming it. */
export function loadAutomation(): Promise<Automation> {
  loaded ??= importOptional(
    AUTOMATION_PACKAGE,
    'the pulumi rollout driver',
    'or use another rollout driver',
    () => import(AUTOMATION_MODULE) as Promise<Automation>,
  ).catch((e: unknown) => {
    loaded = undefined;
    throw e;
  });
  return loaded;
}
