import assert from 'node:assert/strict';
import { buildStacks } from '../../../src/ingress/index.ts';
import { findResource, isUnknown, TAG_CLUSTER, TAG_INGRESS_RESOURCE, TAG_INGRESS_STACK } from '../../../src/model/index.ts';
import { BACKEND_SG, CONFIG, FACTS, byKind, ingress, one, path, rule, service, snapshot } from './fixtures.ts';

// The two Ingresses of shared/seed/ingress-overview.md, with IngressClass `alb` and their four Services as NodePort.
const pathBased = ingress('path-based-ingress', {
  rules: [rule('shop.example.com', path('/products', 'product-service'), path('/orders', 'order-service'))],
});
const hostBased = ingress('host-based-ingress', {
  rules: [rule('api.example.com', path('/', 'api-service')), rule('admin.example.com', path('/', 'admin-service'))],
});
const services = [
  service('product-service', { nodePort: 30001 }), service('order-service', { nodePort: 30002 }),
  service('api-service', { nodePort: 30003 }), service('admin-service', { nodePort: 30004 }),
];
const snap = snapshot({ ingresses: [pathBased, hostBased], services });

describe('ingress builder: the seed Ingresses', () => {
  const result = buildStacks(snap, FACTS, CONFIG);

  it('plans one stack per Ingress (implicit groups), without issues', () => {
    assert.deepEqual(result.issues, []);
    assert.deepEqual(result.stacks.map((s) => s.id), ['default/host-based-ingress', 'default/path-based-ingress']);
    assert.deepEqual(result.groups.map((g) => [g.id, g.members, g.blocked]), [
      ['default/host-based-ingress', ['default/host-based-ingress'], false],
      ['default/path-based-ingress', ['default/path-based-ingress'], false],
    ]);
  });

  it('path routing: shop.example.com /products and /orders on HTTP:80, 404 by default', () => {
    const stack = one(result.stacks.filter((s) => s.id === 'default/path-based-ingress'));
    const listener = one(byKind(stack, 'Listener'));
    assert.equal(listener.id, '80');
    assert.equal(listener.spec.protocol, 'HTTP');
    assert.deepEqual(listener.spec.defaultActions, [{ type: 'fixed-response', fixedResponseConfig: { statusCode: '404', contentType: 'text/plain' } }]);
    const rules = byKind(stack, 'ListenerRule');
    assert.deepEqual(rules.map((r) => r.id), ['80:1', '80:2']);
    // Prefix paths: the longer one first
    assert.deepEqual(rules.map((r) => r.spec.conditions), [
      [{ field: 'host-header', hostHeaderConfig: { values: ['shop.example.com'] } }, { field: 'path-pattern', pathPatternConfig: { values: ['/products', '/products/*'] } }],
      [{ field: 'host-header', hostHeaderConfig: { values: ['shop.example.com'] } }, { field: 'path-pattern', pathPatternConfig: { values: ['/orders', '/orders/*'] } }],
    ]);
    assert.deepEqual(rules[0]?.spec.actions, [{
      type: 'forward', forwardConfig: { targetGroups: [{ targetGroupArn: { $ref: { kind: 'TargetGroup', id: 'default/path-based-ingress-product-service:80' }, field: 'arn' } }] },
    }]);
    const tgs = byKind(stack, 'TargetGroup');
    assert.deepEqual(tgs.map((t) => [t.id, t.spec.port, t.spec.targetType, t.spec.protocol]), [
      ['default/path-based-ingress-order-service:80', 30002, 'instance', 'HTTP'],
      ['default/path-based-ingress-product-service:80', 30001, 'instance', 'HTTP'],
    ]);
    for (const tg of tgs) assert.match(tg.spec.name, /^k8s-default-(orderser|products)-[0-9a-f]{10}$/);
  });

  it('host routing: api. and admin. each with /*', () => {
    const stack = one(result.stacks.filter((s) => s.id === 'default/host-based-ingress'));
    const rules = byKind(stack, 'ListenerRule');
    assert.deepEqual(rules.map((r) => [r.id, r.spec.priority, r.spec.conditions]), [
      ['80:1', 1, [{ field: 'host-header', hostHeaderConfig: { values: ['api.example.com'] } }, { field: 'path-pattern', pathPatternConfig: { values: ['/*'] } }]],
      ['80:2', 2, [{ field: 'host-header', hostHeaderConfig: { values: ['admin.example.com'] } }, { field: 'path-pattern', pathPatternConfig: { values: ['/*'] } }]],
    ]);
    assert.equal(byKind(stack, 'TargetGroup').length, 2);
  });

  it('builds the load balancer, managed security group and bindings with ownership tags', () => {
    const stack = one(result.stacks.filter((s) => s.id === 'default/host-based-ingress'));
    const lb = findResource(stack, 'LoadBalancer', 'LoadBalancer');
    assert.ok(lb);
    assert.match(lb.spec.name, /^k8s-default-hostbase-[0-9a-f]{10}$/);
    assert.equal(lb.spec.scheme, 'internal');
    assert.deepEqual(lb.spec.subnets, ['subnet-priv-a', 'subnet-priv-b']);
    // the managed frontend group, then the cluster's shared backend group (upstream's order)
    assert.deepEqual(lb.spec.securityGroups, [{ $ref: { kind: 'SecurityGroup', id: 'ManagedLBSecurityGroup' }, field: 'groupId' }, BACKEND_SG]);
    assert.deepEqual(lb.spec.tags, { [TAG_CLUSTER]: 'demo', [TAG_INGRESS_STACK]: 'default/host-based-ingress', [TAG_INGRESS_RESOURCE]: 'LoadBalancer' });
    const sg = findResource(stack, 'SecurityGroup', 'ManagedLBSecurityGroup');
    assert.deepEqual(sg?.spec.ingress, [{ ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' }]);
    assert.equal(sg?.spec.vpcId, 'vpc-1');
    for (const r of stack.resources) {
      if (r.kind === 'TargetGroupBinding') continue;
      assert.equal(r.spec.tags[TAG_INGRESS_RESOURCE], r.id, `${r.kind}/${r.id} carries its resource tag`);
    }
    const tgb = findResource(stack, 'TargetGroupBinding', 'default/host-based-ingress-api-service:80');
    const tg = findResource(stack, 'TargetGroup', 'default/host-based-ingress-api-service:80');
    assert.ok(tgb && tg);
    assert.equal(tgb.spec.name, tg.spec.name);
    assert.deepEqual(tgb.spec.labels, { 'ingress.k8s.aws/stack-namespace': 'default', 'ingress.k8s.aws/stack-name': 'host-based-ingress' });
    assert.deepEqual(tgb.spec.serviceRef, { name: 'api-service', port: 80 });
    assert.deepEqual(tgb.spec.networking?.ingress, [{
      from: [{ securityGroup: { groupID: BACKEND_SG } }],
      ports: [{ protocol: 'TCP', port: 30003 }],
    }]);
  });

  it('without discovered facts, plans the same stacks with Unknowns instead of failing', () => {
    const r = buildStacks(snap, {}, CONFIG);
    assert.deepEqual(r.issues, []);
    assert.equal(r.stacks.length, 2);
    const lb = findResource(r.stacks[0] as never, 'LoadBalancer', 'LoadBalancer');
    assert.ok(lb && isUnknown(lb.spec.subnets));
    assert.deepEqual(lb.spec.subnets, { $unknown: 'discovery:subnets' });
    const tg = byKind(r.stacks[0] as never, 'TargetGroup')[0];
    assert.deepEqual(tg?.spec.vpcId, { $unknown: 'discovery:vpc' });
  });
});
