// IPAM pools (ipam-ipv4-pool-id, IngressClassParams ipamConfiguration), customer-owned IPv4 pools
// (customer-owned-ipv4-pool) and target control ports (target-control-port.<service>.<port>, gate ALBTargetControlAgent):
// build with Issues, plan, and the exact SDK requests of apply (aws-sdk-client-mock: moto 5.2.5 answers ModifyIpPools
// with 500, ignores IpamPools, CustomerOwnedIpv4Pool and TargetControlPort, and reports none of them).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client, ModifyIpPoolsCommand,
  SetIpAddressTypeCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { applyPlan } from '../../../src/deploy/apply.ts';
import { toLoadBalancerSpec, toTargetGroupSpec } from '../../../src/deploy/convert.ts';
import { buildStacks, type BuildConfig } from '../../../src/ingress/index.ts';
import { paramsValueProblems } from '../../../src/ingress/class-params.ts';
import { findResource, type LoadBalancerSpec, type TargetGroupSpec } from '../../../src/model/index.ts';
import type { ObservedTargetGroup } from '../../../src/model/observed.ts';
import { loadBalancerKind } from '../../../src/plan/kinds/load-balancer.ts';
import { targetGroupKind } from '../../../src/plan/kinds/target-group.ts';
import { CLUSTER, fastTiming, lbSpec, plan, tgSpec } from '../deploy/apply-fixtures.ts';
import { A, CONFIG, FACTS, albClass, byKind, ingress, one, path, rule, service, snapshot } from './fixtures.ts';

const LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/k8s-shop-web/0a';
const POOL = 'ipam-pool-0f995c17c00375b48';
const COIP = 'ipv4pool-coip-0123456789abcdef0';
const web = (name: string, annotations: Record<string, string>, group?: string) => ingress(name, {
  annotations: { ...(group ? { [A('group.name')]: group } : {}), ...annotations }, rules: [rule(`${name}.example.com`, path('/', 'svc'))],
});
const svc = service('svc');
const withParams = (spec: Record<string, unknown>) => ({
  ingressClasses: [albClass('alb', { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'p' } })],
  ingressClassParams: [{ metadata: { name: 'p' }, spec }],
});
const lbOf = (r: ReturnType<typeof buildStacks>): LoadBalancerSpec | undefined => findResource(one(r.stacks), 'LoadBalancer', 'LoadBalancer')?.spec;
const build = (ings: ReturnType<typeof web>[], more: Record<string, unknown> = {}, config: BuildConfig = CONFIG) =>
  buildStacks(snapshot({ ingresses: ings, services: [svc], ...more }), FACTS, config);
/** alphanumeric tails, as the ELBv2 patterns take */
const alnum = fc.stringMatching(/^[a-zA-Z0-9]{1,40}$/);

