// The builder's side of the registry of upstream keys: refused keys on backend Services and in
// IngressClassParams leave the Ingress out with a precise Issue; IngressClassParams prefix lists (both
// spellings) and the security-group-prefix-lists annotation open the managed security group as upstream does;
// the feature gates the build consults change what it builds.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { V1Ingress } from '@kubernetes/client-node';
import { buildStacks, type BuildConfig, type IngressClassParamsObject } from '../../../src/ingress/index.ts';
import { type DiscoveredFacts, type DiscoveredSubnet, type SecurityGroupRule, findResource } from '../../../src/model/index.ts';
import { FIELD_KEYS } from '../../../src/model/upstream-keys.ts';
import { A, CONFIG, FACTS, albClass, byKind, ingress, one, path, rule, service, snapshot } from './fixtures.ts';

const web = (annotations: Record<string, string> = {}, className = 'alb', name = 'web'): V1Ingress =>
  ingress(name, { annotations, className, rules: [rule('shop.example.com', path('/', 'api'))] });
const withParams = (spec: IngressClassParamsObject['spec'], name = 'p') => ({
  ingressClasses: [albClass('alb', { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name } })],
  ingressClassParams: [{ metadata: { name }, spec }],
});
const sgRules = (r: ReturnType<typeof buildStacks>): readonly SecurityGroupRule[] =>
  findResource(one(r.stacks), 'SecurityGroup', 'ManagedLBSecurityGroup')?.spec.ingress ?? [];
const sources = (rules: readonly SecurityGroupRule[]): string[] => rules.map((x) => `${x.fromPort}:${x.cidrIpv4 ?? x.cidrIpv6 ?? x.prefixListId}`);

describe('ingress builder: a backend Service with bad auth annotations', () => {
  it('a bad auth-idp-cognito on the Service leaves the Ingress routing to it out, naming the Service and the key; nothing is built for it', () => {
    const api = service('api', { annotations: { [A('auth-type')]: 'cognito', [A('auth-idp-cognito')]: '{"userPoolARN":"arn:x"}' } });
    const r = buildStacks(snapshot({ ingresses: [web()], services: [api] }), FACTS, CONFIG);
    assert.deepEqual(r.stacks, [], 'a lone Ingress with errors keeps whatever it has: no stack is planned');
    assert.deepEqual(r.groups[0]?.excluded, ['default/web']);
    const onIngress = r.issues.filter((i) => i.object.kind === 'Ingress');
    assert.deepEqual(onIngress.map((i) => [i.field, i.code]), [['spec.rules[0].http.paths[0].backend', 'InvalidServiceAnnotation']]);
    assert.match(onIngress[0]?.reason ?? '', /^Service default\/api: alb\.ingress\.kubernetes\.io\/auth-idp-cognito: userPoolARN: expected a user pool ARN/);
    assert.deepEqual(r.issues.filter((i) => i.object.kind === 'Service').map((i) => [i.object.name, i.field, i.code]), [['api', A('auth-idp-cognito'), 'InvalidAnnotation']]);
  });

  it('in a group, only the member routing to that Service is left out', () => {
    const g = { [A('group.name')]: 'shop' };
    const other = ingress('other', { annotations: { ...g, [A('group.order')]: '2' }, rules: [rule('other.example.com', path('/', 'plain'))] });
    const ings = [web(g), other];
    const services = [service('api', { annotations: { [A('auth-type')]: 'oidc' } }), service('plain')];
    const r = buildStacks(snapshot({ ingresses: ings, services }), FACTS, CONFIG);
    const stack = one(r.stacks);
    assert.deepEqual(stack.members, ['default/other']);
    assert.equal(byKind(stack, 'ListenerRule').length, 1);
    assert.deepEqual(byKind(stack, 'TargetGroupBinding').map((b) => b.spec.serviceRef.name), ['plain']);
  });

  it('auth-type: none and multi-cluster-target-group: false on the Service ask for nothing and are served', () => {
    const api = service('api', { annotations: { [A('auth-type')]: 'none', [A('multi-cluster-target-group')]: 'false' } });
    const r = buildStacks(snapshot({ ingresses: [web()], services: [api] }), FACTS, CONFIG);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(one(r.stacks).members, ['default/web']);
  });
});

describe('ingress builder: IngressClassParams fields upstream reads', () => {
  it('refuses none of them (ipamConfiguration is implemented)', () => {
    assert.deepEqual(FIELD_KEYS.filter((k) => k.source === 'IngressClassParams' && k.status === 'refused').map((k) => k.key), []);
  });

  it('empty values ask for nothing (upstream omits them)', () => {
    const spec = { wafv2AclArn: '', wafv2AclName: '', listeners: [], ipamConfiguration: {} };
    const r = buildStacks(snapshot({ ingresses: [web()], services: [service('api')], ...withParams(spec) }), FACTS, CONFIG);
    assert.deepEqual(r.issues, []);
  });

  it('a field of the wrong type is a shape error on the Ingress, as for the other fields', () => {
    const r = buildStacks(snapshot({ ingresses: [web()], services: [service('api')], ...withParams({ minimumLoadBalancerCapacity: { capacityUnits: 'lots' } } as never) }), FACTS, CONFIG);
    assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [['IngressClassParams(p).spec.minimumLoadBalancerCapacity.capacityUnits', 'InvalidIngressClassParams']]);
  });
});

