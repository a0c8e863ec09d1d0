// The TargetGroupBinding webhooks, AdmissionReview in and out: the mutator's defaults and name lookup, the
// validator's CREATE rules (ownership, claim, one per target group, agreement) and UPDATE rules (immutable fields),
// denials that name the field, and the HTTP routes next to the pod webhook.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TargetGroupFacts } from '../../../src/aws/target-groups.ts';
import type { TargetGroupBinding } from '../../../src/k8s/types.ts';
import { CLAIM_ANNOTATION } from '../../../src/targets/binding-policy.ts';
import type { AdmissionReview } from '../../../src/webhook/admission.ts';
import { webhookHandler } from '../../../src/webhook/server.ts';
import {
  MUTATE_TGB_PATH, mutateBinding, VALIDATE_TGB_PATH, validateBinding, type BindingAdmissionDeps,
} from '../../../src/webhook/target-group-binding.ts';

const CLUSTER = 'prod';
const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/hand-made/0123456789abcdef';
const STACK_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/k8s-shop-web-0123456789/fedcba9876543210';
const OTHER_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/other-cluster/1111111111111111';

const groups: TargetGroupFacts[] = [
  { arn: ARN, name: 'hand-made', targetType: 'ip', ipAddressType: 'ipv4', vpcId: 'vpc-0a1b2c3d', protocol: 'HTTP', healthCheckPort: 'traffic-port', tags: {} },
  {
    arn: STACK_ARN, name: 'k8s-shop-web-0123456789', targetType: 'instance', ipAddressType: 'ipv4', vpcId: 'vpc-0a1b2c3d', protocol: 'HTTP',
    tags: { 'elbv2.k8s.aws/cluster': CLUSTER, 'ingress.k8s.aws/stack': 'shop/web', 'ingress.k8s.aws/resource': 'shop/web-web:80' },
  },
  { arn: OTHER_ARN, name: 'other-cluster', targetType: 'ip', ipAddressType: 'ipv4', vpcId: 'vpc-0a1b2c3d', protocol: 'HTTP', tags: { 'elbv2.k8s.aws/cluster': 'staging', 'ingress.k8s.aws/stack': 'x' } },
];

const tgb = (name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}): TargetGroupBinding => ({
  apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'TargetGroupBinding',
  metadata: { name, namespace: 'shop', uid: `uid-${name}`, creationTimestamp: '2024-05-01T00:00:00Z', ...meta },
  spec: { serviceRef: { name: 'web', port: 80 }, ...spec },
} as TargetGroupBinding);

const review = (operation: string, object: TargetGroupBinding, oldObject?: TargetGroupBinding): unknown => ({
  apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
  request: { uid: 'req-1', kind: { group: 'elbv2.k8s.aws', kind: 'TargetGroupBinding' }, operation, namespace: 'shop', object, ...(oldObject ? { oldObject } : {}) },
});

const patchOf = (r: AdmissionReview): unknown => JSON.parse(Buffer.from(r.response.patch ?? '', 'base64').toString());

