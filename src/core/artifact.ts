/**
 * An artifact name is data: it reaches the rollout driver only through the environment
 * (ARTIFACT / DEPLOYCTL_ARTIFACT), and it must match this documented character set first — a
 * letter or digit, then letters, digits and `. _ : @ / + -`, at most 200 characters. Whitespace,
 * newlines, a leading `-`, glob characters `* ? [ ]` and shell metacharacters are rejected.
 */
import { DeployctlError } from '../errors.js';

export const ARTIFACT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,199}$/;

export function checkArtifact(artifact: string, flag = '--artifact'): string {
  if (!ARTIFACT_PATTERN.test(artifact))
    throw new DeployctlError(
      'USAGE',
      `${flag} ${JSON.stringify(artifact)} is not a valid artifact name: it must start with a letter or digit and hold only letters, digits and . _ : @ / + - (at most 200 characters; no spaces, newlines, glob or shell characters)`,
      { key: flag },
    );
  return artifact;
}