describe('IPAM IPv4 pools', () => {
  it('build: the annotation, an empty one (none, as upstream), IngressClassParams replacing it, and a conflict in a group', () => {
    assert.equal(lbOf(build([web('a', {})]))?.ipv4IpamPoolId, undefined);
    assert.equal(lbOf(build([web('a', { [A('ipam-ipv4-pool-id')]: POOL })]))?.ipv4IpamPoolId, POOL);
    const empty = build([web('a', { [A('ipam-ipv4-pool-id')]: '' })]);
    assert.deepEqual([empty.issues, lbOf(empty)?.ipv4IpamPoolId], [[], undefined]);
    assert.equal(lbOf(build([web('a', { [A('ipam-ipv4-pool-id')]: POOL })], withParams({ ipamConfiguration: { ipv4IPAMPoolId: 'ipam-pool-abc' } })))?.ipv4IpamPoolId, 'ipam-pool-abc');
    const group = build([web('a', { [A('ipam-ipv4-pool-id')]: POOL }, 'g'), web('b', { [A('ipam-ipv4-pool-id')]: 'ipam-pool-other' }, 'g')]);
    assert.equal(lbOf(group)?.ipv4IpamPoolId, POOL);
    assert.deepEqual(group.issues.map((i) => [i.object.name, i.field, i.code]), [['b', A('ipam-ipv4-pool-id'), 'ConflictingValue']]);
    assert.match(one(group.issues).reason, /^IPv4 IPAM pool "ipam-pool-other" conflicts with "ipam-pool-0f995c17c00375b48" set by /);
  });

  it('build: refuses a value AWS would refuse, naming the annotation, the field of the IngressClassParams, and the limit', () => {
    for (const value of ['pool-1', 'ipam-pool-', 'ipam-pool-a_b', ' ipam-pool-1', `ipam-pool-${'a'.repeat(991)}`]) {
      const r = build([web('a', { [A('ipam-ipv4-pool-id')]: value })]);
      assert.deepEqual([r.stacks.length, one(r.issues).field, one(r.issues).code], [0, A('ipam-ipv4-pool-id'), 'InvalidAnnotation'], value);
      assert.match(one(r.issues).reason, /at most 1000 characters: the ELBv2 IpamPools limit/);
    }
    assert.deepEqual(paramsValueProblems({ ipamConfiguration: { ipv4IPAMPoolId: '' } }).map((p) => p.field), ['spec.ipamConfiguration.ipv4IPAMPoolId']);
    const r = build([web('a', {})], withParams({ ipamConfiguration: { ipv4IPAMPoolId: 'vpc-1' } }));
    assert.deepEqual([r.stacks, one(r.issues).field, one(r.issues).code], [[], 'IngressClassParams(p).spec.ipamConfiguration.ipv4IPAMPoolId', 'InvalidIngressClassParams']);
  });

  it('property: every ID of the ELBv2 pattern up to 1000 characters builds into the spec, from the annotation or the IngressClassParams', () => {
    fc.assert(fc.property(alnum, fc.boolean(), (tail, viaParams) => {
      const id = `ipam-pool-${tail}`;
      const r = viaParams ? build([web('a', {})], withParams({ ipamConfiguration: { ipv4IPAMPoolId: id } })) : build([web('a', { [A('ipam-ipv4-pool-id')]: id })]);
      assert.deepEqual([r.issues, lbOf(r)?.ipv4IpamPoolId], [[], id]);
    }), { numRuns: 40 });
    fc.assert(fc.property(fc.string({ minLength: 1 }).filter((s) => !/^ipam-pool-[a-zA-Z0-9]+$/.test(s)), (s) => {
      assert.equal(build([web('a', { [A('ipam-ipv4-pool-id')]: s })]).stacks.length, 0);
    }), { numRuns: 40 });
  });

  it('plan: an ALB compares its pool always (a pool set by hand is removed, as upstream); an NLB never', () => {
    const tags = { clusterName: CLUSTER };
    const observed = (ipv4IpamPoolId?: string, type: LoadBalancerSpec['type'] = 'application') =>
      ({ arn: LB, dnsName: 'x', tags: lbSpec().tags, attributes: {}, spec: { ...lbSpec({ type }), ...(ipv4IpamPoolId ? { ipv4IpamPoolId } : {}) } });
    const diff = (d: LoadBalancerSpec, o: ReturnType<typeof observed>) => loadBalancerKind.diff(d, o, (v) => v as never, tags).map((f) => [f.path, f.before, f.after]);
    assert.deepEqual(diff(lbSpec({ ipv4IpamPoolId: POOL }), observed(POOL)), []);
    assert.deepEqual(diff(lbSpec({ ipv4IpamPoolId: POOL }), observed()), [['ipv4IpamPoolId', undefined, POOL]]);
    assert.deepEqual(diff(lbSpec(), observed(POOL)), [['ipv4IpamPoolId', POOL, undefined]]);
    assert.deepEqual(diff(lbSpec({ type: 'network' }), observed(POOL, 'network')), []);
    // read back from DescribeLoadBalancers
    assert.equal(toLoadBalancerSpec({ IpamPools: { Ipv4IpamPoolId: POOL } }, {}, {}).ipv4IpamPoolId, POOL);
    assert.equal(toLoadBalancerSpec({}, {}, {}).ipv4IpamPoolId, undefined);
  });
});

