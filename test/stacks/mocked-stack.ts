/**
 * Runs the stack program in stacks/ against Pulumi's mock monitor: every resource the program
 * declares is recorded with the inputs it was given, and provider calls get canned answers.
 * Mocks and config must be in place before the program is imported, so the import is dynamic.
 * Each test file gets its own module registry, hence one program run per file.
 */
import * as pulumi from '@pulumi/pulumi';

export const PROJECT = 'deployctl-app';
export const REGION = 'eu-west-1';
const ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];

export interface RecordedResource {
  type: string;
  name: string;
  id: string;
  inputs: Record<string, unknown>;
  /** Resource options the program gave it (customTimeouts, protect, dependsOn …). */
  options: pulumi.CustomResourceOptions;
}

export interface MockedStack {
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
  /** The single resource of `type` (named `name` when several exist); fails the test otherwise. */
  one(type: string, name?: string): RecordedResource;
  all(type: string): RecordedResource[];
}

/** The ARN the mocks give a resource, so tests can follow references between resources. */
export function mockArn(type: string, name: string): string {
  return `arn:aws:mock:${REGION}:123456789012:${type}/${name}`;
}

/** Attributes AWS computes, so outputs built from them resolve to something recognisable. */
function computed(type: string, name: string): Record<string, unknown> {
  const arn = mockArn(type, name);
  switch (type) {
    case 'aws:rds/instance:Instance':
      return {
        arn,
        address: `${name}.abc123.${REGION}.rds.amazonaws.com`,
        endpoint: `${name}.abc123.${REGION}.rds.amazonaws.com:5432`,
      };
    case 'aws:lb/loadBalancer:LoadBalancer':
      return { arn, dnsName: `${name}-123.${REGION}.elb.amazonaws.com` };
    default:
      return { arn };
  }
}

function call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
  switch (args.token) {
    case 'aws:index/getAvailabilityZones:getAvailabilityZones':
      return { names: ZONES, zoneIds: ZONES.map((_, i) => `euw1-az${i + 1}`) };
    case 'aws:index/getRegion:getRegion':
      return { name: REGION, region: REGION };
    default:
      throw new Error(`unexpected provider call ${args.token}`);
  }
}

/** Like a `Pulumi.<stack>.yaml`: keys without a namespace belong to the project. */
export async function runMockedStack(
  config: Record<string, string>,
  secretKeys: string[] = [],
  stackName = 'test',
): Promise<MockedStack> {
  const resources: RecordedResource[] = [];
  const options = new Map<string, pulumi.CustomResourceOptions>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.type === 'pulumi:pulumi:Stack') return { id: 'stack', state: {} };
        // `Subnet:app-private-0`: unique across types, unlike logical names (VPC and NAT are both `app`).
        const id = `${args.type.split(':').pop()}:${args.name}`;
        resources.push({
          type: args.type,
          name: args.name,
          id,
          inputs: args.inputs as Record<string, unknown>,
          options: options.get(`${args.type}::${args.name}`) ?? {},
        });
        // Autonamed resources get their physical name from the provider; mimic one.
        return { id, state: { name: `${args.name}-physical`, ...args.inputs, ...computed(args.type, args.name) } };
      },
      call,
    },
    PROJECT,
    stackName,
    false,
  );
  const qualified = (key: string): string => (key.includes(':') ? key : `${PROJECT}:${key}`);
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([key, value]) => [qualified(key), value])),
    secretKeys.map(qualified),
  );

  // Resource options never reach the mock monitor; a stack transformation sees them as declared
  // (it needs the root stack resource, hence runInPulumiStack, as Pulumi runs a program).
  let program: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation(({ type, name, opts }) => {
      options.set(`${type}::${name}`, opts as pulumi.CustomResourceOptions);
      return undefined;
    });
    program = await import('../../stacks/index.js');
    return undefined;
  });
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program)) {
    outputs[key] = pulumi.Output.isInstance(value) ? await valueOf(value) : value;
  }
  // Registrations whose inputs waited on other resources finish after the outputs resolve.
  await pulumi.runtime.disconnect();

  const all = (type: string): RecordedResource[] => resources.filter((r) => r.type === type);
  return {
    resources,
    outputs,
    all,
    one(type, name) {
      const matches = all(type).filter((r) => name === undefined || r.name === name);
      if (matches.length !== 1) {
        throw new Error(
          `expected one ${type}${name ? ` named ${name}` : ''}, found ${matches.map((r) => r.name).join(', ') || 'none'}`,
        );
      }
      return matches[0]!;
    },
  };
}

export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

/** A resource input the program marked secret (the mock monitor keeps the marker); throws if it is not. */
export function secretValue(input: unknown): unknown {
  const wrapped = input as Record<string, unknown> | undefined;
  if (wrapped?.[pulumi.runtime.specialSigKey] !== pulumi.runtime.specialSecretSig) {
    throw new Error(`expected a secret, got ${JSON.stringify(input)}`);
  }
  return wrapped.value;
}
