import { describe, expect, it } from '@jest/globals';
import { artifactOf, imageFor } from '../../src/adapters/drivers/pulumi/image.js';

const REPO = 'registry.example.com/team/shop';
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('imageFor', () => {
  it.each([
    ['1.4.2', REPO, `${REPO}:1.4.2`],
    ['v2_rc.1-beta', REPO, `${REPO}:v2_rc.1-beta`],
    [DIGEST, REPO, `${REPO}@${DIGEST}`],
    ['ghcr.io/acme/other:7', REPO, 'ghcr.io/acme/other:7'],
    ['ghcr.io/acme/shop:1.0.0', undefined, 'ghcr.io/acme/shop:1.0.0'],
    ['shop:1.0.0', undefined, 'shop:1.0.0'],
  ])('%s with repository %s is %s', (artifact, repository, image) => {
    expect(imageFor(artifact, repository)).toBe(image);
  });

  it.each([
    ['', REPO],
    ['-leading-dash', REPO],
    ['a:b', REPO],
    ['sha256:short', REPO],
    ['x'.repeat(129), REPO],
    ['', undefined],
    ['shop 1.0', undefined],
  ])('rejects %j (repository %s)', (artifact, repository) => {
    expect(() => imageFor(artifact, repository)).toThrow(expect.objectContaining({ code: 'USAGE', key: 'artifact' }));
  });
});

describe('artifactOf', () => {
  it('inverts imageFor for images of the repository', () => {
    for (const artifact of ['1.4.2', DIGEST]) expect(artifactOf(imageFor(artifact, REPO), REPO)).toBe(artifact);
  });

  it('returns other images whole', () => {
    expect(artifactOf('registry.example.com/team/shop-worker:1.0', REPO)).toBe(
      'registry.example.com/team/shop-worker:1.0',
    );
    expect(artifactOf(`${REPO}:1.0`, undefined)).toBe(`${REPO}:1.0`);
  });
});