describe('customer-owned IPv4 pools', () => {
  it('build: the annotation, a conflict in a group, and values AWS would refuse (an empty one too, as upstream)', () => {
    assert.equal(lbOf(build([web('a', { [A('customer-owned-ipv4-pool')]: COIP })]))?.customerOwnedIpv4Pool, COIP);
    const group = build([web('a', { [A('customer-owned-ipv4-pool')]: COIP }, 'g'), web('b', { [A('customer-owned-ipv4-pool')]: 'ipv4pool-coip-other' }, 'g')]);
    assert.equal(lbOf(group)?.customerOwnedIpv4Pool, COIP);
    assert.deepEqual(group.issues.map((i) => [i.object.name, i.field, i.code]), [['b', A('customer-owned-ipv4-pool'), 'ConflictingValue']]);
    for (const value of ['', 'coip-1', 'ipv4pool-coip-', 'ipv4pool-coip-a.b', `ipv4pool-coip-${'a'.repeat(243)}`]) {
      const r = build([web('a', { [A('customer-owned-ipv4-pool')]: value })]);
      assert.deepEqual([r.stacks.length, one(r.issues).field, one(r.issues).code], [0, A('customer-owned-ipv4-pool'), 'InvalidAnnotation'], value);
    }
  });

  it('property: every ID of the ELBv2 pattern builds into the spec; anything else is refused', () => {
    fc.assert(fc.property(alnum, (tail) => {
      assert.equal(lbOf(build([web('a', { [A('customer-owned-ipv4-pool')]: `ipv4pool-coip-${tail}` })]))?.customerOwnedIpv4Pool, `ipv4pool-coip-${tail}`);
    }), { numRuns: 40 });
    fc.assert(fc.property(fc.string().filter((s) => !/^ipv4pool-coip-[a-zA-Z0-9]+$/.test(s)), (s) => {
      assert.equal(build([web('a', { [A('customer-owned-ipv4-pool')]: s })]).stacks.length, 0);
    }), { numRuns: 40 });
  });

  it('plan: never compared (AWS cannot change it; upstream only logs a difference)', () => {
    const observed = { arn: LB, dnsName: 'x', tags: lbSpec().tags, attributes: {}, spec: { ...lbSpec(), customerOwnedIpv4Pool: 'ipv4pool-coip-old' } };
    assert.deepEqual(loadBalancerKind.diff(lbSpec({ customerOwnedIpv4Pool: COIP }), observed, (v) => v as never, { clusterName: CLUSTER }), []);
    assert.equal(toLoadBalancerSpec({ CustomerOwnedIpv4Pool: COIP }, {}, {}).customerOwnedIpv4Pool, COIP);
  });
});

