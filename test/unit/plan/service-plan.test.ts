// Plans of Service (NLB) stacks: matched by service.k8s.aws/resource, the NLB replaced on scheme or name, target
// groups on protocol, everything else in place; an unchanged stack is all noops.
import assert from 'node:assert/strict';
import { emptyObservedState, type LoadBalancerSpec, type ListenerSpec, type Stack, type TargetGroupSpec } from '../../../src/model/index.ts';
import { planStack, renderText, type Plan } from '../../../src/plan/index.ts';
import { build, stackOf, svc, TCP80 } from '../service/fixtures.ts';
import { observedFromStack, withResource } from './helpers.ts';

const OPTS = { clusterName: 'prod' };
const active = (p: Plan): string[] => p.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action}${c.phase ? `:${c.phase}` : ''} ${c.kind} ${c.id}${c.fields ? ` [${c.fields.join(',')}]` : ''}`);
const tlsStack = (): Stack => stackOf(build(svc({ 'aws-load-balancer-ssl-cert': 'arn:aws:acm:us-east-1:1:certificate/a', 'aws-load-balancer-ssl-ports': '443' },
  { ports: [TCP80, { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP', nodePort: 30443 }] })));

describe('planStack: Service (NLB) stacks', () => {
  it('creates the stack in upstream\'s order, marked as a Service stack', () => {
    const plan = planStack(tlsStack(), emptyObservedState(), OPTS);
    assert.equal(plan.family, 'service');
    assert.deepEqual(active(plan), [
      'create SecurityGroup ManagedLBSecurityGroup', 'create TargetGroup shop/echo:443', 'create TargetGroup shop/echo:80', 'create LoadBalancer LoadBalancer',
      'create Listener 80', 'create Listener 443', 'create TargetGroupBinding shop/echo:443', 'create TargetGroupBinding shop/echo:80',
    ]);
    assert.match(plan.changes[0]?.reason ?? '', /no SecurityGroup tagged service\.k8s\.aws\/resource=ManagedLBSecurityGroup/);
    assert.match(renderText(plan), /^Service stack "shop\/echo":/m);
  });

  it('plans nothing for what AWS already holds (matched by service.k8s.aws/resource)', () => {
    const stack = tlsStack();
    const o = observedFromStack(stack);
    const plan = planStack(stack, o.state, { ...OPTS, observedBindings: o.bindings });
    assert.deepEqual(active(plan), []);
  });

  it('replaces the NLB when its scheme or its name changes, and says why', () => {
    const stack = tlsStack();
    const o = observedFromStack(stack);
    const edit = (f: Partial<LoadBalancerSpec>) => withResource(stack, 'LoadBalancer', 'LoadBalancer', (r) => ({ ...r, spec: { ...(r.spec as LoadBalancerSpec), ...f } } as typeof r));
    const scheme = planStack(edit({ scheme: 'internet-facing' }), o.state, { ...OPTS, observedBindings: o.bindings });
    assert.deepEqual(active(scheme).filter((s) => s.includes('LoadBalancer')), ['replace:delete LoadBalancer LoadBalancer [scheme]', 'replace:create LoadBalancer LoadBalancer [scheme]']);
    assert.match(scheme.changes.find((c) => c.action === 'replace')?.reason ?? '', /scheme cannot change in place/);
    const name = planStack(edit({ name: 'renamed' }), o.state, { ...OPTS, observedBindings: o.bindings });
    assert.match(name.changes.find((c) => c.action === 'replace')?.reason ?? '', /name cannot change in place/);
    // listeners go with the old NLB and are created on the new one; target groups stay
    assert.deepEqual(active(name).filter((s) => s.includes('TargetGroup ')), []);
  });

  it('replaces a target group whose protocol changes (TCP → TLS with backend-protocol ssl)', () => {
    const stack = tlsStack();
    const o = observedFromStack(stack);
    const next = withResource(stack, 'TargetGroup', 'shop/echo:443', (r) => ({ ...r, spec: { ...(r.spec as TargetGroupSpec), protocol: 'TLS', name: 'k8s-shop-echo-ffffffffff' } } as typeof r));
    assert.ok(active(planStack(next, o.state, { ...OPTS, observedBindings: o.bindings })).some((s) => s.startsWith('replace:create TargetGroup shop/echo:443 [protocol')));
  });

  it('changes listeners in place: ALPN policy and attributes, compared only when set', () => {
    const stack = tlsStack();
    const o = observedFromStack(stack);
    const next = withResource(stack, 'Listener', '443', (r) => ({ ...r, spec: { ...(r.spec as ListenerSpec), alpnPolicy: ['HTTP2Only'] } } as typeof r));
    assert.deepEqual(active(planStack(next, o.state, { ...OPTS, observedBindings: o.bindings })), ['update Listener 443 [alpnPolicy]']);
    const attrs = withResource(stack, 'Listener', '80', (r) => ({ ...r, spec: { ...(r.spec as ListenerSpec), attributes: { 'tcp.idle_timeout.seconds': '600' } } } as typeof r));
    assert.deepEqual(active(planStack(attrs, o.state, { ...OPTS, observedBindings: o.bindings })), ['update Listener 80 [attributes["tcp.idle_timeout.seconds"]]']);
  });
});