describe('ingress builder: prefix lists on the managed security group', () => {
  const PL1 = 'pl-0123456789abcdef0';
  const PL2 = 'pl-63a5400a';

  it('IngressClassParams PrefixListsIDs (the legacy spelling) opens the listen ports to the prefix list only, not to 0.0.0.0/0', () => {
    const r = buildStacks(snapshot({ ingresses: [web()], services: [service('api')], ...withParams({ PrefixListsIDs: [PL1] }) }), FACTS, CONFIG);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(sgRules(r), [{ ipProtocol: 'tcp', fromPort: 80, toPort: 80, prefixListId: PL1 }]);
  });

  it('prefixListsIDs wins over PrefixListsIDs, which wins over the annotation', () => {
    const ann = { [A('security-group-prefix-lists')]: PL2 };
    const both = buildStacks(snapshot({ ingresses: [web(ann)], services: [service('api')], ...withParams({ prefixListsIDs: [PL2], PrefixListsIDs: [PL1] }) }), FACTS, CONFIG);
    assert.deepEqual(sources(sgRules(both)), [`80:${PL2}`]);
    const legacy = buildStacks(snapshot({ ingresses: [web(ann)], services: [service('api')], ...withParams({ prefixListsIDs: [], PrefixListsIDs: [PL1] }) }), FACTS, CONFIG);
    assert.deepEqual(sources(sgRules(legacy)), [`80:${PL1}`]);
    const annotation = buildStacks(snapshot({ ingresses: [web(ann)], services: [service('api')] }), FACTS, CONFIG);
    assert.deepEqual(sources(sgRules(annotation)), [`80:${PL2}`]);
  });

  it('with inbound CIDRs as well, both are sources', () => {
    const ann = { [A('security-group-prefix-lists')]: `${PL2}, ${PL1}`, [A('inbound-cidrs')]: '10.0.0.0/8', [A('listen-ports')]: '[{"HTTP": 80}, {"HTTP": 8080}]' };
    const r = buildStacks(snapshot({ ingresses: [web(ann)], services: [service('api')] }), FACTS, CONFIG);
    assert.deepEqual(sources(sgRules(r)), [`80:10.0.0.0/8`, `80:${PL1}`, `80:${PL2}`, `8080:10.0.0.0/8`, `8080:${PL1}`, `8080:${PL2}`]);
  });

  it('per listen port, members must agree on prefix lists; a port without any stays open to everyone', () => {
    const g = (order: number, extra: Record<string, string>) => ({ [A('group.name')]: 'shop', [A('group.order')]: String(order), ...extra });
    const a = web(g(1, { [A('security-group-prefix-lists')]: PL1 }), 'alb', 'a');
    const b = web(g(2, { [A('security-group-prefix-lists')]: PL2 }), 'alb', 'b');
    const c = web(g(3, { [A('listen-ports')]: '[{"HTTP": 8080}]' }), 'alb', 'c');
    const r = buildStacks(snapshot({ ingresses: [a, b, c], services: [service('api')] }), FACTS, CONFIG);
    assert.deepEqual(one(r.stacks).members, ['default/a', 'default/c']);
    assert.deepEqual(r.issues.map((i) => [i.object.name, i.field, i.code]), [['b', A('security-group-prefix-lists'), 'ConflictingValue']]);
    assert.match(r.issues[0]?.reason ?? '', /prefix lists \["pl-63a5400a"\] for port 80 conflict with \["pl-0123456789abcdef0"\] set by Ingress default\/a, in group shop first \(no deployment or creation time tells them apart; namespace\/name decides\)/);
    assert.deepEqual(sources(sgRules(r)), [`80:${PL1}`, '8080:0.0.0.0/0']);
  });

  it('a bad ID in IngressClassParams is an Issue naming the field and the item', () => {
    const r = buildStacks(snapshot({ ingresses: [web()], services: [service('api')], ...withParams({ PrefixListsIDs: [PL1, 'sg-123'] }) }), FACTS, CONFIG);
    assert.deepEqual(r.issues.map((i) => [i.field, i.code, i.reason]), [['IngressClassParams(p).spec.PrefixListsIDs[1]', 'InvalidIngressClassParams',
      'IngressClassParams(p): spec.PrefixListsIDs[1]: expected a managed prefix list ID such as pl-0123456789abcdef0, got "sg-123"']]);
  });

  const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
  const goodId = fc.oneof(hex(8), hex(17)).map((h) => `pl-${h}`);
  const badId = fc.oneof(
    fc.string({ maxLength: 24 }).filter((s) => !/^pl-[0-9a-f]{8}([0-9a-f]{9})?$/.test(s)),
    fc.oneof(hex(7), hex(9), hex(16), hex(18)).map((h) => `pl-${h}`),
    hex(8).map((h) => `PL-${h}`),
  );

  it('property: any list of valid IDs, in either spelling, becomes one rule per (port, ID) and no 0.0.0.0/0', () => {
    fc.assert(fc.property(fc.array(goodId, { minLength: 1, maxLength: 6 }), fc.boolean(), (ids, legacy) => {
      const spec = legacy ? { PrefixListsIDs: ids } : { prefixListsIDs: ids };
      const r = buildStacks(snapshot({ ingresses: [web()], services: [service('api')], ...withParams(spec) }), FACTS, CONFIG);
      assert.deepEqual(r.issues, []);
      assert.deepEqual(sources(sgRules(r)), [...new Set(ids)].sort().map((id) => `80:${id}`));
    }), { numRuns: 300 });
  });

  it('property: a list with any invalid ID leaves the Ingress out, naming the first bad item; nothing opens to everyone', () => {
    fc.assert(fc.property(fc.array(goodId, { maxLength: 3 }), badId, fc.array(goodId, { maxLength: 3 }), fc.boolean(), (before, bad, after, legacy) => {
      const field = legacy ? 'PrefixListsIDs' : 'prefixListsIDs';
      const r = buildStacks(snapshot({ ingresses: [web()], services: [service('api')], ...withParams({ [field]: [...before, bad, ...after] }) }), FACTS, CONFIG);
      assert.deepEqual(r.stacks, []);
      assert.equal(r.issues[0]?.field, `IngressClassParams(p).spec.${field}[${before.length}]`);
      assert.equal(r.issues[0]?.code, 'InvalidIngressClassParams');
    }), { numRuns: 300 });
  });

  it('property: the annotation takes the same IDs (comma list, trimmed) and refuses the same bad ones', () => {
    fc.assert(fc.property(fc.array(goodId, { minLength: 1, maxLength: 4 }), fc.option(badId, { nil: undefined }), (ids, bad) => {
      const raw = [...ids, ...(bad === undefined || bad.trim() === '' || bad.includes(',') ? [] : [bad])].join(' , ');
      const r = buildStacks(snapshot({ ingresses: [web({ [A('security-group-prefix-lists')]: raw })], services: [service('api')] }), FACTS, CONFIG);
      if (raw.split(',').map((s) => s.trim()).every((s) => /^pl-[0-9a-f]{8}([0-9a-f]{9})?$/.test(s))) {
        assert.deepEqual(sources(sgRules(r)), [...new Set(ids)].sort().map((id) => `80:${id}`));
      } else {
        assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [[A('security-group-prefix-lists'), 'InvalidAnnotation']]);
      }
    }), { numRuns: 300 });
  });
});

