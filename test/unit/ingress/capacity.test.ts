// ALB capacity reservations: minimum-load-balancer-capacity and IngressClassParams minimumLoadBalancerCapacity, built
// into LoadBalancerSpec.minimumCapacityUnits (the NLB's field), compared only when set, and written with
// ModifyCapacityReservation (pinned with aws-sdk-client-mock: moto 5.2.5 answers it with 500).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateLoadBalancerCommand, DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client, ModifyCapacityReservationCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { applyPlan } from '../../../src/deploy/apply.ts';
import { buildStacks } from '../../../src/ingress/index.ts';
import { paramsValueProblems } from '../../../src/ingress/class-params.ts';
import { findResource, type LoadBalancerSpec } from '../../../src/model/index.ts';
import { loadBalancerKind } from '../../../src/plan/kinds/load-balancer.ts';
import { CLUSTER, fastTiming, lbSpec, plan } from '../deploy/apply-fixtures.ts';
import { A, CONFIG, FACTS, albClass, ingress, one, path, rule, service, snapshot } from './fixtures.ts';

const svc = service('svc');
const LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/k8s-shop-web/0a';
const web = (name: string, annotations: Record<string, string>, group?: string) => ingress(name, {
  annotations: { ...(group ? { [A('group.name')]: group } : {}), ...annotations }, rules: [rule(`${name}.example.com`, path('/', 'svc'))],
});
const withParams = (capacityUnits: number) => ({
  ingressClasses: [albClass('alb', { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'p' } })],
  ingressClassParams: [{ metadata: { name: 'p' }, spec: { minimumLoadBalancerCapacity: { capacityUnits } } }],
});
const units = (r: ReturnType<typeof buildStacks>) => findResource(one(r.stacks), 'LoadBalancer', 'LoadBalancer')?.spec.minimumCapacityUnits;

