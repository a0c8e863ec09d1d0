import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildStacks, type IngressClassParamsObject } from '../../../src/ingress/index.ts';
import { AWS_DEFAULT_QUOTAS, type AwsQuotas, LIMIT_CODE, QUOTA_FLAG_MAX } from '../../../src/ingress/aws-limits.ts';
import { CAP_CODE, CAPS, longerThanBytes } from '../../../src/ingress/caps.ts';
import { parseConfig } from '../../../src/config/config.ts';
import { emptyObservedState } from '../../../src/model/observed.ts';
import { planStack, toJsonDocument } from '../../../src/plan/index.ts';
import { awsRuleViolations, DEFAULT_ACCOUNT } from '../cli/aws-rules.ts';
import { A, CONFIG, FACTS, albClass, byKind, ingress, one, path, rule, service, snapshot } from './fixtures.ts';

const listenPorts = (n: number, from = 1000): string => JSON.stringify(Array.from({ length: n }, (_, i) => ({ HTTP: from + i })));
const withQuotas = (q: Partial<AwsQuotas>) => ({ ...CONFIG, quotas: { ...AWS_DEFAULT_QUOTAS, ...q } });
const svc = service('web');

describe('input caps', () => {
  describe('listen ports (cap: the highest --max-listeners-per-load-balancer accepts)', () => {
    it('sits at the highest value the quota flag accepts, and says so', () => {
      assert.equal(CAPS.listeners.max, 10_000);
      const at = (n: number) => parseConfig(['--cluster-name=c', `--max-listeners-per-load-balancer=${n}`]);
      const highest = at(10_000);
      assert.ok('config' in highest && highest.config.awsQuotas.listenersPerLoadBalancer === 10_000);
      assert.ok('errors' in at(10_001));
      assert.equal(CAPS.listeners.limit, 'the highest value --max-listeners-per-load-balancer accepts');
    });

    it("leaves 900 ports to the account's quotas: refused at the default 50 listeners, built when the quotas are raised", () => {
      const many = () => snapshot({ ingresses: [ingress('many', { annotations: { [A('listen-ports')]: listenPorts(900) }, rules: [rule(undefined, path('/', 'web'))] })], services: [svc] });
      const refused = buildStacks(many(), FACTS, CONFIG);
      const i = one(refused.issues);
      assert.deepEqual([i.field, i.code], [A('listen-ports'), LIMIT_CODE]);
      assert.match(i.reason, /listen ports: 900; ALB listeners: at most 50 per load balancer \(AWS quota, --max-listeners-per-load-balancer\)/);
      assert.equal(refused.stacks.length, 0);
      // each port is a listener with the one rule and an inbound rule of the managed security group
      const raised = buildStacks(many(), FACTS, withQuotas({ listenersPerLoadBalancer: 900, rulesPerLoadBalancer: 900, inboundRulesPerSecurityGroup: 900 }));
      assert.deepEqual(raised.issues, []);
      assert.equal(byKind(one(raised.stacks), 'Listener').length, 900);
    });

    it("refuses 4,000 ports (55 KB) and 100,000 ports (1.4 MB) at the size cap, without overflowing the stack", () => {
      for (const n of [4_000, 100_000]) {
        const r = buildStacks(snapshot({ ingresses: [ingress('huge', { annotations: { [A('listen-ports')]: listenPorts(n) }, rules: [rule(undefined, path('/', 'web'))] })], services: [svc] }), FACTS, CONFIG);
        const i = one(r.issues);
        assert.equal(i.field, A('listen-ports'));
        assert.match(i.reason, /^is over 32768 bytes long \(\d+ characters\); this controller reads at most 32768 bytes/);
      }
    });
  });

  describe('annotation size', () => {
    it('refuses a value over 32 KiB before parsing it, on the annotation that holds it', () => {
      const tags = Array.from({ length: 3_000 }, (_, i) => `k${i}=v${i}`).join(',');
      assert.ok(tags.length > CAPS.annotationValueBytes);
      const r = buildStacks(snapshot({ ingresses: [ingress('big', { annotations: { [A('tags')]: tags }, rules: [rule(undefined, path('/', 'web'))] })], services: [svc] }), FACTS, CONFIG);
      assert.deepEqual(r.issues.map((i) => [i.object.name, i.field]), [['big', A('tags')]]);
    });

    it('counts UTF-8 bytes, not characters', () => {
      assert.equal(longerThanBytes('é'.repeat(16_384), CAPS.annotationValueBytes), false); // 32,768 bytes
      assert.equal(longerThanBytes('é'.repeat(16_385), CAPS.annotationValueBytes), true);
      assert.equal(longerThanBytes('€'.repeat(10_923), CAPS.annotationValueBytes), true); // 3 bytes each
      assert.equal(longerThanBytes('😀'.repeat(8_192), CAPS.annotationValueBytes), false); // 4 bytes each
      assert.equal(longerThanBytes('😀'.repeat(8_193), CAPS.annotationValueBytes), true);
    });

    it('applies to Service annotations read for a backend too', () => {
      const s = service('web', { annotations: { [A('healthcheck-path')]: `/${'x'.repeat(40_000)}` } });
      const r = buildStacks(snapshot({ ingresses: [ingress('i', { rules: [rule(undefined, path('/', 'web'))] })], services: [s] }), FACTS, CONFIG);
      assert.ok(r.issues.some((i) => i.object.kind === 'Service' && i.field === A('healthcheck-path') && /over 32768 bytes/.test(i.reason)));
      assert.equal(r.stacks.length, 0);
    });
  });

  describe('paths of one Ingress (cap: the highest --max-rules-per-load-balancer accepts)', () => {
    const withPaths = (name: string, n: number) => ingress(name, { rules: [rule(undefined, ...Array.from({ length: n }, (_, i) => path(`/p${i}`, 'web')))] });
    const OVER = CAPS.pathsPerIngress.max + 1;

    it("leaves 101 paths to the account's rule quota: refused at the default 100, built when the quota is raised", () => {
      const refused = buildStacks(snapshot({ ingresses: [withPaths('many', 101)], services: [svc] }), FACTS, CONFIG);
      assert.deepEqual(refused.issues.map((i) => [i.object.name, i.field, i.code]), [['many', 'spec.rules', LIMIT_CODE]]);
      const raised = buildStacks(snapshot({ ingresses: [withPaths('many', 101)], services: [svc] }), FACTS, withQuotas({ rulesPerLoadBalancer: 101 }));
      assert.deepEqual(raised.issues, []);
      assert.equal(byKind(one(raised.stacks), 'ListenerRule').length, 101);
    });

    it('refuses 10,001 paths (across spec.rules) with one Issue, before building any rule or target group', () => {
      const split = ingress('split', { rules: [rule('a.example.com', ...Array.from({ length: 6_000 }, (_, i) => path(`/a${i}`, 'web'))), rule('b.example.com', ...Array.from({ length: OVER - 6_000 }, (_, i) => path(`/b${i}`, 'ghost', 'nope')))] });
      const r = buildStacks(snapshot({ ingresses: [split], services: [svc] }), FACTS, withQuotas({ rulesPerLoadBalancer: 10_000 }));
      const i = one(r.issues); // the bad backends of the second rule are never looked at
      assert.deepEqual([i.object.name, i.field, i.code], ['split', 'spec.rules', CAP_CODE]);
      assert.equal(i.reason, '10001 paths, each at least one listener rule: more than 10000 (the highest value --max-rules-per-load-balancer accepts)');
      assert.deepEqual(r.notes, []);
    });

    it('keeps the rest of a group', () => {
      const ann = { [A('group.name')]: 'g' };
      const big = { ...withPaths('big', OVER), metadata: { name: 'big', namespace: 'default', annotations: ann } };
      const small = { ...withPaths('small', 2), metadata: { name: 'small', namespace: 'default', annotations: ann } };
      const r = buildStacks(snapshot({ ingresses: [big, small], services: [svc] }), FACTS, CONFIG);
      assert.deepEqual(r.issues.map((i) => [i.object.name, i.code]), [['big', CAP_CODE]]);
      assert.deepEqual(one(r.groups).members, ['default/small']);
    });
  });

  describe('hosts and security group sources', () => {
    it('refuses over 1,000 distinct hosts in spec.rules and spec.tls', () => {
      const hosts = Array.from({ length: 1_001 }, (_, i) => `h${i}.example.com`);
      const ing = ingress('hosts', { tls: [{ hosts }], rules: [rule(undefined, path('/', 'web'))] });
      const r = buildStacks(snapshot({ ingresses: [ing], services: [svc] }), FACTS, CONFIG);
      assert.deepEqual(r.issues.map((i) => [i.field, i.code]), [['spec', CAP_CODE]]);
    });

    it('refuses over 1,000 inbound CIDRs on the annotation and on IngressClassParams, naming the quota', () => {
      const cidrs = Array.from({ length: 1_001 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
      const viaAnnotation = ingress('ann', { annotations: { [A('inbound-cidrs')]: cidrs.join(',') }, rules: [rule(undefined, path('/', 'web'))] });
      const params: IngressClassParamsObject = { metadata: { name: 'p' }, spec: { inboundCIDRs: cidrs } };
      const viaParams = ingress('par', { className: 'alb-p', rules: [rule(undefined, path('/', 'web'))] });
      const r = buildStacks(snapshot({
        ingresses: [viaAnnotation, viaParams], services: [svc], ingressClassParams: [params],
        ingressClasses: [albClass(), albClass('alb-p', { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'p' } })],
      }), FACTS, CONFIG);
      assert.deepEqual(r.issues.map((i) => [i.object.name, i.field]), [['ann', A('inbound-cidrs')], ['par', 'IngressClassParams(p).spec.inboundCIDRs']]);
      for (const i of r.issues) assert.match(i.reason, /^1001 CIDRs: more than 1000 \(AWS quota "Inbound rules per security group", at most 1,000 even when raised\)$/);
    });

    it('refuses over 1,000 prefix lists on the annotation and on IngressClassParams (both spellings), naming the quota', () => {
      const ids = Array.from({ length: 1_001 }, (_, i) => `pl-${i.toString(16).padStart(8, '0')}`);
      const viaAnnotation = ingress('a-ann', { annotations: { [A('security-group-prefix-lists')]: ids.join(',') }, rules: [rule(undefined, path('/', 'web'))] });
      const current: IngressClassParamsObject = { metadata: { name: 'p' }, spec: { prefixListsIDs: ids } };
      const legacy: IngressClassParamsObject = { metadata: { name: 'q' }, spec: { PrefixListsIDs: ids } };
      const viaParams = ingress('b-par', { className: 'alb-p', rules: [rule(undefined, path('/', 'web'))] });
      const viaLegacy = ingress('c-leg', { className: 'alb-q', rules: [rule(undefined, path('/', 'web'))] });
      const classOf = (name: string, params: string) => albClass(name, { parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: params } });
      const r = buildStacks(snapshot({
        ingresses: [viaAnnotation, viaParams, viaLegacy], services: [svc], ingressClassParams: [current, legacy],
        ingressClasses: [albClass(), classOf('alb-p', 'p'), classOf('alb-q', 'q')],
      }), FACTS, CONFIG);
      assert.deepEqual(r.issues.map((i) => [i.object.name, i.field]), [
        ['a-ann', A('security-group-prefix-lists')], ['b-par', 'IngressClassParams(p).spec.prefixListsIDs'], ['c-leg', 'IngressClassParams(q).spec.PrefixListsIDs'],
      ]);
      for (const i of r.issues) assert.match(i.reason, /^1001 prefix lists: more than 1000 \(AWS quota "Inbound rules per security group", at most 1,000 even when raised\)$/);
      assert.equal(r.stacks.length, 0);
    });
  });

  it('an Ingress without a name is no member of anything (nothing could be reported on it)', () => {
    const nameless = ingress('x', { rules: [rule(undefined, path('/', 'web'))] });
    const r = buildStacks(snapshot({ ingresses: [{ ...nameless, metadata: { namespace: 'default' } }, { ...nameless, metadata: { name: '' } }], services: [svc] }), FACTS, CONFIG);
    assert.deepEqual([r.issues, r.stacks, r.groups], [[], [], []]);
  });

  it("property: any number of ports, paths and CIDRs, under any quotas, is refused or built; every Issue names its object and field; input over a cap is refused; what is built AWS would take", () => {
    const sizes = fc.record({
      ports: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.constantFrom(2_000, 4_000)),
      paths: fc.oneof(fc.integer({ min: 0, max: 120 }), fc.constant(CAPS.pathsPerIngress.max + 1)),
      cidrs: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constantFrom(999, 1_000, 1_001, 3_000)),
      quotas: fc.record({
        listenersPerLoadBalancer: fc.oneof(fc.constant(AWS_DEFAULT_QUOTAS.listenersPerLoadBalancer), fc.integer({ min: 1, max: QUOTA_FLAG_MAX.listenersPerLoadBalancer })),
        rulesPerLoadBalancer: fc.oneof(fc.constant(AWS_DEFAULT_QUOTAS.rulesPerLoadBalancer), fc.integer({ min: 1, max: QUOTA_FLAG_MAX.rulesPerLoadBalancer })),
        inboundRulesPerSecurityGroup: fc.oneof(fc.constant(AWS_DEFAULT_QUOTAS.inboundRulesPerSecurityGroup), fc.integer({ min: 1, max: QUOTA_FLAG_MAX.inboundRulesPerSecurityGroup })),
      }),
    });
    fc.assert(fc.property(sizes, ({ ports, paths, cidrs, quotas }) => {
      const annotations: Record<string, string> = { [A('listen-ports')]: listenPorts(ports) };
      if (cidrs > 0) annotations[A('inbound-cidrs')] = Array.from({ length: cidrs }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`).join(',');
      const ing = ingress('i', { annotations, rules: [rule(undefined, ...Array.from({ length: paths }, (_, i) => path(`/p${i}`, 'web')))] });
      const config = withQuotas(quotas);
      const r = buildStacks(snapshot({ ingresses: [ing], services: [svc] }), FACTS, config);
      for (const i of r.issues) assert.ok(i.object.name === 'i' && i.field !== '' && i.reason !== '', JSON.stringify(i));
      const overCap = ports > CAPS.listeners.max || paths > CAPS.pathsPerIngress.max || cidrs > CAPS.sourcesPerSecurityGroup.max
        || (cidrs > 0 && annotations[A('inbound-cidrs')]!.length > CAPS.annotationValueBytes) || listenPorts(ports).length > CAPS.annotationValueBytes;
      if (overCap) assert.ok(r.issues.length > 0 && r.stacks.length === 0, 'input over a cap is refused');
      const plans = r.stacks.map((stack) => planStack(stack, emptyObservedState(), { clusterName: 'demo' }));
      const account = { ...DEFAULT_ACCOUNT, listeners: quotas.listenersPerLoadBalancer, rules: quotas.rulesPerLoadBalancer, inboundRules: quotas.inboundRulesPerSecurityGroup };
      const broken = awsRuleViolations(toJsonDocument(plans), account);
      assert.deepEqual(broken, [], 'AWS would take what is planned');
      if (r.issues.length === 0) assert.equal(byKind(one(r.stacks), 'Listener').length, ports);
    }), { numRuns: 40 });
  });
});
