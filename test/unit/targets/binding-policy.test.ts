// The TargetGroupBinding admission rules: the ownership decision table, the claim annotation, one holder per
// target group, agreement with the target group, immutable fields; and property tests over every value a user
// can set on a binding (labels, annotations, namespace, serviceRef, spec fields).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TargetGroupFacts } from '../../../src/aws/target-groups.ts';
import type { TargetGroupBinding, TargetGroupBindingWireSpec } from '../../../src/k8s/types.ts';
import {
  admit, CLAIM_ANNOTATION, claimOf, defaultsFromTargetGroup, holderOf, immutableChanges, mayCleanUp, ownershipRefusal,
  specRefusals, targetGroupMismatches, arnChangeRefusal, eligibleFor,
} from '../../../src/targets/binding-policy.ts';

const CLUSTER = 'prod';
const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/k8s-shop-web-0123456789/0123456789abcdef';

const tg = (tags: Record<string, string> = {}, over: Partial<TargetGroupFacts> = {}): TargetGroupFacts => ({
  arn: ARN, name: 'k8s-shop-web-0123456789', targetType: 'ip', ipAddressType: 'ipv4', vpcId: 'vpc-0a1b2c3d', protocol: 'HTTP', healthCheckPort: 'traffic-port', tags, ...over,
});

let created = 0;
const binding = (o: {
  ns?: string; name?: string; labels?: Record<string, string>; annotations?: Record<string, string>; spec?: Partial<TargetGroupBindingWireSpec>;
  recorded?: string; createdAt?: string; deleting?: boolean;
} = {}): TargetGroupBinding => ({
  apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'TargetGroupBinding',
  metadata: {
    namespace: o.ns ?? 'shop', name: o.name ?? 'web', uid: `uid-${o.ns ?? 'shop'}-${o.name ?? 'web'}`,
    creationTimestamp: o.createdAt ?? `2024-01-01T00:00:${String(created++ % 60).padStart(2, '0')}Z`,
    ...(o.labels ? { labels: o.labels } : {}), ...(o.annotations ? { annotations: o.annotations } : {}),
    ...(o.deleting ? { deletionTimestamp: '2024-06-01T00:00:00Z' } : {}),
  },
  spec: { targetGroupARN: ARN, targetType: 'ip', serviceRef: { name: 'web', port: 80 }, ...o.spec },
  ...(o.recorded ? { status: { targetGroupARN: o.recorded } } : {}),
});

const ingressStack = { 'elbv2.k8s.aws/cluster': CLUSTER, 'ingress.k8s.aws/stack': 'shop/web', 'ingress.k8s.aws/resource': 'shop/web-web:80' };
const explicitStack = { 'elbv2.k8s.aws/cluster': CLUSTER, 'ingress.k8s.aws/stack': 'storefront', 'ingress.k8s.aws/resource': 'shop/web-web:80' };
const implicitLabels = { 'ingress.k8s.aws/stack-namespace': 'shop', 'ingress.k8s.aws/stack-name': 'web' };
const claimed = { [CLAIM_ANNOTATION]: 'true' };

