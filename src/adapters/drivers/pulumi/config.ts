/** Defaults of the `pulumi` driver's settings (the settings themselves: config/rollout.ts). */

export const DEFAULT_IMAGE_CONFIG_KEY = 'image';
export const DEFAULT_HEALTH_URL_OUTPUT = 'healthUrl';
