/**
 * Where the app runs: public subnets hold the load balancer and the NAT gateway, private subnets
 * hold the tasks and the database, so neither is reachable from the internet except through the
 * ALB. With `vpcId` set, an existing VPC is used as is.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { subnetCidr } from './cidr.js';
import { tags } from './tags.js';
import type { ExistingNetworkConfig, NewNetworkConfig } from './config.js';

export interface Network {
  vpcId: pulumi.Input<string>;
  publicSubnetIds: pulumi.Input<string>[];
  privateSubnetIds: pulumi.Input<string>[];
}

/**
 * The VPC range is cut into 16 equal blocks: the first half for public subnets, the second half
 * for private ones, one of each per availability zone (at most 6 zones are used).
 */
const SUBNET_EXTRA_BITS = 4;
const PRIVATE_BLOCK_OFFSET = 8;

export function createNetwork(name: string, config: NewNetworkConfig | ExistingNetworkConfig): Network {
  if (config.kind === 'existing') {
    return { vpcId: config.vpcId, publicSubnetIds: config.publicSubnetIds, privateSubnetIds: config.privateSubnetIds };
  }
  return createVpc(name, config);
}

function createVpc(name: string, config: NewNetworkConfig): Network {
  const vpc = new aws.ec2.Vpc(name, {
    cidrBlock: config.vpcCidr,
    // RDS endpoints and ECR/Logs endpoints are resolved by name from inside the VPC.
    enableDnsSupport: true,
    enableDnsHostnames: true,
    tags: tags(name),
  });
  const zones = aws.getAvailabilityZonesOutput({ state: 'available' });
  const zoneName = (index: number): pulumi.Output<string> =>
    zones.names.apply((names) => {
      const zone = names[index];
      if (zone === undefined) {
        throw new pulumi.RunError(
          `availabilityZoneCount is ${config.availabilityZoneCount} but the region has only ${names.length} available zones`,
        );
      }
      return zone;
    });

  const gateway = new aws.ec2.InternetGateway(name, { vpcId: vpc.id, tags: tags(name) });
  const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, {
    vpcId: vpc.id,
    routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: gateway.id }],
    tags: tags(`${name}-public`),
  });

  const publicSubnets: aws.ec2.Subnet[] = [];
  const privateSubnets: aws.ec2.Subnet[] = [];
  for (let index = 0; index < config.availabilityZoneCount; index++) {
    const publicSubnet = new aws.ec2.Subnet(`${name}-public-${index}`, {
      vpcId: vpc.id,
      cidrBlock: subnetCidr(config.vpcCidr, SUBNET_EXTRA_BITS, index),
      availabilityZone: zoneName(index),
      // Nothing in the public subnets needs an address of its own: the ALB and NAT bring theirs.
      mapPublicIpOnLaunch: false,
      tags: tags(`${name}-public-${index}`, { tier: 'public' }),
    });
    new aws.ec2.RouteTableAssociation(`${name}-public-${index}`, {
      subnetId: publicSubnet.id,
      routeTableId: publicRoutes.id,
    });
    publicSubnets.push(publicSubnet);

    privateSubnets.push(
      new aws.ec2.Subnet(`${name}-private-${index}`, {
        vpcId: vpc.id,
        cidrBlock: subnetCidr(config.vpcCidr, SUBNET_EXTRA_BITS, PRIVATE_BLOCK_OFFSET + index),
        availabilityZone: zoneName(index),
        mapPublicIpOnLaunch: false,
        tags: tags(`${name}-private-${index}`, { tier: 'private' }),
      }),
    );
  }

  // Tasks in private subnets pull images, ship logs and read parameters through NAT. One gateway
  // per zone (natGatewayPerZone) keeps the other zones working when one fails; one shared gateway
  // in the first zone is cheaper and stops every zone's egress with that zone.
  const natCount = config.natGatewayPerZone ? config.availabilityZoneCount : 1;
  const gateways = publicSubnets.slice(0, natCount).map((subnet, index) => {
    const suffix = natCount === 1 ? '' : `-${index}`;
    const address = new aws.ec2.Eip(`${name}-nat${suffix}`, { domain: 'vpc', tags: tags(`${name}-nat${suffix}`) });
    return new aws.ec2.NatGateway(
      `${name}${suffix}`,
      { subnetId: subnet.id, allocationId: address.id, tags: tags(`${name}-nat${suffix}`) },
      { dependsOn: [gateway] },
    );
  });
  const privateRoutes = gateways.map((nat, index) => {
    const routeName = natCount === 1 ? `${name}-private` : `${name}-private-${index}`;
    return new aws.ec2.RouteTable(routeName, {
      vpcId: vpc.id,
      routes: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nat.id }],
      tags: tags(routeName),
    });
  });
  privateSubnets.forEach((subnet, index) => {
    new aws.ec2.RouteTableAssociation(`${name}-private-${index}`, {
      subnetId: subnet.id,
      // A zone's subnet routes through its own zone's gateway when there is one per zone.
      routeTableId: privateRoutes[Math.min(index, privateRoutes.length - 1)]!.id,
    });
  });

  return {
    vpcId: vpc.id,
    publicSubnetIds: publicSubnets.map((s) => s.id),
    privateSubnetIds: privateSubnets.map((s) => s.id),
  };
}