describe('target control ports', () => {
  const KEY = A('target-control-port.svc.80');
  const ipSvc = (annotations: Record<string, string> = {}) => service('svc', { annotations: { [A('target-type')]: 'ip', ...annotations } });
  const buildTg = (ingAnn: Record<string, string>, svcAnn: Record<string, string> = {}) =>
    buildStacks(snapshot({ ingresses: [web('a', ingAnn)], services: [ipSvc(svcAnn)] }), FACTS, CONFIG);
  const tgOf = (r: ReturnType<typeof buildStacks>) => one(byKind(one(r.stacks), 'TargetGroup')).spec;

  it('build: read from the Service first, then the Ingress; hashed into the name; opened on the targets', () => {
    const plain = tgOf(buildTg({}));
    const fromIngress = buildTg({ [KEY]: '3000' });
    assert.deepEqual(fromIngress.issues, []);
    assert.equal(tgOf(fromIngress).targetControlPort, 3000);
    assert.notEqual(tgOf(fromIngress).name, plain.name, 'a new port is a new name (upstream hashes it)');
    assert.equal(tgOf(buildTg({ [KEY]: '3000' }, { [KEY]: '4000' })).targetControlPort, 4000);
    assert.equal(plain.targetControlPort, undefined);
    const binding = one(byKind(one(fromIngress.stacks), 'TargetGroupBinding')).spec;
    assert.deepEqual(binding.networking?.ingress.flatMap((r) => r.ports.map((p) => p.port)), [8080, 3000]);
    // another backend's key does nothing here (as upstream)
    assert.equal(tgOf(buildTg({ [A('target-control-port.other.80')]: '3000' })).targetControlPort, undefined);
  });

  it('build: read with ALBTargetControlAgent at its default (off), as upstream; refused for instance targets and outside [1, 65535]; nothing reaches the plan', () => {
    assert.equal(CONFIG.featureGates?.ALBTargetControlAgent, undefined);
    assert.equal(tgOf(buildTg({ [KEY]: '3000' })).targetControlPort, 3000);
    const onService = buildTg({}, { [KEY]: '0' });
    assert.deepEqual([onService.stacks, one(onService.issues).field], [[], KEY]);
    assert.match(one(onService.issues).reason, /^Service default\/svc: /);
    const instance = buildStacks(snapshot({ ingresses: [web('a', { [KEY]: '3000' })], services: [svc] }), FACTS, CONFIG);
    assert.deepEqual([instance.stacks, one(instance.issues).code], [[], 'InvalidAnnotation']);
    assert.match(one(instance.issues).reason, /needs ip targets/);
    for (const value of ['0', '65536', 'http', '3000 ', '-1']) assert.deepEqual(buildTg({ [KEY]: value }).stacks, [], value);
  });

  it('property: every port in [1, 65535] builds, from either object, and gives a name of its own', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 65535 }), fc.boolean(), (n, onService) => {
      const r = onService ? buildTg({}, { [KEY]: String(n) }) : buildTg({ [KEY]: String(n) });
      assert.deepEqual(r.issues, []);
      assert.equal(tgOf(r).targetControlPort, n);
      assert.notEqual(tgOf(r).name, tgOf(buildTg({ [KEY]: String(n === 1 ? 2 : n - 1) })).name);
    }), { numRuns: 40 });
  });

  it('plan: a different port replaces the group; a port AWS does not report is no difference for a group named as desired', () => {
    const observed = (spec: TargetGroupSpec): ObservedTargetGroup => ({ arn: 'arn:tg', tags: spec.tags, attributes: {}, spec });
    const diff = (d: TargetGroupSpec, o: TargetGroupSpec) => targetGroupKind.diff(d, observed(o), (v) => v as never, { clusterName: CLUSTER })
      .map((f) => [f.path, f.forcesReplacement ?? false]);
    const desired = tgSpec({ name: 'k8s-a-b-withport', targetControlPort: 3000 });
    assert.deepEqual(diff(desired, desired), []);
    assert.deepEqual(diff(desired, tgSpec({ name: 'k8s-a-b-withport' })), [], 'moto reports none; the name hashes the port');
    assert.deepEqual(diff(desired, tgSpec({ name: 'k8s-a-b-noport' })), [['targetControlPort', true]], 'made before the port was asked for');
    assert.deepEqual(diff(desired, tgSpec({ name: 'k8s-a-b-withport', targetControlPort: 4000 })), [['targetControlPort', true]]);
    assert.deepEqual(diff(tgSpec({ name: 'k8s-a-b-noport' }), tgSpec({ name: 'k8s-a-b-withport', targetControlPort: 3000 })), [['targetControlPort', true]]);
    assert.equal(toTargetGroupSpec({ TargetControlPort: 3000 }, {}, {}).targetControlPort, 3000);
  });
});

