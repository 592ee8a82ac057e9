/**
 * Artifact ⇄ image reference. The stack's config holds a full image reference; deployctl's
 * ledger holds the artifact (usually the tag). Pure, so every edge is tested without Pulumi.
 */
import { DeployctlError } from '../../../errors.js';

/** Docker's tag grammar: no `/` or `:`, so a tag can never be mistaken for a reference. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * The image to put in the stack for `artifact`: `<repository>:<tag>` or `<repository>@<digest>`.
 * An artifact containing `/` is already a full reference (e.g. what `current()` returned for an
 * image from another repository) and is used as is.
 */
export function imageFor(artifact: string, repository: string | undefined): string {
  if (artifact.includes('/') || repository === undefined) {
    if (artifact.trim() === '' || /\s/.test(artifact))
      throw invalidArtifact(artifact, 'an image reference such as registry.example.com/shop:1.4.2');
    return artifact;
  }
  if (TAG.test(artifact)) return `${repository}:${artifact}`;
  if (DIGEST.test(artifact)) return `${repository}@${artifact}`;
  throw invalidArtifact(artifact, `an image tag (e.g. 1.4.2) or a digest (sha256:…) of ${repository}`);
}

/** The artifact `image` was deployed as: its tag or digest when it is from `repository`. */
export function artifactOf(image: string, repository: string | undefined): string {
  if (repository !== undefined) {
    for (const separator of [':', '@']) {
      const prefix = `${repository}${separator}`;
      if (image.startsWith(prefix)) return image.slice(prefix.length);
    }
  }
  return image;
}

function invalidArtifact(artifact: string, expected: string): DeployctlError {
  return new DeployctlError(
    'USAGE',
    `artifact '${artifact}' is not usable by the pulumi driver: expected ${expected}`,
    {
      key: 'artifact',
      hint: 'pass the version as built and pushed by CI, e.g. `deployctl release --artifact 1.4.2`',
    },
  );
}
