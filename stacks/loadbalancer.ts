/**
 * The Application Load Balancer in front of the service. Its target group health check is the
 * gate for every rollout: ECS only counts a new task as running once the ALB sees the app's
 * health path pass `healthyThreshold` times, and the circuit breaker rolls back tasks that never do.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { ServiceConfig } from './config.js';
import { tags } from './tags.js';

/** How long a deregistered (old) task keeps serving in-flight requests before it is stopped. */
const DEREGISTRATION_DELAY_SECONDS = 30;
const TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

export interface LoadBalancer {
  targetGroup: aws.lb.TargetGroup;
  /** The service must wait for these: a target group serves no traffic until a listener uses it. */
  listeners: aws.lb.Listener[];
  /** Base URL clients use, without a trailing slash. */
  url: pulumi.Output<string>;
}

export interface LoadBalancerOptions {
  vpcId: pulumi.Input<string>;
  subnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
}

export function createLoadBalancer(name: string, config: ServiceConfig, options: LoadBalancerOptions): LoadBalancer {
  const alb = new aws.lb.LoadBalancer(name, {
    loadBalancerType: 'application',
    internal: false,
    subnets: options.subnetIds,
    securityGroups: [options.securityGroupId],
    dropInvalidHeaderFields: true,
    tags: tags(name),
  });

  const targetGroup = new aws.lb.TargetGroup(name, {
    vpcId: options.vpcId,
    // Fargate tasks register by IP (awsvpc networking), not by instance.
    targetType: 'ip',
    protocol: 'HTTP',
    port: config.containerPort,
    deregistrationDelay: DEREGISTRATION_DELAY_SECONDS,
    healthCheck: {
      enabled: true,
      protocol: 'HTTP',
      path: config.healthPath,
      port: 'traffic-port',
      matcher: '200',
      healthyThreshold: config.healthyThreshold,
      unhealthyThreshold: config.unhealthyThreshold,
      interval: config.healthCheckIntervalSeconds,
      timeout: config.healthCheckTimeoutSeconds,
    },
    tags: tags(name),
  });

  const forward = [{ type: 'forward', targetGroupArn: targetGroup.arn }];
  const listeners: aws.lb.Listener[] = [];
  if (config.certificateArn === undefined) {
    listeners.push(
      new aws.lb.Listener(`${name}-http`, {
        loadBalancerArn: alb.arn,
        port: 80,
        protocol: 'HTTP',
        defaultActions: forward,
        tags: tags(`${name}-http`),
      }),
    );
  } else {
    listeners.push(
      new aws.lb.Listener(`${name}-https`, {
        loadBalancerArn: alb.arn,
        port: 443,
        protocol: 'HTTPS',
        sslPolicy: TLS_POLICY,
        certificateArn: config.certificateArn,
        defaultActions: forward,
        tags: tags(`${name}-https`),
      }),
      new aws.lb.Listener(`${name}-http`, {
        loadBalancerArn: alb.arn,
        port: 80,
        protocol: 'HTTP',
        defaultActions: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
        tags: tags(`${name}-http`),
      }),
    );
  }

  const scheme = config.certificateArn === undefined ? 'http' : 'https';
  const host = config.publicHostname ?? alb.dnsName;
  return { targetGroup, listeners, url: pulumi.interpolate`${scheme}://${host}` };
}
