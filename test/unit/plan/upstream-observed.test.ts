// Adoption of what the UPSTREAM controller built: an observed state written by hand the way upstream leaves
// it and AWS reports it (not derived from our own desired stack). Upstream's target group names, ports and
// binding shapes differ from ours; none of that may force a replacement.
import assert from 'node:assert/strict';
import {
  LEGACY_TAG_INGRESS_CLUSTER, stackTags, type Action, type ObservedState, type Stack,
} from '../../../src/model/index.ts';
import { planStack, type ObservedBinding } from '../../../src/plan/index.ts';
import { CLUSTER, shopStack, STACK_ID, TG_API, TG_WEB, withResource } from './helpers.ts';

const RA = 'arn:aws:elasticloadbalancing:us-west-2:123456789012';
const LB = `${RA}:loadbalancer/app/k8s-default-shop-9876543210/5e1f0c2a9b7d3e41`;
const LISTENER = `${RA}:listener/app/k8s-default-shop-9876543210/5e1f0c2a9b7d3e41/77aa00bb11cc22dd`;
// upstream's names (its own hash), not the names our builder gives
const TG_API_ARN = `${RA}:targetgroup/k8s-default-api-5c1b7e3f0a/0f1e2d3c4b5a6978`;
const TG_WEB_ARN = `${RA}:targetgroup/k8s-default-web-a0b1c2d3e4/8796a5b4c3d2e1f0`;
const SG = 'sg-0badc0ffee0001234';

/** the tags upstream puts on everything it creates, plus the v1 controller's legacy key and an AWS one */
const owned = (id: string): Record<string, string> => ({ ...stackTags(CLUSTER, STACK_ID, id), [LEGACY_TAG_INGRESS_CLUSTER]: CLUSTER, 'aws:cloudformation:stack-name': 'x' });

/** a forward action as DescribeRules reports it: weight and stickiness filled in */
const forwardAsReported = (arn: string): Action => ({ type: 'forward', forwardConfig: { targetGroups: [{ targetGroupArn: arn, weight: 1 }], targetGroupStickinessConfig: { enabled: false } } });

const healthCheckAsReported = {
  enabled: true, port: 'traffic-port', protocol: 'HTTP', path: '/', intervalSeconds: 15, timeoutSeconds: 5,
  healthyThresholdCount: 2, unhealthyThresholdCount: 2, matcher: { httpCode: '200' },
} as const;

const tgAttributes = {
  'deregistration_delay.timeout_seconds': '300', 'stickiness.enabled': 'false', 'stickiness.type': 'lb_cookie',
  'load_balancing.algorithm.type': 'round_robin', 'slow_start.duration_seconds': '0', 'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
};

