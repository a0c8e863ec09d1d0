// The TargetGroupBinding loop against an in-memory apiserver and a mocked ELBv2: multi-cluster bindings,
// failures surfaced as Events, deletions that always go through for broken bindings, the full node selector,
// and networking passes only for bindings that have (or just lost) rules. Also the binding writer's handling
// of a binding still being deleted (a replacement's delete half).
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DeregisterTargetsCommand, DescribeTagsCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { BindingTerminatingError, KubeBindingWriter } from '../../../src/controllers/bindings.ts';
import { TargetGroupBindingController, type TargetGroupBindingDeps } from '../../../src/controllers/target-group-binding.ts';
import { kubeClientsFor, type KubeClients } from '../../../src/k8s/client.ts';
import { flushMicrotasks, ManualClock } from '../../../src/k8s/clock.ts';
import type { EventRecorder } from '../../../src/k8s/events.ts';
import { createInformers, type InformerSet } from '../../../src/k8s/informer.ts';
import { ControllerMetrics } from '../../../src/server/metrics.ts';
import { silentLogger } from '../../../src/server/log.ts';
import type { ReconcileNetworkingInput, ReconcileNetworkingResult } from '../../../src/targets/networking.ts';
import { FakeKube } from '../k8s/fake-kube.ts';

const FINALIZER = 'elbv2.k8s.aws/resources';
const ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';
const NEW_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web2/fedcba9876543210';
const awsErr = (code: string, message = code): Error => Object.assign(new Error(message), { name: code, Code: code, $fault: 'client', $metadata: { httpStatusCode: 400 } });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms); });

const CLAIM = 'elbv2.k8s.aws/claim-target-group';
/** a binding that claims its hand-made target group (the mocked target groups carry no owner tags unless a test says so) */
const binding = (name: string, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'TargetGroupBinding',
  metadata: { name, namespace: 'shop', annotations: { [CLAIM]: 'true' }, ...meta },
  spec: { targetGroupARN: ARN, targetType: 'instance', serviceRef: { name: 'web', port: 80 }, ...spec },
});
/** DescribeTargetGroups answers: every ARN is an instance target group in vpc-0a; `tags` by ARN */
const targetGroup = (arn: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  TargetGroupArn: arn, TargetGroupName: arn.split('/')[1], TargetType: 'instance', IpAddressType: 'ipv4', VpcId: 'vpc-0a1b2c3d', Protocol: 'HTTP', HealthCheckPort: 'traffic-port', ...over,
});

const node = (name: string, labels: Record<string, string>): Record<string, unknown> => ({
  metadata: { name, labels },
  spec: { providerID: `aws:///us-east-1a/i-0${name}` },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});