describe('webhook: TargetGroupBinding admission', () => {
  let existing: TargetGroupBinding[];
  let lookups: string[];
  let failRead: Error | undefined;
  const deps: BindingAdmissionDeps = {
    targetGroups: {
      byArn: async (arn) => { lookups.push(arn); if (failRead) throw failRead; return groups.find((g) => g.arn === arn); },
      byName: async (name) => { lookups.push(`name:${name}`); if (failRead) throw failRead; return groups.find((g) => g.name === name); },
    },
    bindings: () => existing,
    clusterName: CLUSTER,
    clusterVpcId: 'vpc-0a1b2c3d',
  };
  beforeEach(() => { existing = []; lookups = []; failRead = undefined; });

  describe('mutate', () => {
    it('resolves targetGroupName to the ARN and fills every default from the target group', async () => {
      const r = await mutateBinding(review('CREATE', tgb('web', { targetGroupName: 'hand-made' })), deps);
      assert.equal(r.response.uid, 'req-1');
      assert.equal(r.response.allowed, true);
      assert.equal(r.response.patchType, 'JSONPatch');
      assert.deepEqual(patchOf(r), [
        { op: 'add', path: '/spec/targetGroupARN', value: ARN },
        { op: 'add', path: '/spec/targetType', value: 'ip' },
        { op: 'add', path: '/spec/ipAddressType', value: 'ipv4' },
        { op: 'add', path: '/spec/vpcID', value: 'vpc-0a1b2c3d' },
        { op: 'add', path: '/spec/targetGroupProtocol', value: 'HTTP' },
      ]);
    });

    it('keeps what the user set, and patches nothing when everything is set', async () => {
      const full = tgb('web', { targetGroupARN: ARN, targetType: 'ip', ipAddressType: 'ipv4', vpcID: 'vpc-0a1b2c3d', targetGroupProtocol: 'HTTP' });
      const r = await mutateBinding(review('CREATE', full), deps);
      assert.deepEqual(r.response, { uid: 'req-1', allowed: true });
    });

    it('denies a name no target group has, or an unreadable target group, naming the field', async () => {
      const r = await mutateBinding(review('CREATE', tgb('web', { targetGroupName: 'typo' })), deps);
      assert.equal(r.response.allowed, false);
      assert.equal(r.response.status?.code, 403);
      assert.match(r.response.status?.message ?? '', /shop\/web: spec\.targetGroupName: no target group named "typo"/);
      failRead = new Error('Throttling: Rate exceeded');
      const t = await mutateBinding(review('CREATE', tgb('web', { targetGroupARN: ARN })), deps);
      assert.equal(t.response.allowed, false);
      assert.match(t.response.status?.message ?? '', /could not read target group .*Rate exceeded/);
    });

    it('leaves updates alone, and leaves refusals of the spec alone to the validator (no AWS read)', async () => {
      assert.deepEqual((await mutateBinding(review('UPDATE', tgb('web', { targetGroupName: 'hand-made' })), deps)).response, { uid: 'req-1', allowed: true });
      assert.deepEqual((await mutateBinding(review('CREATE', tgb('web', { targetGroupARN: ARN, iamRoleArnToAssume: 'arn:aws:iam::1:role/x' })), deps)).response, { uid: 'req-1', allowed: true });
      assert.deepEqual(lookups, []);
    });
  });

  describe('validate CREATE', () => {
    const claimed = { annotations: { [CLAIM_ANNOTATION]: 'true' } };

    it('allows a claimed binding of a hand-made target group', async () => {
      const r = await validateBinding(review('CREATE', tgb('web', { targetGroupARN: ARN, targetType: 'ip' }, claimed)), deps);
      assert.deepEqual(r.response, { uid: 'req-1', allowed: true });
    });

    it('denies an unclaimed one with the one-line fix', async () => {
      const r = await validateBinding(review('CREATE', tgb('web', { targetGroupARN: ARN, targetType: 'ip' })), deps);
      assert.equal(r.response.allowed, false);
      assert.match(r.response.status?.message ?? '', /metadata\.annotations\[elbv2\.k8s\.aws\/claim-target-group\]: .*kubectl annotate targetgroupbinding -n shop web elbv2\.k8s\.aws\/claim-target-group=true/);
    });

    it('denies another stack\'s target group, and another cluster\'s, even when claimed', async () => {
      const stack = await validateBinding(review('CREATE', tgb('grab', { targetGroupARN: STACK_ARN, targetType: 'instance' }, { namespace: 'team-b', ...claimed })), deps);
      assert.equal(stack.response.allowed, false);
      assert.match(stack.response.status?.message ?? '', /spec\.targetGroupARN: target group .* is tagged ingress\.k8s\.aws\/stack=shop\/web: only the TargetGroupBindings that stack creates may use it/);
      const other = await validateBinding(review('CREATE', tgb('grab', { targetGroupARN: OTHER_ARN, targetType: 'ip' }, claimed)), deps);
      assert.match(other.response.status?.message ?? '', /elbv2\.k8s\.aws\/cluster=staging: it belongs to another cluster's controller/);
    });

    it('allows the stack\'s own binding (what the Ingress controller creates)', async () => {
      const own = tgb('k8s-shop-web-0123456789', { targetGroupARN: STACK_ARN, targetType: 'instance' }, { labels: { 'ingress.k8s.aws/stack-namespace': 'shop', 'ingress.k8s.aws/stack-name': 'web' } });
      assert.equal((await validateBinding(review('CREATE', own), deps)).response.allowed, true);
    });

    it('denies a second binding of the same target group, cluster-wide, naming the first', async () => {
      existing = [tgb('first', { targetGroupARN: ARN, targetType: 'ip' }, { namespace: 'team-a', creationTimestamp: '2024-01-01T00:00:00Z' })];
      const r = await validateBinding(review('CREATE', tgb('second', { targetGroupARN: ARN, targetType: 'ip' }, claimed)), deps);
      assert.equal(r.response.allowed, false);
      assert.match(r.response.status?.message ?? '', /already bound by TargetGroupBinding team-a\/first/);
    });

    it('denies each contradiction with the target group (VPC, IP family, protocol, type), listing them all', async () => {
      const r = await validateBinding(review('CREATE', tgb('web', {
        targetGroupARN: ARN, targetType: 'instance', vpcID: 'vpc-99999999', ipAddressType: 'ipv6', targetGroupProtocol: 'TCP',
      }, claimed)), deps);
      const m = r.response.status?.message ?? '';
      for (const f of ['spec.targetType', 'spec.ipAddressType', 'spec.vpcID', 'spec.targetGroupProtocol']) assert.ok(m.includes(`${f}: `), `${f} in ${m}`);
    });

    it('denies what is not supported before any AWS read: no target group, no targetType, role assumption (multi-cluster is accepted)', async () => {
      const r = await validateBinding(review('CREATE', tgb('web', { multiClusterTargetGroup: true, iamRoleArnToAssume: 'arn:aws:iam::1:role/x' })), deps);
      const m = r.response.status?.message ?? '';
      for (const f of ['spec.targetGroupARN: set spec.targetGroupARN or spec.targetGroupName', 'spec.iamRoleArnToAssume', 'spec.targetType: required']) {
        assert.ok(m.includes(f), `${f} in ${m}`);
      }
      assert.ok(!m.includes('spec.multiClusterTargetGroup:'), m);
      assert.deepEqual(lookups, []);
    });

    it('denies when AWS cannot be read (fail closed, as failurePolicy Fail)', async () => {
      failRead = new Error('connect ETIMEDOUT');
      const r = await validateBinding(review('CREATE', tgb('web', { targetGroupARN: ARN, targetType: 'ip' }, claimed)), deps);
      assert.equal(r.response.allowed, false);
      assert.match(r.response.status?.message ?? '', /ETIMEDOUT/);
    });
  });

  describe('validate UPDATE', () => {
    const base = tgb('web', { targetGroupARN: ARN, targetType: 'ip', ipAddressType: 'ipv4', vpcID: 'vpc-0a1b2c3d' });

    it('denies a change of ARN, target type, IP family or VPC, without an AWS read', async () => {
      const next = tgb('web', { targetGroupARN: STACK_ARN, targetType: 'instance', ipAddressType: 'ipv6', vpcID: 'vpc-12345678' });
      const r = await validateBinding(review('UPDATE', next, base), deps);
      assert.equal(r.response.allowed, false);
      assert.match(r.response.status?.message ?? '', /spec\.targetGroupARN: cannot change.*spec\.targetType: cannot change.*spec\.ipAddressType: cannot change.*spec\.vpcID: cannot change/);
      assert.deepEqual(lookups, []);
    });

    it('allows other changes, and anything but immutable fields on a binding being deleted (its finalizer must go)', async () => {
      const more = tgb('web', { ...base.spec, networking: { ingress: [] } }, { labels: { team: 'a' } });
      assert.equal((await validateBinding(review('UPDATE', more, base), deps)).response.allowed, true);
      const deleting = tgb('web', { ...base.spec, nodeSelector: { matchLabels: { a: 'b' } } }, { deletionTimestamp: '2024-06-01T00:00:00Z' });
      assert.equal((await validateBinding(review('UPDATE', deleting, base), deps)).response.allowed, true);
      assert.equal((await validateBinding(review('UPDATE', tgb('web', { ...base.spec, nodeSelector: { matchLabels: { a: 'b' } } }), base), deps)).response.allowed, false);
    });

    it('allows DELETE and CONNECT, and answers 400 for a review without an object', async () => {
      assert.equal((await validateBinding(review('DELETE', base), deps)).response.allowed, true);
      const empty = await validateBinding({ request: { uid: 'x', operation: 'CREATE' } }, deps);
      assert.equal(empty.response.status?.code, 400);
    });
  });

  describe('HTTP routes', () => {
    let server: Server;
    let base: string;
    before(async () => {
      server = createServer(webhookHandler({ bindings: deps }));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));
    const post = async (path: string, body: unknown): Promise<AdmissionReview> =>
      (await (await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) })).json()) as AdmissionReview;

    it('serves both TargetGroupBinding paths next to the pod path', async () => {
      assert.equal((await post(MUTATE_TGB_PATH, review('CREATE', tgb('web', { targetGroupName: 'hand-made' })))).response.patchType, 'JSONPatch');
      assert.equal((await post(VALIDATE_TGB_PATH, review('CREATE', tgb('web', { targetGroupARN: ARN, targetType: 'ip' })))).response.allowed, false);
    });

    it('fails closed on an unreadable body (the pod path fails open)', async () => {
      const r = await post(VALIDATE_TGB_PATH, '{nope');
      assert.equal(r.response.allowed, false);
      const pod = await post('/mutate-v1-pod', '{nope');
      assert.equal(pod.response.allowed, true);
    });
  });
});