describe('ALB capacity reservations', () => {
  it('build: the annotation, IngressClassParams replacing it, the gate, and a conflict in a group', () => {
    assert.equal(units(buildStacks(snapshot({ ingresses: [web('a', {})], services: [svc] }), FACTS, CONFIG)), undefined);
    assert.equal(units(buildStacks(snapshot({ ingresses: [web('a', { [A('minimum-load-balancer-capacity')]: 'CapacityUnits=100' })], services: [svc] }), FACTS, CONFIG)), 100);
    assert.equal(units(buildStacks(snapshot({ ingresses: [web('a', { [A('minimum-load-balancer-capacity')]: 'CapacityUnits=100' })], services: [svc], ...withParams(300) }), FACTS, CONFIG)), 300);
    const off = buildStacks(snapshot({ ingresses: [web('a', { [A('minimum-load-balancer-capacity')]: 'CapacityUnits=100' })], services: [svc] }), FACTS,
      { ...CONFIG, featureGates: { LBCapacityReservation: false } });
    assert.deepEqual([off.issues, units(off)], [[], undefined]);
    const group = buildStacks(snapshot({ ingresses: [
      web('a', { [A('minimum-load-balancer-capacity')]: 'CapacityUnits=100' }, 'g'), web('b', { [A('minimum-load-balancer-capacity')]: 'CapacityUnits=200' }, 'g'),
    ], services: [svc] }), FACTS, CONFIG);
    assert.equal(units(group), 100);
    assert.deepEqual(group.issues.map((i) => [i.object.name, i.field, i.code]), [['b', A('minimum-load-balancer-capacity'), 'ConflictingValue']]);
  });

  it('build: refuses another key, a negative or non-integer value, naming the annotation or the field', () => {
    for (const value of ['Units=100', 'CapacityUnits=-1', 'CapacityUnits=1.5', 'CapacityUnits=100,Other=1', 'CapacityUnits=']) {
      const r = buildStacks(snapshot({ ingresses: [web('a', { [A('minimum-load-balancer-capacity')]: value })], services: [svc] }), FACTS, CONFIG);
      assert.deepEqual(one(r.issues).field, A('minimum-load-balancer-capacity'), value);
    }
    assert.deepEqual(paramsValueProblems({ minimumLoadBalancerCapacity: { capacityUnits: -1 } }).map((p) => p.field), ['spec.minimumLoadBalancerCapacity.capacityUnits']);
  });

  it('property: any CapacityUnits in [0, 2^31-1] builds into the spec; anything else is refused', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2147483647 }), (n) => {
      assert.equal(units(buildStacks(snapshot({ ingresses: [web('a', { [A('minimum-load-balancer-capacity')]: `CapacityUnits=${n}` })], services: [svc] }), FACTS, CONFIG)), n);
    }), { numRuns: 50 });
    fc.assert(fc.property(fc.string().filter((s) => !/^\+?\d+$/.test(s.trim())), (s) => {
      const r = buildStacks(snapshot({ ingresses: [web('a', { [A('minimum-load-balancer-capacity')]: `CapacityUnits=${s}` })], services: [svc] }), FACTS, CONFIG);
      assert.equal(r.stacks.length, 0);
    }), { numRuns: 50 });
  });

  it('plan: compared only when the desired spec sets it (removing it changes nothing, as upstream)', () => {
    const tags = { clusterName: CLUSTER };
    const observed = { arn: LB, dnsName: 'x', tags: lbSpec().tags, attributes: {}, spec: { ...lbSpec(), minimumCapacityUnits: 100 } };
    const paths = (d: LoadBalancerSpec) => loadBalancerKind.diff(d, observed, (v) => v as never, tags).map((f) => f.path);
    assert.deepEqual(paths(lbSpec()), []);
    assert.deepEqual(paths(lbSpec({ minimumCapacityUnits: 100 })), []);
    assert.deepEqual(paths(lbSpec({ minimumCapacityUnits: 200 })), ['minimumCapacityUnits']);
  });

  describe('apply (ModifyCapacityReservation pinned)', () => {
    const elbv2 = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });
    const ec2 = new EC2Client({ region: 'us-east-1' });
    let elb: AwsClientStub<ElasticLoadBalancingV2Client>;
    before(() => { elb = mockClient(ElasticLoadBalancingV2Client); });
    after(() => { elb.restore(); });
    beforeEach(() => { elb.reset(); });
    const resolved = (over: Partial<LoadBalancerSpec>) => lbSpec({ securityGroups: ['sg-1'], ...over });

    it('reserves the units right after creating the ALB', async () => {
      elb.on(CreateLoadBalancerCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: LB, DNSName: 'K8S.elb' }] });
      const r = await applyPlan(plan([{ action: 'create', kind: 'LoadBalancer', id: 'LoadBalancer', after: resolved({ minimumCapacityUnits: 100 }), reason: 't' }]),
        { elbv2, ec2, clusterName: CLUSTER, timing: fastTiming() });
      assert.equal(r.errors, undefined);
      assert.deepEqual(elb.commandCalls(ModifyCapacityReservationCommand).map((c) => c.args[0].input), [{ LoadBalancerArn: LB, MinimumLoadBalancerCapacity: { CapacityUnits: 100 } }]);
    });

    it('changes the units in place, and 0 resets the reservation', async () => {
      for (const [to, input] of [
        [200, { LoadBalancerArn: LB, MinimumLoadBalancerCapacity: { CapacityUnits: 200 } }],
        [0, { LoadBalancerArn: LB, ResetCapacityReservation: true }],
      ] as const) {
        elb.reset();
        elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: LB, DNSName: 'K8S.elb' }] });
        const r = await applyPlan(plan([{
          action: 'update', kind: 'LoadBalancer', id: 'LoadBalancer', arn: LB, reason: 't', fields: ['minimumCapacityUnits'],
          before: { ...resolved({ minimumCapacityUnits: 100 }), attributes: {} }, after: resolved({ minimumCapacityUnits: to }),
        }]), { elbv2, ec2, clusterName: CLUSTER, timing: fastTiming() });
        assert.equal(r.errors, undefined);
        assert.deepEqual(elb.commandCalls(ModifyCapacityReservationCommand).map((c) => c.args[0].input), [input]);
        const writes = elb.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name).filter((n) => !n.startsWith('Describe'));
        assert.deepEqual(writes, ['ModifyCapacityReservationCommand'], 'no other write');
      }
    });
  });
});