describe('ingress builder: feature gates it consults', () => {
  const subnet = (id: string, az: string, tags: Record<string, string>): DiscoveredSubnet =>
    ({ id, availabilityZone: az, cidrBlock: '10.0.0.0/24', vpcId: 'vpc-1', availableIpAddressCount: 200, tags });
  const gated = (featureGates: BuildConfig['featureGates']): BuildConfig => ({ ...CONFIG, featureGates });

  it('SubnetsClusterTagCheck=false keeps discovered subnets tagged only for other clusters', () => {
    const facts: DiscoveredFacts = { ...FACTS, subnets: [
      subnet('subnet-a', 'us-east-1a', { 'kubernetes.io/role/internal-elb': '1', 'kubernetes.io/cluster/other': 'shared' }),
      subnet('subnet-b', 'us-east-1b', { 'kubernetes.io/role/internal-elb': '1' }),
    ] };
    const ings = { ingresses: [web()], services: [service('api')] };
    const checked = buildStacks(snapshot(ings), facts, CONFIG);
    assert.deepEqual(checked.issues.map((i) => i.code), ['SubnetsNotFound']);
    assert.match(checked.issues[0]?.reason ?? '', /subnets tagged for other clusters or with fewer than 8 free IPs are skipped/);
    const unchecked = buildStacks(snapshot(ings), facts, gated({ SubnetsClusterTagCheck: false }));
    assert.deepEqual(findResource(one(unchecked.stacks), 'LoadBalancer', 'LoadBalancer')?.spec.subnets, ['subnet-a', 'subnet-b']);
  });

  it('ALBSingleSubnet=true lets an ALB have subnets in one availability zone', () => {
    const ings = { ingresses: [web({ [A('subnets')]: 'subnet-priv-a' })], services: [service('api')] };
    assert.deepEqual(buildStacks(snapshot(ings), FACTS, CONFIG).issues.map((i) => i.reason), ['group default/web: an ALB needs subnets in at least 2 availability zones, got 1']);
    const single = buildStacks(snapshot(ings), FACTS, gated({ ALBSingleSubnet: true }));
    assert.deepEqual(findResource(one(single.stacks), 'LoadBalancer', 'LoadBalancer')?.spec.subnets, ['subnet-priv-a']);
  });

  it('EnableIPTargetType=false refuses ip targets wherever they come from (annotation, IngressClassParams, --default-target-type), naming the gate', () => {
    const refused = gated({ EnableIPTargetType: false });
    const cases: [string, Parameters<typeof snapshot>[0], BuildConfig, RegExp][] = [
      ['annotation', { ingresses: [web({ [A('target-type')]: 'ip' })], services: [service('api')] }, refused, /from alb\.ingress\.kubernetes\.io\/target-type/],
      ['params', { ingresses: [web()], services: [service('api')], ...withParams({ targetType: 'ip' }) }, refused, /from IngressClassParams \S+ targetType/],
      ['flag', { ingresses: [web()], services: [service('api')] }, { ...refused, defaultTargetType: 'ip' }, /from --default-target-type/],
    ];
    for (const [what, snap, config, from] of cases) {
      const r = buildStacks(snapshot(snap), FACTS, config);
      assert.deepEqual(r.issues.map((i) => i.code), ['InvalidTargetType'], what);
      assert.match(r.issues[0]?.reason ?? '', /^target type ip \(from .*\) is turned off by the feature gate EnableIPTargetType=false; use instance targets$/, what);
      assert.match(r.issues[0]?.reason ?? '', from, what);
      assert.deepEqual(r.stacks, [], what);
      assert.deepEqual(buildStacks(snapshot(snap), FACTS, { ...config, featureGates: {} }).issues, [], `${what}, gate at its default`);
    }
    // instance targets are unaffected
    assert.deepEqual(buildStacks(snapshot({ ingresses: [web()], services: [service('api')] }), FACTS, refused).issues, []);
  });

  it('WeightedTargetGroups=false refuses a forward action to more than one target group, and keeps one', () => {
    const split = (groups: string) => ingress('web', {
      annotations: { [A('actions.split')]: `{"type":"forward","forwardConfig":{"targetGroups":[${groups}]}}` },
      rules: [rule('shop.example.com', path('/', 'split', 'use-annotation'))],
    });
    const two = '{"serviceName":"api","servicePort":80,"weight":80},{"serviceName":"api2","servicePort":80,"weight":20}';
    const services = [service('api'), service('api2', { nodePort: 30090 })];
    const off = gated({ WeightedTargetGroups: false });
    const r = buildStacks(snapshot({ ingresses: [split(two)], services }), FACTS, off);
    assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [[A('actions.split'), 'InvalidAnnotation']]);
    assert.match(r.issues[0]?.reason ?? '', /forwards to 2 target groups, which the feature gate WeightedTargetGroups=false turns off/);
    assert.deepEqual(buildStacks(snapshot({ ingresses: [split(two)], services }), FACTS, CONFIG).issues, []);
    assert.deepEqual(buildStacks(snapshot({ ingresses: [split('{"serviceName":"api","servicePort":80}')], services }), FACTS, off).issues, []);
  });

  it('EnableDefaultTagsLowPriority=true lets annotation and IngressClassParams tags win over --default-tags, everywhere', () => {
    const config = { ...CONFIG, defaultTags: { team: 'platform', env: 'prod' } };
    const ings = { ingresses: [web({ [A('tags')]: 'team=shop' })], services: [service('api')], ...withParams({ tags: [{ key: 'env', value: 'dev' }] }) };
    const userTags = (c: BuildConfig) => one(buildStacks(snapshot(ings), FACTS, c).stacks).resources
      .map((r) => `${r.kind}:${(r.spec as { tags?: Record<string, string> }).tags?.['team']}/${(r.spec as { tags?: Record<string, string> }).tags?.['env']}`)
      .filter((x) => !x.startsWith('TargetGroupBinding'));
    assert.deepEqual([...new Set(userTags(config))], ['SecurityGroup:platform/prod', 'LoadBalancer:platform/prod', 'Listener:platform/prod', 'ListenerRule:platform/prod', 'TargetGroup:platform/prod']);
    assert.deepEqual([...new Set(userTags({ ...config, featureGates: { EnableDefaultTagsLowPriority: true } }))],
      ['SecurityGroup:shop/dev', 'LoadBalancer:shop/dev', 'Listener:shop/dev', 'ListenerRule:shop/dev', 'TargetGroup:shop/dev']);
  });
});
