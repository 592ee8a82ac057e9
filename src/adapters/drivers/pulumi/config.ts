/** Defaults of the `pulumi` driver's settings (the settings themselves: config/rollout.ts). */

export const DEFAULT_IMAGE_CONFIG_KEY = 'image';
export const DEFAULT_VERSION_CONFIG_KEY = 'version';
export const DEFAULT_IMAGE_OUTPUT = 'image';
export const DEFAULT_HEALTH_URL_OUTPUT = 'healthUrl';
/** The stack output naming the version the service runs; handed to verify as `version`. */
export const VERSION_OUTPUT = 'version';