describe('apply: the exact SDK requests (moto cannot show them)', () => {
  const elbv2 = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });
  const ec2 = new EC2Client({ region: 'us-east-1' });
  let elb: AwsClientStub<ElasticLoadBalancingV2Client>;
  before(() => { elb = mockClient(ElasticLoadBalancingV2Client); });
  after(() => { elb.restore(); });
  beforeEach(() => { elb.reset(); });
  const resolved = (over: Partial<LoadBalancerSpec>) => lbSpec({ securityGroups: ['sg-1'], ...over });
  const names = () => elb.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name).filter((n) => !n.startsWith('Describe'));

  it('CreateLoadBalancer carries IpamPools and CustomerOwnedIpv4Pool; no ModifyIpPools after it', async () => {
    elb.on(CreateLoadBalancerCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: LB, DNSName: 'K8S.elb' }] });
    const r = await applyPlan(plan([{ action: 'create', kind: 'LoadBalancer', id: 'LoadBalancer', reason: 't',
      after: resolved({ ipv4IpamPoolId: POOL, customerOwnedIpv4Pool: COIP }) }]), { elbv2, ec2, clusterName: CLUSTER, timing: fastTiming() });
    assert.equal(r.errors, undefined);
    const input = one(elb.commandCalls(CreateLoadBalancerCommand)).args[0].input;
    assert.deepEqual([input.IpamPools, input.CustomerOwnedIpv4Pool], [{ Ipv4IpamPoolId: POOL }, COIP]);
    assert.deepEqual(names(), ['CreateLoadBalancerCommand']);
  });

  it('ModifyIpPools: sets or changes the pool after the other writes, removes it before them', async () => {
    const cases: readonly [from: string | undefined, to: string | undefined, input: unknown, order: string[]][] = [
      [undefined, POOL, { LoadBalancerArn: LB, IpamPools: { Ipv4IpamPoolId: POOL } }, ['SetIpAddressTypeCommand', 'ModifyIpPoolsCommand']],
      ['ipam-pool-old', POOL, { LoadBalancerArn: LB, IpamPools: { Ipv4IpamPoolId: POOL } }, ['SetIpAddressTypeCommand', 'ModifyIpPoolsCommand']],
      [POOL, undefined, { LoadBalancerArn: LB, RemoveIpamPools: ['ipv4'] }, ['ModifyIpPoolsCommand', 'SetIpAddressTypeCommand']],
    ];
    for (const [from, to, input, order] of cases) {
      elb.reset();
      elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: LB, DNSName: 'K8S.elb' }] });
      const r = await applyPlan(plan([{
        action: 'update', kind: 'LoadBalancer', id: 'LoadBalancer', arn: LB, reason: 't', fields: ['ipv4IpamPoolId', 'ipAddressType'],
        before: { ...resolved(from ? { ipv4IpamPoolId: from } : {}), attributes: {} },
        after: resolved({ ipAddressType: 'dualstack', ...(to ? { ipv4IpamPoolId: to } : {}) }),
      }]), { elbv2, ec2, clusterName: CLUSTER, timing: fastTiming() });
      assert.equal(r.errors, undefined);
      assert.deepEqual(elb.commandCalls(ModifyIpPoolsCommand).map((c) => c.args[0].input), [input]);
      assert.equal(elb.commandCalls(SetIpAddressTypeCommand).length, 1);
      assert.deepEqual(names(), order);
    }
  });

  it('CreateTargetGroup carries TargetControlPort', async () => {
    elb.on(CreateTargetGroupCommand).resolves({ TargetGroups: [{ TargetGroupArn: 'arn:tg' }] });
    const r = await applyPlan(plan([{ action: 'create', kind: 'TargetGroup', id: 'shop/web-svc:80', reason: 't',
      after: tgSpec({ vpcId: 'vpc-1', targetType: 'ip', targetControlPort: 3000 }) }]), { elbv2, ec2, clusterName: CLUSTER, timing: fastTiming() });
    assert.equal(r.errors, undefined);
    assert.equal(one(elb.commandCalls(CreateTargetGroupCommand)).args[0].input.TargetControlPort, 3000);
  });
});