describe('controllers: TargetGroupBinding', () => {
  const elbv2 = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });
  const elbMock = mockClient(ElasticLoadBalancingV2Client);
  let kube: FakeKube;
  let clients: KubeClients;
  let informers: InformerSet;
  let events: { reason: string; message: string; name: string }[];
  let passes: string[][];
  let controller: TargetGroupBindingController;

  const tgbObject = (name: string) => kube.getObject('targetgroupbindings', 'shop', name) as { metadata: { finalizers?: string[] }; spec: { targetGroupARN: string } } | undefined;

  let tgTags: Record<string, Record<string, string>>;
  let tgOverrides: Record<string, Record<string, unknown>>;

  beforeEach(async () => {
    elbMock.reset();
    tgTags = {};
    tgOverrides = {};
    elbMock.on(DescribeTargetGroupsCommand).callsFake((input: { TargetGroupArns?: string[]; Names?: string[] }) => ({
      TargetGroups: (input.TargetGroupArns ?? input.Names?.map((n) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${n}/0123456789abcdef`) ?? [])
        .map((arn) => targetGroup(arn, tgOverrides[arn])),
    }));
    elbMock.on(DescribeTagsCommand).callsFake((input: { ResourceArns: string[] }) => ({
      TagDescriptions: input.ResourceArns.map((arn) => ({ ResourceArn: arn, Tags: Object.entries(tgTags[arn] ?? {}).map(([Key, Value]) => ({ Key, Value })) })),
    }));
    elbMock.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
    elbMock.on(RegisterTargetsCommand).resolves({});
    elbMock.on(DeregisterTargetsCommand).resolves({});
    kube = new FakeKube();
    kube.put('services', { metadata: { name: 'web', namespace: 'shop' }, spec: { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }] } });
    kube.put('nodes', node('a1', { zone: 'a' }));
    kube.put('nodes', node('b1', { zone: 'b' }));
    kube.put('nodes', node('c1', { zone: 'c', spot: 'true' }));
    clients = kubeClientsFor(kube);
    informers = createInformers({ rest: kube, clock: new ManualClock() });
    events = [];
    passes = [];
    const recorder = {
      warning: async (obj: { metadata?: { name?: string } }, reason: string, message: string) => { events.push({ reason, message, name: obj.metadata?.name ?? '' }); },
      normal: async () => undefined,
    } as unknown as EventRecorder;
    const reconcile = async (input: ReconcileNetworkingInput): Promise<ReconcileNetworkingResult> => {
      passes.push(input.bindings.map((b) => b.key));
      return { securityGroups: [], changes: [], authorized: 0, revoked: 0, writeCalls: 0, errors: [], revocationsHeld: false };
    };
    controller = new TargetGroupBindingController({
      informers, kube: clients, elbv2, events: recorder, metrics: new ControllerMetrics(), log: silentLogger, clusterName: 'unit',
      networking: { ec2: new EC2Client({ region: 'us-east-1' }), clusterName: 'unit', debounceMs: 1, reconcile },
    } as TargetGroupBindingDeps);
    informers.startAll();
    await informers.waitForSync();
  });

  afterEach(async () => {
    controller.stop();
    await informers.stopAll();
  });
  after(() => elbMock.restore());

  const settle = async (): Promise<void> => { await flushMicrotasks(); };
  const put = async (obj: Record<string, unknown>): Promise<void> => { kube.put('targetgroupbindings', obj); await settle(); };
  const registered = (): string[] => elbMock.commandCalls(RegisterTargetsCommand).flatMap((c) => (c.args[0].input.Targets ?? []).map((t) => `${t.Id}:${t.Port}`)).sort();

  describe('checkpoints (ADR 13)', () => {
    const health = (): number => elbMock.commandCalls(DescribeTargetHealthCommand).length;
    const annotations = (name: string): Record<string, string> => (kube.getObject('targetgroupbindings', 'shop', name)?.metadata?.annotations ?? {}) as Record<string, string>;

    it('an unchanged binding is not read again, by a resync or by a restarted controller; a drift check reads it', async () => {
      await put(binding('web'));
      await controller.reconcile('shop/web');
      assert.equal(health(), 1);
      await settle();
      assert.ok(annotations('web')['elbv2.k8s.aws/checkpoint'], 'the checkpoint is kept on the binding');
      await controller.reconcile('shop/web', { key: 'shop/web', priority: 'resync', readyAt: 0 });
      assert.equal(health(), 1, 'the resync reads no target health');
      // a new process: only the annotation tells it what is registered
      const restarted = new TargetGroupBindingController({
        informers, kube: clients, elbv2, events: { warning: async () => undefined, normal: async () => undefined } as unknown as EventRecorder,
        metrics: new ControllerMetrics(), log: silentLogger, clusterName: 'unit',
      } as TargetGroupBindingDeps);
      await restarted.reconcile('shop/web', { key: 'shop/web', priority: 'resync', readyAt: 0 });
      assert.equal(health(), 1, 'the restart reads no target health');
      restarted.markDriftDue('shop/web');
      await restarted.reconcile('shop/web', { key: 'shop/web', priority: 'resync', readyAt: 0 });
      assert.equal(health(), 2, 'the drift check reads it');
      assert.deepEqual(restarted.driftEntries().map((e) => e.key), ['shop/web']);
    });

    it('a changed target set reads and writes again, dropping the checkpoint before the first write', async () => {
      await put(binding('web'));
      await controller.reconcile('shop/web');
      await settle();
      const first = annotations('web')['elbv2.k8s.aws/checkpoint'];
      kube.put('nodes', node('d1', { zone: 'd' }));
      await settle();
      await controller.reconcile('shop/web');
      await settle();
      assert.equal(health(), 2);
      assert.notEqual(annotations('web')['elbv2.k8s.aws/checkpoint'], first);
    });
  });

  describe('multiClusterTargetGroup (ADR 20)', () => {
    const RECORD = 'aws-lbc-targets-shared';
    const record = (): string | undefined => (kube.getObject('configmaps', 'shop', RECORD) as { data?: { targets?: string } } | undefined)?.data?.targets;
    const deregistered = (): string[] => elbMock.commandCalls(DeregisterTargetsCommand).flatMap((c) => (c.args[0].input.Targets ?? []).map((t) => `${t.Id}:${t.Port}`)).sort();
    const inAws = (...ids: string[]): void => {
      elbMock.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: ids.map((id) => ({ Target: { Id: id, Port: 30080 }, TargetHealth: { State: 'healthy' } })) });
    };

    it('deregisters only the targets it recorded: another cluster\'s target is left alone, its own stale one goes', async () => {
      kube.put('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: RECORD, namespace: 'shop' }, data: { targets: 'i-0a1:30080,i-0gone:30080' } });
      inAws('i-0a1', 'i-0gone', 'i-0other');
      await put(binding('shared', { multiClusterTargetGroup: true }));
      await controller.reconcile('shop/shared');
      assert.deepEqual(registered(), ['i-0b1:30080', 'i-0c1:30080']);
      assert.deepEqual(deregistered(), ['i-0gone:30080'], 'i-0other, registered by another cluster, stays');
      assert.equal(record(), 'i-0a1:30080,i-0b1:30080,i-0c1:30080', 'upstream\'s format: id:port joined by commas');
      assert.deepEqual(events, []);
    });

    it('with no record yet (a binding new to multi-cluster), deregisters nothing and records what it registers', async () => {
      inAws('i-0other');
      await put(binding('shared', { multiClusterTargetGroup: true }));
      await controller.reconcile('shop/shared');
      assert.deepEqual(registered(), ['i-0a1:30080', 'i-0b1:30080', 'i-0c1:30080']);
      assert.deepEqual(deregistered(), []);
      assert.equal(record(), 'i-0a1:30080,i-0b1:30080,i-0c1:30080');
    });

    it('on deletion deregisters only what it recorded and deletes the record', async () => {
      kube.put('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: RECORD, namespace: 'shop' }, data: { targets: 'i-0a1:30080' } });
      inAws('i-0a1', 'i-0other');
      await put(binding('shared', { multiClusterTargetGroup: true }, { finalizers: [FINALIZER], annotations: { [CLAIM]: 'true' } }));
      await clients.targetGroupBindings.delete('shared', 'shop');
      await settle();
      await controller.reconcile('shop/shared');
      assert.deepEqual(deregistered(), ['i-0a1:30080']);
      assert.equal(kube.getObject('configmaps', 'shop', RECORD), undefined);
      assert.equal(tgbObject('shared'), undefined, 'the finalizer went, so the binding is gone');
    });

    it('two multi-cluster bindings of one target group are both served', async () => {
      await put(binding('shared', { multiClusterTargetGroup: true }));
      await put(binding('twin', { multiClusterTargetGroup: true }));
      await controller.reconcile('shop/shared');
      await controller.reconcile('shop/twin');
      assert.deepEqual(events, []);
    });
  });

  describe('admission: the controller does not trust the webhook', () => {
    const STACK_TAGS = { 'elbv2.k8s.aws/cluster': 'unit', 'ingress.k8s.aws/stack': 'shop/web', 'ingress.k8s.aws/resource': 'shop/web-web:80' };
    const writes = (): number => elbMock.commandCalls(RegisterTargetsCommand).length + elbMock.commandCalls(DeregisterTargetsCommand).length;
    const status = (name: string) => (kube.getObject('targetgroupbindings', 'shop', name) as { status?: { targetGroupARN?: string; conditions?: { type: string; status: string; reason: string; message: string }[] } } | undefined)?.status;
    const ready = (name: string) => status(name)?.conditions?.find((c) => c.type === 'Ready');
    const unclaimed = (name: string, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) => {
      const b = binding(name, spec, meta);
      (b.metadata as { annotations?: unknown }).annotations = {};
      return b;
    };

    it('refuses another stack\'s target group: Warning Event naming the field, Ready=False, no AWS write, no finalizer', async () => {
      tgTags[ARN] = STACK_TAGS;
      await put(unclaimed('grab', {}, { labels: { 'ingress.k8s.aws/stack': 'mine' } }));
      await controller.reconcile('shop/grab');
      assert.equal(writes(), 0);
      assert.equal(elbMock.commandCalls(DescribeTargetHealthCommand).length, 0);
      assert.deepEqual(events.map((e) => e.reason), ['TargetGroupOfOtherStack']);
      assert.match(events[0]?.message ?? '', /^spec\.targetGroupARN: target group .* is tagged ingress\.k8s\.aws\/stack=shop\/web/);
      assert.equal(tgbObject('grab')?.metadata.finalizers, undefined);
      assert.equal(ready('grab')?.status, 'False');
      assert.equal(ready('grab')?.reason, 'TargetGroupOfOtherStack');
      assert.equal(status('grab')?.targetGroupARN, undefined, 'nothing recorded: it never registered anything');
    });

    it('serves the stack\'s own binding (made by the Ingress controller)', async () => {
      tgTags[ARN] = STACK_TAGS;
      await put(unclaimed('k8s-shop-web', {}, { labels: { 'ingress.k8s.aws/stack-namespace': 'shop', 'ingress.k8s.aws/stack-name': 'web' } }));
      await controller.reconcile('shop/k8s-shop-web');
      assert.deepEqual(registered(), ['i-0a1:30080', 'i-0b1:30080', 'i-0c1:30080']);
    });

    it('a hand-made target group needs the claim; adding it (one annotation) lets the binding in', async () => {
      await put(unclaimed('legacy'));
      await controller.reconcile('shop/legacy');
      assert.equal(writes(), 0);
      assert.equal(events[0]?.reason, 'TargetGroupNotClaimed');
      assert.match(events[0]?.message ?? '', /kubectl annotate targetgroupbinding -n shop legacy elbv2\.k8s\.aws\/claim-target-group=true/);
      await put(binding('legacy'));
      await controller.reconcile('shop/legacy');
      assert.equal(registered().length, 3);
      assert.equal(ready('legacy')?.status, 'True');
    });

    it('records the target group in status before registering, and reads the target group once for many reconciles', async () => {
      let recordedWhenRegistering: string | undefined;
      elbMock.on(RegisterTargetsCommand).callsFake(() => { recordedWhenRegistering = status('web')?.targetGroupARN; return {}; });
      await put(binding('web'));
      await controller.reconcile('shop/web');
      assert.equal(recordedWhenRegistering, ARN);
      for (let i = 0; i < 5; i++) await controller.reconcile('shop/web', { key: 'shop/web', priority: 'resync', readyAt: 0 });
      assert.equal(elbMock.commandCalls(DescribeTargetGroupsCommand).length, 1);
      assert.equal(elbMock.commandCalls(DescribeTagsCommand).length, 1);
    });

    it('one binding per target group: the older holds it, the newer is refused; deleting the newer touches nothing', async () => {
      await put(binding('first', {}, { creationTimestamp: '2024-01-01T00:00:00Z' }));
      await put(binding('second', { nodeSelector: { matchLabels: { zone: 'a' } } }, { creationTimestamp: '2024-02-01T00:00:00Z', finalizers: [FINALIZER] }));
      await controller.reconcile('shop/second');
      assert.equal(writes(), 0);
      assert.equal(events[0]?.reason, 'TargetGroupAlreadyBound');
      assert.match(events[0]?.message ?? '', /already bound by TargetGroupBinding shop\/first/);
      await controller.reconcile('shop/first');
      assert.equal(registered().length, 3);
      await clients.targetGroupBindings.delete('second', 'shop');
      await settle();
      await controller.reconcile('shop/second');
      assert.equal(elbMock.commandCalls(DeregisterTargetsCommand).length, 0, 'the refused duplicate deregisters nothing');
      assert.equal(tgbObject('second'), undefined);
    });

    it('a changed ARN is refused (immutable); deleting the binding deregisters from the recorded target group', async () => {
      await put(binding('web', {}, { finalizers: [FINALIZER] }));
      await controller.reconcile('shop/web');
      assert.equal(status('web')?.targetGroupARN, ARN);
      const stored = kube.getObject('targetgroupbindings', 'shop', 'web') as Record<string, unknown>;
      await put({ ...stored, spec: { ...(stored.spec as object), targetGroupARN: NEW_ARN } });
      await controller.reconcile('shop/web');
      assert.equal(events.at(-1)?.reason, 'ImmutableField');
      assert.match(events.at(-1)?.message ?? '', /changed from .*web\/0123456789abcdef to .*web2\//);
      elbMock.on(DescribeTargetHealthCommand).callsFake((input: { TargetGroupArn: string }) => ({
        TargetHealthDescriptions: input.TargetGroupArn === ARN ? [{ Target: { Id: 'i-0a1', Port: 30080 }, TargetHealth: { State: 'healthy' } }] : [],
      }));
      await clients.targetGroupBindings.delete('web', 'shop');
      await settle();
      await controller.reconcile('shop/web');
      assert.deepEqual(elbMock.commandCalls(DeregisterTargetsCommand).map((c) => c.args[0].input.TargetGroupArn), [ARN]);
    });

    it('resolves targetGroupName and takes the target type from the target group when the spec leaves it out', async () => {
      tgOverrides['arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/by-name/0123456789abcdef'] = { TargetType: 'ip' };
      kube.put('endpointslices', {
        metadata: { name: 'web-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4',
        ports: [{ name: 'http', port: 8080 }], endpoints: [{ addresses: ['10.0.1.5'], conditions: { ready: true } }],
      });
      await put(binding('named', { targetGroupARN: undefined, targetGroupName: 'by-name', targetType: undefined }));
      await controller.reconcile('shop/named');
      assert.deepEqual(elbMock.commandCalls(DescribeTargetGroupsCommand)[0]?.args[0].input.Names, ['by-name']);
      assert.deepEqual(registered(), ['10.0.1.5:8080']);
      assert.match(String(elbMock.commandCalls(RegisterTargetsCommand)[0]?.args[0].input.TargetGroupArn), /targetgroup\/by-name\//);
      assert.match(status('named')?.targetGroupARN ?? '', /targetgroup\/by-name\//);
    });

    it('refuses what is not supported or contradicts the target group, before any write', async () => {
      await put(binding('xacct', { iamRoleArnToAssume: 'arn:aws:iam::999999999999:role/tg' }));
      await controller.reconcile('shop/xacct');
      assert.equal(elbMock.calls().length, 0, 'not even a read');
      assert.equal(events[0]?.reason, 'UnsupportedCrossAccountTargetGroup');
      await put(binding('vpc', { vpcID: 'vpc-99999999', targetGroupProtocol: 'HTTPS' }));
      await controller.reconcile('shop/vpc');
      assert.equal(writes(), 0);
      assert.equal(events[1]?.reason, 'VpcIDMismatch');
      assert.match(events[1]?.message ?? '', /spec\.vpcID: vpc-99999999 does not match the VPC .*; spec\.targetGroupProtocol: HTTPS does not match/);
    });

    it('a target group that does not exist is refused and looked at again later', async () => {
      elbMock.on(DescribeTargetGroupsCommand).rejects(awsErr('TargetGroupNotFound', 'One or more target groups not found'));
      await put(binding('typo'));
      const r = await controller.reconcile('shop/typo');
      assert.deepEqual(r, { requeueAfterMs: 60_000 });
      assert.equal(events[0]?.reason, 'TargetGroupNotFound');
      assert.equal(writes(), 0);
    });
  });

  describe('failures', () => {
    it('a failed reconcile leaves a FailedReconcile Event with the AWS code, and throws for backoff', async () => {
      elbMock.on(RegisterTargetsCommand).rejects(awsErr('AccessDenied', 'User is not authorized to perform: elasticloadbalancing:RegisterTargets'));
      await put(binding('web'));
      await assert.rejects(controller.reconcile('shop/web'), /not authorized/);
      assert.deepEqual(events.map((e) => e.reason), ['FailedReconcile']);
      assert.match(events[0]?.message ?? '', new RegExp(`${ARN}: AccessDenied: User is not authorized`));
    });

    it('a modelled ELBv2 error (TooManyTargetsException) is reported by its SDK name and message', async () => {
      elbMock.on(RegisterTargetsCommand).rejects(Object.assign(new Error('too many'), { name: 'TooManyTargetsException', $fault: 'client', $metadata: { httpStatusCode: 400 } }));
      await put(binding('web'));
      await assert.rejects(controller.reconcile('shop/web'));
      assert.match(events[0]?.message ?? '', /TooManyTargetsException: too many/);
    });

    for (const [code, name] of [['TargetGroupNotFound', 'a target group that is gone'], ['ValidationError', 'a malformed ARN']] as const) {
      it(`cleanup treats ${name} (${code}) as nothing registered, so the binding can be deleted`, async () => {
        elbMock.on(DescribeTargetHealthCommand).rejects(awsErr(code));
        await put(binding('broken', { targetGroupARN: 'arn:typo' }, { finalizers: [FINALIZER] }));
        await clients.targetGroupBindings.delete('broken', 'shop');
        await settle();
        await controller.reconcile('shop/broken');
        assert.equal(tgbObject('broken'), undefined);
        assert.deepEqual(events, []);
      });
    }

    it('cleanup accepts the modelled TargetGroupNotFoundException too', async () => {
      elbMock.on(DescribeTargetHealthCommand).rejects(Object.assign(new Error('gone'), { name: 'TargetGroupNotFoundException', $fault: 'client', $metadata: { httpStatusCode: 400 } }));
      await put(binding('gone', {}, { finalizers: [FINALIZER] }));
      await clients.targetGroupBindings.delete('gone', 'shop');
      await settle();
      await controller.reconcile('shop/gone');
      assert.equal(tgbObject('gone'), undefined);
    });

    it('any other cleanup failure leaves a FailedCleanup Event, keeps the finalizer and throws', async () => {
      elbMock.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [{ Target: { Id: 'i-0a1', Port: 30080 }, TargetHealth: { State: 'healthy' } }] });
      elbMock.on(DeregisterTargetsCommand).rejects(awsErr('AccessDenied', 'not allowed to deregister'));
      await put(binding('web', {}, { finalizers: [FINALIZER] }));
      await clients.targetGroupBindings.delete('web', 'shop');
      await settle();
      await assert.rejects(controller.reconcile('shop/web'), /not allowed/);
      assert.deepEqual(events.map((e) => e.reason), ['FailedCleanup']);
      assert.match(events[0]?.message ?? '', /AccessDenied: not allowed to deregister/);
      assert.deepEqual(tgbObject('web')?.metadata.finalizers, [FINALIZER]);
    });
  });

  it('honours nodeSelector.matchExpressions in instance mode', async () => {
    await put(binding('web', { nodeSelector: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'c'] }, { key: 'spot', operator: 'DoesNotExist' }] } }));
    await controller.reconcile('shop/web');
    assert.deepEqual(registered(), ['i-0a1:30080']);
  });

  describe('networking rules without ports', () => {
    it('open the targets\' port and the target group\'s health-check port, never every port', async () => {
      tgOverrides[ARN] = { HealthCheckPort: '30999' };
      await put(binding('web', { networking: { ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [] }, { from: [{ securityGroup: { groupID: 'sg-lb' } }], ports: [{ protocol: 'UDP' }] }] } }));
      const [b] = await controller.networkingBindings();
      assert.deepEqual(b?.networking?.ingress?.map((r) => r.ports), [
        [{ protocol: 'TCP', port: 30080 }, { protocol: 'TCP', port: 30999 }],
        [{ protocol: 'UDP', port: 30080 }, { protocol: 'UDP', port: 30999 }],
      ]);
    });

    it('leave out a refused binding', async () => {
      await put({ ...binding('web', { networking: { ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [] }] } }), metadata: { name: 'web', namespace: 'shop' } });
      assert.deepEqual(await controller.networkingBindings(), []);
    });
  });

  describe('networking passes', () => {
    const rules = { ingress: [{ from: [{ securityGroup: { groupID: 'sg-lb' } }], ports: [{ protocol: 'TCP', port: 80 }] }] };

    it('after the first reconcile, only bindings with (or just without) rules ask for a pass', async () => {
      await put(binding('plain'));
      await controller.reconcile('shop/plain');
      await sleep(10);
      assert.equal(passes.length, 1, 'the first reconcile after start primes one pass');

      kube.put('nodes', node('d1', { zone: 'd' }));
      await settle();
      await controller.reconcile('shop/plain');
      await sleep(10);
      assert.equal(passes.length, 1, 'a target change of a binding without rules costs no pass');

      await put(binding('plain', { networking: rules }));
      await controller.reconcile('shop/plain');
      await sleep(10);
      assert.equal(passes.length, 2, 'rules added: a pass');
      assert.deepEqual(passes[1], ['shop/plain']);

      await put(binding('plain'));
      await controller.reconcile('shop/plain');
      await sleep(10);
      assert.equal(passes.length, 3, 'rules removed: one more pass, without them');
      assert.deepEqual(passes[2], []);

      kube.put('nodes', node('e1', { zone: 'e' }));
      await settle();
      await controller.reconcile('shop/plain');
      await sleep(10);
      assert.equal(passes.length, 3);
    });

    it('deleting a binding without rules runs no pass; with rules, one without it', async () => {
      await put(binding('plain', {}, { finalizers: [FINALIZER] }));
      await put(binding('ruled', { networking: rules }, { finalizers: [FINALIZER] }));
      await clients.targetGroupBindings.delete('plain', 'shop');
      await settle();
      await controller.reconcile('shop/plain');
      assert.deepEqual(passes, []);
      assert.equal(tgbObject('plain'), undefined);
      await clients.targetGroupBindings.delete('ruled', 'shop');
      await settle();
      await controller.reconcile('shop/ruled');
      assert.deepEqual(passes, [[]]);
      assert.equal(tgbObject('ruled'), undefined);
    });
  });
});

describe('controllers: KubeBindingWriter and a binding still being deleted', () => {
  const spec = (arn: string) => ({
    name: 'k8s-shop-web', namespace: 'shop', labels: { 'ingress.k8s.aws/stack-namespace': 'shop', 'ingress.k8s.aws/stack-name': 'web' },
    targetGroupARN: arn, targetType: 'ip' as const, serviceRef: { name: 'web', port: 80 }, ipAddressType: 'ipv4' as const,
  });
  let kube: FakeKube;
  let clients: KubeClients;

  beforeEach(async () => {
    kube = new FakeKube();
    clients = kubeClientsFor(kube);
    await new KubeBindingWriter(clients.targetGroupBindings).upsert(spec(ARN));
  });

  const stored = () => kube.getObject('targetgroupbindings', 'shop', 'k8s-shop-web') as { metadata: { finalizers?: string[]; deletionTimestamp?: string }; spec: { targetGroupARN: string } } | undefined;

  const deleteBehindOurBack = async (): Promise<void> => { await clients.targetGroupBindings.delete('k8s-shop-web', 'shop'); };
  const releaseFinalizer = async (): Promise<void> => { await clients.targetGroupBindings.mergePatch('k8s-shop-web', 'shop', { metadata: { finalizers: null } }); };

  it('delete waits until the finalizer has let the binding go (the plan deletes the target group only after)', async () => {
    let slept = 0;
    const writer = new KubeBindingWriter(clients.targetGroupBindings, { terminatingWaitMs: 1_000, pollMs: 200, sleep: async () => { slept++; if (slept === 3) await releaseFinalizer(); } });
    await writer.delete('shop', 'k8s-shop-web');
    assert.equal(stored(), undefined);
    assert.equal(slept, 3, 'it polled until the binding was gone, and no longer');
  });

  it('delete gives up after the wait with a retryable error, leaving the binding to its finalizer', async () => {
    let slept = 0;
    const writer = new KubeBindingWriter(clients.targetGroupBindings, { terminatingWaitMs: 1_000, pollMs: 200, sleep: async () => { slept++; } });
    await assert.rejects(writer.delete('shop', 'k8s-shop-web'), (err: unknown) => err instanceof BindingTerminatingError && err.retryable && /still being deleted/.test(err.message));
    assert.equal(slept, 5, 'it waited terminatingWaitMs for the binding to go');
    assert.ok(stored()?.metadata.deletionTimestamp, 'the finalizer holds it');
  });

  it('an upsert never patches the new ARN onto a binding being deleted: it waits, then fails retryably', async () => {
    await deleteBehindOurBack();
    const writer = new KubeBindingWriter(clients.targetGroupBindings, { terminatingWaitMs: 1_000, pollMs: 200, sleep: async () => undefined });
    await assert.rejects(writer.upsert(spec(NEW_ARN)), (err: unknown) => err instanceof BindingTerminatingError && err.retryable);
    assert.equal(stored()?.spec.targetGroupARN, ARN, 'the terminating binding keeps the ARN its cleanup must deregister from');
  });

  it('an upsert creates a fresh binding once the old one is gone', async () => {
    await deleteBehindOurBack();
    const writer = new KubeBindingWriter(clients.targetGroupBindings, { terminatingWaitMs: 1_000, pollMs: 200, sleep: releaseFinalizer });
    await writer.upsert(spec(NEW_ARN));
    assert.equal(stored()?.spec.targetGroupARN, NEW_ARN);
    assert.deepEqual(stored()?.metadata.finalizers, [FINALIZER]);
    assert.equal(stored()?.metadata.deletionTimestamp, undefined);
  });
});