const observed: ObservedState = {
  securityGroups: [{
    arn: SG, groupId: SG, tags: owned('ManagedLBSecurityGroup'),
    spec: {
      groupName: 'k8s-default-shop-55aa66bb77', description: '[k8s] Managed SecurityGroup for LoadBalancer', vpcId: 'vpc-0001',
      ingress: [{ ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' }], tags: owned('ManagedLBSecurityGroup'),
    },
  }],
  loadBalancers: [{
    arn: LB, dnsName: 'internal-k8s-default-shop-9876543210-1234567890.us-west-2.elb.amazonaws.com', tags: owned('LoadBalancer'),
    attributes: { 'access_logs.s3.enabled': 'false', 'deletion_protection.enabled': 'false', 'idle_timeout.timeout_seconds': '60', 'routing.http2.enabled': 'true' },
    spec: {
      name: 'k8s-default-shop-9876543210', type: 'application', scheme: 'internal', ipAddressType: 'ipv4',
      subnets: ['subnet-b', 'subnet-a'], securityGroups: [SG], attributes: {}, tags: owned('LoadBalancer'),
    },
  }],
  listeners: [{
    arn: LISTENER, loadBalancerArn: LB, tags: owned('80'),
    spec: {
      loadBalancer: LB, port: 80, protocol: 'HTTP', certificates: [],
      defaultActions: [{ type: 'fixed-response', fixedResponseConfig: { statusCode: '404', contentType: 'text/plain' } }], tags: owned('80'),
    },
  }],
  rules: ([[1, 'api.example.com', TG_API_ARN], [2, 'shop.example.com', TG_WEB_ARN]] as const).map(([priority, host, tg]) => ({
    arn: `${RA}:listener-rule/app/k8s-default-shop-9876543210/5e1f0c2a9b7d3e41/77aa00bb11cc22dd/00000000000000${priority}0`,
    listenerArn: LISTENER, tags: owned(`80:${priority}`),
    spec: {
      listener: LISTENER, priority,
      // DescribeRules order: path first here, host second
      conditions: [{ field: 'path-pattern', pathPatternConfig: { values: ['/*'] } }, { field: 'host-header', hostHeaderConfig: { values: [host] } }],
      actions: [forwardAsReported(tg)], tags: owned(`80:${priority}`),
    },
  })),
  targetGroups: ([[TG_API, TG_API_ARN, 'k8s-default-api-5c1b7e3f0a'], [TG_WEB, TG_WEB_ARN, 'k8s-default-web-a0b1c2d3e4']] as const).map(([id, arn, name]) => ({
    arn, tags: owned(id), attributes: tgAttributes,
    // upstream's port for the group (any port: targets are registered with their own)
    spec: { name, targetType: 'instance', port: 80, protocol: 'HTTP', protocolVersion: 'HTTP1', ipAddressType: 'ipv4', vpcId: 'vpc-0001', healthCheck: healthCheckAsReported, attributes: {}, tags: owned(id) },
  })),
};

/** bindings from an older upstream: no vpcID, no ipAddressType, labels plus one added by someone else */
const bindings: ObservedBinding[] = ([['k8s-default-api', 'api', TG_API_ARN], ['k8s-default-web', 'web', TG_WEB_ARN]] as const).map(([name, service, arn]) => ({
  namespace: 'default', name,
  spec: {
    name, namespace: 'default', labels: { 'ingress.k8s.aws/stack-namespace': 'default', 'ingress.k8s.aws/stack-name': 'shop', 'team': 'x' },
    targetGroupARN: arn, targetType: 'instance', serviceRef: { name: service, port: 80 },
  } as unknown as ObservedBinding['spec'],
}));

/** our desired stack, with vpcID on the bindings as the builder sets it when the VPC is known */
const desired = (): Stack => [TG_API, TG_WEB].reduce((s, id) => withResource(s, 'TargetGroupBinding', id, (r) => (r.kind === 'TargetGroupBinding' ? { ...r, spec: { ...r.spec, vpcID: 'vpc-0001' } } : r)), shopStack());

describe('planStack against state the upstream controller built', () => {
  it('adopts everything: only noops and updates, never a replace or delete', () => {
    const plan = planStack(desired(), observed, { clusterName: CLUSTER, observedBindings: bindings });
    const bad = plan.changes.filter((c) => c.action !== 'noop' && c.action !== 'update');
    assert.deepEqual(bad.map((c) => `${c.action} ${c.kind} ${c.id}: ${c.reason}`), []);
    assert.equal(plan.warnings, undefined);
    assert.equal(plan.complete, true);
  });

  it('rules at the right priorities are not moved; target groups with another name and port are kept as they are', () => {
    const plan = planStack(desired(), observed, { clusterName: CLUSTER, observedBindings: bindings });
    assert.ok(plan.changes.filter((c) => c.kind === 'ListenerRule' || c.kind === 'TargetGroup').every((c) => c.action === 'noop'),
      plan.changes.map((c) => `${c.action} ${c.kind} ${c.id}: ${c.reason}`).join('\n'));
  });

  it('a binding without vpcID gets it filled in by an ordinary update (no delete-first replace, no deregistration)', () => {
    const plan = planStack(desired(), observed, { clusterName: CLUSTER, observedBindings: bindings });
    const tgb = plan.changes.filter((c) => c.kind === 'TargetGroupBinding');
    assert.deepEqual(tgb.map((c) => `${c.action} ${c.fields?.join() ?? ''}`), ['update vpcID', 'update vpcID']);
  });

  it('a binding whose vpcID is set and differs is still replaced (it is immutable once set)', () => {
    const withVpc = bindings.map((b) => ({ ...b, spec: { ...b.spec, vpcID: 'vpc-0999' } }));
    const plan = planStack(desired(), observed, { clusterName: CLUSTER, observedBindings: withVpc });
    const replaced = plan.changes.filter((c) => c.kind === 'TargetGroupBinding' && c.action === 'replace');
    assert.equal(replaced.length, 4);
    assert.deepEqual(replaced[0]?.replaceFields, ['vpcID']);
  });

  it('a desired binding without vpcID leaves the observed one alone', () => {
    const withVpc = bindings.map((b) => ({ ...b, spec: { ...b.spec, vpcID: 'vpc-0001', ipAddressType: 'ipv4' as const } }));
    const plan = planStack(shopStack(), observed, { clusterName: CLUSTER, observedBindings: withVpc });
    assert.ok(plan.changes.filter((c) => c.kind === 'TargetGroupBinding').every((c) => c.action === 'noop'));
  });
});