describe('targets/binding-policy', () => {
  describe('ownership decision table', () => {
    const cases: { name: string; tags: Record<string, string>; b: TargetGroupBinding; code?: string }[] = [
      { name: 'no owner tags, claimed', tags: {}, b: binding({ annotations: claimed }) },
      { name: 'no owner tags, our cluster tag only, claimed', tags: { 'elbv2.k8s.aws/cluster': CLUSTER }, b: binding({ annotations: claimed }) },
      { name: 'no owner tags, not claimed', tags: {}, b: binding(), code: 'TargetGroupNotClaimed' },
      { name: 'no owner tags, claim "false"', tags: {}, b: binding({ annotations: { [CLAIM_ANNOTATION]: 'false' } }), code: 'TargetGroupNotClaimed' },
      { name: 'no owner tags, claim garbage', tags: {}, b: binding({ annotations: { [CLAIM_ANNOTATION]: 'yes please' } }), code: 'InvalidAnnotation' },
      { name: 'another cluster, claimed', tags: { 'elbv2.k8s.aws/cluster': 'staging' }, b: binding({ annotations: claimed }), code: 'TargetGroupOfOtherCluster' },
      { name: 'another cluster\'s stack, a multi-cluster binding, claimed', tags: { ...ingressStack, 'elbv2.k8s.aws/cluster': 'staging' }, b: binding({ annotations: claimed, spec: { multiClusterTargetGroup: true } }) },
      { name: 'another cluster\'s stack, a multi-cluster binding, not claimed', tags: { ...ingressStack, 'elbv2.k8s.aws/cluster': 'staging' }, b: binding({ spec: { multiClusterTargetGroup: true } }), code: 'TargetGroupOfOtherCluster' },
      { name: 'our stack, a multi-cluster binding of another stack, claimed', tags: ingressStack, b: binding({ annotations: claimed, spec: { multiClusterTargetGroup: true } }), code: 'TargetGroupOfOtherStack' },
      { name: 'another cluster\'s stack', tags: { ...ingressStack, 'elbv2.k8s.aws/cluster': 'staging' }, b: binding({ labels: implicitLabels }), code: 'TargetGroupOfOtherCluster' },
      { name: 'a stack tag without cluster tag (v1 controller)', tags: { 'ingress.k8s.aws/stack': 'shop/web', 'ingress.k8s.aws/cluster': CLUSTER }, b: binding({ labels: implicitLabels }), code: 'TargetGroupOfOtherStack' },
      { name: 'our implicit stack, its own binding', tags: ingressStack, b: binding({ labels: implicitLabels }) },
      { name: 'our explicit stack, its own binding', tags: explicitStack, b: binding({ labels: { 'ingress.k8s.aws/stack': 'storefront' } }) },
      { name: 'our stack, a binding without stack labels, claimed', tags: ingressStack, b: binding({ annotations: claimed }), code: 'TargetGroupOfOtherStack' },
      { name: 'our stack, another stack\'s labels', tags: ingressStack, b: binding({ labels: { 'ingress.k8s.aws/stack': 'other' } }), code: 'TargetGroupOfOtherStack' },
      { name: 'our stack, its labels but another namespace', tags: explicitStack, b: binding({ ns: 'team-b', labels: { 'ingress.k8s.aws/stack': 'storefront' } }), code: 'TargetGroupOfOtherStack' },
      { name: 'our stack, its labels but another Service', tags: ingressStack, b: binding({ labels: implicitLabels, spec: { serviceRef: { name: 'pay', port: 80 } } }), code: 'TargetGroupOfOtherStack' },
      { name: 'our stack, its labels but another port', tags: ingressStack, b: binding({ labels: implicitLabels, spec: { serviceRef: { name: 'web', port: 8443 } } }), code: 'TargetGroupOfOtherStack' },
      { name: 'our stack without a resource tag', tags: { 'elbv2.k8s.aws/cluster': CLUSTER, 'ingress.k8s.aws/stack': 'shop/web' }, b: binding({ labels: implicitLabels }), code: 'TargetGroupOfOtherStack' },
      { name: 'a Service stack, its own binding', tags: { 'elbv2.k8s.aws/cluster': CLUSTER, 'service.k8s.aws/stack': 'shop/web', 'service.k8s.aws/resource': 'shop/web:80' },
        b: binding({ labels: { 'service.k8s.aws/stack-namespace': 'shop', 'service.k8s.aws/stack-name': 'web' } }) },
      { name: 'a Service stack, an Ingress stack\'s labels', tags: { 'elbv2.k8s.aws/cluster': CLUSTER, 'service.k8s.aws/stack': 'shop/web', 'service.k8s.aws/resource': 'shop/web:80' },
        b: binding({ labels: implicitLabels }), code: 'TargetGroupOfOtherStack' },
    ];
    for (const c of cases) {
      it(`${c.name}: ${c.code ?? 'allowed'}`, () => {
        const r = ownershipRefusal(c.b, tg(c.tags), CLUSTER);
        assert.equal(r?.code, c.code, r?.message);
        if (r) {
          assert.ok(r.field === 'spec.targetGroupARN' || r.field === `metadata.annotations[${CLAIM_ANNOTATION}]`);
          assert.ok(r.message.length > 20);
        }
      });
    }

    it('says the claim does not apply to an owned target group, and tells how to claim an unowned one', () => {
      assert.match(ownershipRefusal(binding({ annotations: claimed }), tg(ingressStack), CLUSTER)?.message ?? '', /applies only to target groups without owner tags/);
      assert.match(ownershipRefusal(binding(), tg(), CLUSTER)?.message ?? '', /kubectl annotate targetgroupbinding -n shop web elbv2\.k8s\.aws\/claim-target-group=true/);
    });

    it('reads the claim as true/false in any case, anything else is an invalid annotation', () => {
      assert.equal(claimOf(binding({ annotations: { [CLAIM_ANNOTATION]: 'TRUE' } })), true);
      assert.equal(claimOf(binding({ annotations: { [CLAIM_ANNOTATION]: ' False ' } })), false);
      assert.equal(claimOf(binding()), false);
      assert.equal((claimOf(binding({ annotations: { [CLAIM_ANNOTATION]: '1' } })) as { code: string }).code, 'InvalidAnnotation');
    });
  });

  describe('spec alone', () => {
    it('needs a target group, refuses role assumption; multi-cluster is accepted', () => {
      assert.deepEqual(specRefusals({ serviceRef: { name: 'web', port: 80 } }).map((r) => r.code), ['MissingTargetGroup']);
      assert.deepEqual(specRefusals({ targetGroupName: 'tg', serviceRef: { name: 'web', port: 80 } }), []);
      const r = specRefusals({ targetGroupARN: ARN, serviceRef: { name: 'web', port: 80 }, multiClusterTargetGroup: true, iamRoleArnToAssume: 'arn:aws:iam::1:role/x', assumeRoleExternalId: 'e' });
      assert.deepEqual(r.map((x) => [x.field, x.code]), [
        ['spec.iamRoleArnToAssume', 'UnsupportedCrossAccountTargetGroup'],
        ['spec.assumeRoleExternalId', 'UnsupportedCrossAccountTargetGroup'],
      ]);
    });

    it('refuses a spec ARN other than the recorded one (the ARN is immutable), not a name-only binding', () => {
      assert.equal(arnChangeRefusal(binding({ recorded: ARN })), undefined);
      assert.equal(arnChangeRefusal(binding({ recorded: 'arn:old' }))?.code, 'ImmutableField');
      assert.equal(arnChangeRefusal(binding({ recorded: 'arn:old', spec: { targetGroupARN: undefined, targetGroupName: 'x' } })), undefined);
    });
  });

  describe('agreement with the target group', () => {
    it('defaults what is unset from the target group (the mutating webhook)', () => {
      assert.deepEqual(defaultsFromTargetGroup({ targetGroupName: 'x', serviceRef: { name: 'web', port: 80 } }, tg()), {
        targetGroupARN: ARN, targetType: 'ip', ipAddressType: 'ipv4', vpcID: 'vpc-0a1b2c3d', targetGroupProtocol: 'HTTP',
      });
      assert.deepEqual(defaultsFromTargetGroup({ targetGroupARN: ARN, targetType: 'ip', ipAddressType: 'ipv4', vpcID: 'vpc-0a1b2c3d', targetGroupProtocol: 'HTTP', serviceRef: { name: 'web', port: 80 } }, tg()), {});
      assert.equal(defaultsFromTargetGroup({ targetGroupARN: ARN, serviceRef: { name: 'web', port: 80 } }, tg({}, { targetType: 'lambda' })).targetType, undefined);
    });

    it('refuses each contradiction, naming the field', () => {
      const spec = (s: Partial<TargetGroupBindingWireSpec>): TargetGroupBindingWireSpec => ({ targetGroupARN: ARN, serviceRef: { name: 'web', port: 80 }, ...s });
      const codes = (s: Partial<TargetGroupBindingWireSpec>, t = tg()): string[] => targetGroupMismatches(spec(s), t).map((r) => `${r.field}=${r.code}`);
      assert.deepEqual(codes({ targetType: 'ip', ipAddressType: 'ipv4', vpcID: 'vpc-0a1b2c3d', targetGroupProtocol: 'HTTP' }), []);
      assert.deepEqual(codes({ targetType: 'instance' }), ['spec.targetType=TargetTypeMismatch']);
      assert.deepEqual(codes({ ipAddressType: 'ipv6' }), ['spec.ipAddressType=IPAddressTypeMismatch']);
      assert.deepEqual(codes({ vpcID: 'vpc-12345678' }), ['spec.vpcID=VpcIDMismatch']);
      assert.deepEqual(codes({ vpcID: 'vpc-XYZ' }), ['spec.vpcID=InvalidVpcID']);
      assert.deepEqual(codes({ targetGroupProtocol: 'HTTPS' }), ['spec.targetGroupProtocol=ProtocolMismatch']);
      assert.deepEqual(codes({ nodeSelector: { matchLabels: { a: 'b' } } }), ['spec.nodeSelector=InvalidNodeSelector']);
      assert.deepEqual(codes({}, tg({}, { targetType: 'instance', protocol: 'QUIC' })), ['spec.targetGroupProtocol=UnsupportedProtocol']);
      assert.deepEqual(codes({}, tg({}, { targetType: 'lambda' })), ['spec.targetGroupARN=UnsupportedTargetType']);
    });
  });

  describe('one binding per target group', () => {
    const all = eligibleFor(tg(), CLUSTER);

    it('the recorded holder first, then the oldest, then namespace/name; the same answer whatever the order', () => {
      const old = binding({ name: 'old', createdAt: '2023-01-01T00:00:00Z' });
      const young = binding({ name: 'young', createdAt: '2024-01-01T00:00:00Z', recorded: ARN });
      const twinA = binding({ ns: 'a', name: 'x', createdAt: '2020-01-01T00:00:00Z' });
      const twinB = binding({ ns: 'b', name: 'x', createdAt: '2020-01-01T00:00:00Z' });
      assert.equal(holderOf(ARN, [old, young], all), young, 'recorded wins over older');
      assert.equal(holderOf(ARN, [old, binding({ name: 'newer' })], all), old);
      assert.equal(holderOf(ARN, [twinB, twinA], all), twinA);
      assert.equal(holderOf(ARN, [twinA, twinB], all), twinA);
    });

    it('a binding whose targets are in another target group does not claim this one', () => {
      const moved = binding({ name: 'moved', createdAt: '2000-01-01T00:00:00Z', recorded: 'arn:other' });
      const plain = binding({ name: 'plain' });
      assert.equal(holderOf(ARN, [moved, plain], all), plain);
    });

    it('multi-cluster bindings share a target group with each other, never with a binding that is not', () => {
      const t = tg();
      const multi = (name: string, createdAt: string): TargetGroupBinding => binding({ name, createdAt, annotations: claimed, spec: { multiClusterTargetGroup: true } });
      const a = multi('a', '2020-01-01T00:00:00Z');
      const b = multi('b', '2021-01-01T00:00:00Z');
      const plain = binding({ name: 'plain', createdAt: '2022-01-01T00:00:00Z', annotations: claimed });
      const ok = (x: TargetGroupBinding, bs: TargetGroupBinding[]): boolean => admit({ binding: x, targetGroup: t, clusterName: CLUSTER, bindings: bs }).ok;
      assert.ok(ok(a, [a, b]) && ok(b, [a, b]), 'both multi-cluster bindings are served');
      assert.ok(mayCleanUp(a, t, CLUSTER, [a, b]) && mayCleanUp(b, t, CLUSTER, [a, b]), 'each deregisters its own targets when deleted');
      assert.ok(!ok(plain, [a, b, plain]), 'a later binding that is not multi-cluster is refused');
      const older = binding({ name: 'older', createdAt: '2019-01-01T00:00:00Z', annotations: claimed });
      assert.ok(ok(older, [older, a]) && !ok(a, [older, a]), 'a multi-cluster binding is refused where an exclusive one holds');
    });

    it('a name-only binding ranks after every visible claim, so all bindings agree', () => {
      const byName = binding({ name: 'by-name', createdAt: '2000-01-01T00:00:00Z', spec: { targetGroupARN: undefined, targetGroupName: 'tg' } });
      const byArn = binding({ name: 'by-arn', createdAt: '2024-01-01T00:00:00Z' });
      assert.equal(holderOf(ARN, [byName, byArn], all, byName), byArn);
      assert.equal(holderOf(ARN, [byName, byArn], all, byArn), byArn);
      assert.equal(holderOf(ARN, [byName], all, byName), byName);
    });

    it('only bindings the owner tags allow can hold a stack\'s target group: an intruder blocks nobody', () => {
      const owned = tg(ingressStack);
      const intruder = binding({ ns: 'team-b', name: 'grab', createdAt: '2000-01-01T00:00:00Z', labels: implicitLabels });
      const own = binding({ name: 'k8s-shop-web', labels: implicitLabels, createdAt: '2024-01-01T00:00:00Z' });
      const r = admit({ binding: own, targetGroup: owned, clusterName: CLUSTER, bindings: [intruder, own] });
      assert.equal(r.ok, true);
      const i = admit({ binding: intruder, targetGroup: owned, clusterName: CLUSTER, bindings: [intruder, own] });
      assert.equal(i.ok, false);
      assert.equal(!i.ok && i.refusals[0]?.code, 'TargetGroupOfOtherStack');
    });

    it('an upstream binding not claimed yet still holds its hand-made target group: a newcomer cannot take it', () => {
      const legacy = binding({ name: 'legacy', createdAt: '2022-01-01T00:00:00Z' });
      const newcomer = binding({ ns: 'team-b', name: 'grab', annotations: claimed, createdAt: '2024-01-01T00:00:00Z' });
      const n = admit({ binding: newcomer, targetGroup: tg(), clusterName: CLUSTER, bindings: [legacy, newcomer] });
      assert.equal(!n.ok && n.refusals[0]?.code, 'TargetGroupAlreadyBound');
      assert.match(!n.ok ? n.refusals[0]?.message ?? '' : '', /shop\/legacy/);
      const l = admit({ binding: legacy, targetGroup: tg(), clusterName: CLUSTER, bindings: [legacy, newcomer] });
      assert.equal(!l.ok && l.refusals[0]?.code, 'TargetGroupNotClaimed', 'the one-line migration is the claim');
      const migrated = { ...legacy, metadata: { ...legacy.metadata, annotations: claimed } };
      assert.equal(admit({ binding: migrated, targetGroup: tg(), clusterName: CLUSTER, bindings: [migrated, newcomer] }).ok, true);
    });

    it('cleanup: only the holder deregisters, never a refused duplicate or an unclaimed binding', () => {
      const holder = binding({ name: 'holder', annotations: claimed, recorded: ARN });
      const dup = binding({ name: 'dup', annotations: claimed, deleting: true });
      assert.equal(mayCleanUp(holder, tg(), CLUSTER, [holder, dup]), true);
      assert.equal(mayCleanUp(dup, tg(), CLUSTER, [holder, dup]), false);
      assert.equal(mayCleanUp(binding({ name: 'unclaimed' }), tg(), CLUSTER, []), false);
      assert.equal(mayCleanUp(binding({ name: 'alone', annotations: claimed }), tg(), CLUSTER, []), true);
      assert.equal(mayCleanUp(binding({ annotations: claimed }), tg({ 'elbv2.k8s.aws/cluster': 'staging' }), CLUSTER, []), false);
    });
  });

  describe('immutable fields (upstream\'s rules)', () => {
    const base: TargetGroupBindingWireSpec = { targetGroupARN: ARN, targetType: 'ip', serviceRef: { name: 'web', port: 80 } };
    it('names every changed immutable field', () => {
      assert.deepEqual(immutableChanges(base, base, 'vpc-0a1b2c3d'), []);
      assert.deepEqual(immutableChanges({ ...base, targetGroupARN: 'arn:x', targetType: 'instance' }, base, undefined), ['spec.targetGroupARN', 'spec.targetType']);
      assert.deepEqual(immutableChanges({ ...base, ipAddressType: 'ipv4' }, base, undefined), [], 'unset ipAddressType is ipv4');
      assert.deepEqual(immutableChanges({ ...base, ipAddressType: 'ipv6' }, base, undefined), ['spec.ipAddressType']);
      assert.deepEqual(immutableChanges(base, { ...base, ipAddressType: 'ipv4' }, undefined), ['spec.ipAddressType']);
      assert.deepEqual(immutableChanges({ ...base, vpcID: 'vpc-0a1b2c3d' }, base, 'vpc-0a1b2c3d'), [], 'unset vpcID is the cluster VPC');
      assert.deepEqual(immutableChanges({ ...base, vpcID: 'vpc-99999999' }, base, 'vpc-0a1b2c3d'), ['spec.vpcID']);
      assert.deepEqual(immutableChanges(base, { ...base, vpcID: 'vpc-0a1b2c3d' }, 'vpc-0a1b2c3d'), ['spec.vpcID']);
    });
  });

  describe('properties over user-set values', () => {
    const word = fc.stringMatching(/^[a-z0-9-]{0,12}$/);
    const labels = fc.dictionary(fc.constantFrom('ingress.k8s.aws/stack', 'ingress.k8s.aws/stack-namespace', 'ingress.k8s.aws/stack-name',
      'service.k8s.aws/stack-namespace', 'service.k8s.aws/stack-name', 'app'), fc.oneof(word, fc.constantFrom('shop', 'web', 'storefront', 'shop/web')));
    const annotations = fc.dictionary(fc.constantFrom(CLAIM_ANNOTATION, 'other'), fc.oneof(fc.constantFrom('true', 'false', 'True', ''), fc.string({ maxLength: 8 })));
    const port = fc.oneof(fc.constantFrom(80, 443, 8080), fc.integer({ min: -1, max: 70_000 }), fc.constantFrom('http', '80', ''));
    const userBinding = fc.record({
      ns: fc.oneof(fc.constantFrom('shop', 'team-b'), word), name: fc.oneof(fc.constantFrom('web', 'grab'), word),
      labels, annotations, svc: fc.oneof(fc.constantFrom('web', 'pay'), word), port,
      createdAt: fc.integer({ min: 0, max: 59 }).map((s) => `2024-01-01T00:00:${String(s).padStart(2, '0')}Z`),
      recorded: fc.option(fc.constantFrom(ARN, 'arn:other'), { nil: undefined }),
    }).map((u) => binding({ ns: u.ns, name: u.name, labels: u.labels, annotations: u.annotations, createdAt: u.createdAt, spec: { serviceRef: { name: u.svc, port: u.port } }, ...(u.recorded ? { recorded: u.recorded } : {}) }));
    const tags = fc.oneof(
      fc.constant({}), fc.constant({ 'elbv2.k8s.aws/cluster': CLUSTER }), fc.constant({ 'elbv2.k8s.aws/cluster': 'staging' }),
      fc.constant(ingressStack), fc.constant(explicitStack),
      fc.dictionary(fc.constantFrom('elbv2.k8s.aws/cluster', 'ingress.k8s.aws/stack', 'ingress.k8s.aws/resource', 'service.k8s.aws/stack', 'service.k8s.aws/resource'), fc.oneof(word, fc.constantFrom(CLUSTER, 'shop/web', 'shop/web-web:80'))),
    );

    it('a stack\'s target group is allowed exactly for its labels, namespace and Service port', () => {
      fc.assert(fc.property(userBinding, (b) => {
        const l = b.metadata?.labels ?? {};
        const expected = l['ingress.k8s.aws/stack-namespace'] === 'shop' && l['ingress.k8s.aws/stack-name'] === 'web'
          && b.metadata?.namespace === 'shop' && b.spec.serviceRef.name === 'web' && String(b.spec.serviceRef.port) === '80';
        assert.equal(ownershipRefusal(b, tg(ingressStack), CLUSTER) === undefined, expected);
      }), { numRuns: 3_000 });
    });

    it('another cluster\'s target group is never allowed, whatever the binding says', () => {
      fc.assert(fc.property(userBinding, tags, (b, t) => {
        const foreign = { ...t, 'elbv2.k8s.aws/cluster': 'staging' };
        assert.equal(ownershipRefusal(b, tg(foreign), CLUSTER)?.code, 'TargetGroupOfOtherCluster');
      }), { numRuns: 1_000 });
    });

    it('another cluster\'s target group is allowed only to a multi-cluster binding with the claim annotation', () => {
      fc.assert(fc.property(userBinding, tags, fc.boolean(), (b0, t, multi) => {
        const b = { ...b0, spec: { ...b0.spec, multiClusterTargetGroup: multi } };
        const foreign = { ...t, 'elbv2.k8s.aws/cluster': 'staging' };
        const r = ownershipRefusal(b, tg(foreign), CLUSTER);
        assert.equal(r === undefined, multi && claimOf(b) === true, r?.message);
      }), { numRuns: 2_000 });
    });

    it('several bindings are admitted to one target group only when every one of them is multi-cluster', () => {
      const mixed = fc.tuple(userBinding, fc.boolean()).map(([b, multi]) => ({ ...b, spec: { ...b.spec, multiClusterTargetGroup: multi } }));
      fc.assert(fc.property(fc.uniqueArray(mixed, { selector: (b) => `${b.metadata?.namespace}/${b.metadata?.name}`, minLength: 1, maxLength: 6 }), tags, (bs, t) => {
        const target = tg(t);
        const admitted = bs.filter((b) => admit({ binding: b, targetGroup: target, clusterName: CLUSTER, bindings: bs }).ok);
        if (admitted.length > 1) assert.ok(admitted.every((b) => b.spec.multiClusterTargetGroup), `admitted ${admitted.map((b) => `${b.metadata?.name}:${String(b.spec.multiClusterTargetGroup)}`).join(', ')}`);
        const cleaners = bs.filter((b) => mayCleanUp(b, target, CLUSTER, bs));
        if (cleaners.length > 1) assert.ok(cleaners.every((b) => b.spec.multiClusterTargetGroup));
      }), { numRuns: 3_000 });
    });

    it('at most one binding is admitted per target group, and the holder does not depend on list order', () => {
      fc.assert(fc.property(fc.uniqueArray(userBinding, { selector: (b) => `${b.metadata?.namespace}/${b.metadata?.name}`, minLength: 1, maxLength: 6 }), tags, (bs, t) => {
        const target = tg(t);
        const admitted = bs.filter((b) => admit({ binding: b, targetGroup: target, clusterName: CLUSTER, bindings: bs }).ok);
        assert.ok(admitted.length <= 1, `admitted ${admitted.map((b) => b.metadata?.name).join(', ')}`);
        const forward = holderOf(ARN, bs, eligibleFor(target, CLUSTER));
        const backward = holderOf(ARN, [...bs].reverse(), eligibleFor(target, CLUSTER));
        assert.equal(forward, backward);
        if (admitted[0]) assert.equal(admitted[0], forward, 'the admitted one is the holder');
        const cleaners = bs.filter((b) => mayCleanUp(b, target, CLUSTER, bs));
        assert.ok(cleaners.length <= 1);
      }), { numRuns: 3_000 });
    });

    it('every spec value a user can set is either accepted or refused with a named spec field; nothing throws', () => {
      const spec = fc.record({
        targetGroupARN: fc.option(fc.constantFrom(ARN, '', 'arn:x'), { nil: undefined }),
        targetGroupName: fc.option(word, { nil: undefined }),
        targetType: fc.option(fc.constantFrom('instance' as const, 'ip' as const), { nil: undefined }),
        ipAddressType: fc.option(fc.constantFrom('ipv4' as const, 'ipv6' as const), { nil: undefined }),
        vpcID: fc.option(fc.oneof(fc.constantFrom('vpc-0a1b2c3d', 'vpc-12345678'), fc.string({ maxLength: 20 })), { nil: undefined }),
        targetGroupProtocol: fc.option(fc.constantFrom('HTTP', 'HTTPS', 'TCP', 'TLS', 'UDP', 'TCP_UDP', 'QUIC', 'TCP_QUIC'), { nil: undefined }),
        multiClusterTargetGroup: fc.option(fc.boolean(), { nil: undefined }),
        iamRoleArnToAssume: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
        assumeRoleExternalId: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
        nodeSelector: fc.option(fc.constant({ matchLabels: { a: 'b' } }), { nil: undefined }),
      }, { requiredKeys: [] });
      const tgFacts = fc.record({ targetType: fc.constantFrom('instance', 'ip', 'lambda', 'alb'), ipAddressType: fc.constantFrom('ipv4' as const, 'ipv6' as const), protocol: fc.constantFrom('HTTP', 'TCP', 'QUIC') });
      fc.assert(fc.property(spec, tgFacts, (s, f) => {
        const full = { ...s, serviceRef: { name: 'web', port: 80 } } as TargetGroupBindingWireSpec;
        const refusals = [...specRefusals(full), ...targetGroupMismatches(full, tg({}, f))];
        for (const r of refusals) {
          assert.match(r.field, /^spec\.[A-Za-z]+$/);
          assert.match(r.code, /^[A-Z][A-Za-z]+$/);
          assert.ok(r.message.length > 0);
        }
        const b = binding({ annotations: claimed, spec: full });
        const d = admit({ binding: b, targetGroup: tg({}, f), clusterName: CLUSTER, bindings: [b] });
        if (d.ok) {
          assert.ok(d.spec.targetType === 'instance' || d.spec.targetType === 'ip', 'an admitted binding has a target type');
          assert.equal(d.spec.targetType, f.targetType, 'and it is the target group\'s');
          assert.equal(d.spec.ipAddressType, f.ipAddressType);
        }
      }), { numRuns: 5_000 });
    });
  });
});
