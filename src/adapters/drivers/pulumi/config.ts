/**
 * `rollout:` settings of the `pulumi` driver in deployctl.yaml, e.g.
 * `rollout: { driver: pulumi, stack: prod, imageRepository: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop }`.
 */
export interface PulumiRolloutConfig {
  /** Stack to update (`pulumi stack ls`); it must already exist (`pulumi stack init <name>`). */
  stack: string;
  /** Folder holding Pulumi.yaml, relative to deployctl.yaml's folder; default: that folder. */
  workDir?: string;
  /**
   * Image repository the artifact is a tag (or `sha256:` digest) of: artifact `1.4.2` deploys
   * `<imageRepository>:1.4.2`. Unset: the artifact is the full image reference.
   */
  imageRepository?: string;
  /** Stack config key holding the image; default `image`. `project:key` when not the project's. */
  imageConfigKey?: string;
  /** Stack output holding the URL the verify stage checks; default `healthUrl`. */
  healthUrlOutput?: string;
}

export const DEFAULT_IMAGE_CONFIG_KEY = 'image';
export const DEFAULT_HEALTH_URL_OUTPUT = 'healthUrl';
