// An IngressGroup reconcile that fails before or inside apply reports it on every member of the group (a
// Warning Event and the ADR 0002 status annotation, reason FailedDeployModel with the AWS error code), then
// rethrows so the queue retries with backoff. Once the leadership signal has aborted, nothing is reported and
// apply writes nothing.
import assert from 'node:assert/strict';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { createAwsClients, type AwsClients } from '../../../src/aws/clients.ts';
import { BackendSecurityGroup } from '../../../src/controllers/backend-security-group.ts';
import { CONFLICTING_MEMBER_REFUSED, IngressGroupController, failureText, type FactsSource } from '../../../src/controllers/ingress-group.ts';
import { ApplyError } from '../../../src/deploy/apply.ts';
import { kubeClientsFor } from '../../../src/k8s/client.ts';
import { ManualClock } from '../../../src/k8s/clock.ts';
import { EventRecorder } from '../../../src/k8s/events.ts';
import { WorkQueue } from '../../../src/k8s/queue.ts';
import { createInformers, type InformerSet } from '../../../src/k8s/informer.ts';
import { RECONCILE_STATUS_ANNOTATION } from '../../../src/k8s/status.ts';
import type { DiscoveredFacts } from '../../../src/model/index.ts';
import { silentLogger } from '../../../src/server/log.ts';
import { waitFor } from '../../../src/stand-ins/wait.ts';
import { ControllerMetrics } from '../../../src/server/metrics.ts';
import { action, elbError, emptyAccount, FakeHttp, TEST_CREDENTIALS, writesSeen } from '../aws/fake-http.ts';
import { FakeKube } from '../k8s/fake-kube.ts';

const config = {
  clusterName: 'demo', ingressClass: 'alb', defaultScheme: 'internal' as const, defaultTargetType: 'instance' as const,
  defaultSslPolicy: 'ELBSecurityPolicy-2016-08', defaultTags: {}, externalManagedTags: [], vpcId: 'vpc-1', enableBackendSecurityGroup: true,
};

const FACTS: DiscoveredFacts = {
  vpcId: 'vpc-1',
  vpcCidrs: ['10.0.0.0/16'],
  subnets: ['a', 'b'].map((az) => ({
    id: `subnet-priv-${az}`, availabilityZone: `us-east-1${az}`, cidrBlock: '10.0.0.0/24', vpcId: 'vpc-1', availableIpAddressCount: 200,
    tags: { 'kubernetes.io/role/internal-elb': '1' },
  })),
  securityGroups: [],
  certificates: [],
};

/** what the SDK throws for an IAM denial (query protocol: Code and name) */
const accessDenied = (): Error => Object.assign(new Error('User: arn:aws:iam::123456789012:role/lbc is not authorized to perform: ec2:DescribeSubnets'), {
  name: 'AccessDenied', Code: 'AccessDenied', $metadata: { httpStatusCode: 403 },
});

const member = (name: string): Record<string, unknown> => ({
  metadata: { name, namespace: 'shop', annotations: { 'alb.ingress.kubernetes.io/group.name': 'shop' } },
  spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: `/${name}`, pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
});

describe('controllers: IngressGroup failure reporting', () => {
  let kube: FakeKube;
  let informers: InformerSet;
  let aws: AwsClients;
  let http: FakeHttp;

  /** backend: the shared backend security group; none means a config with it turned off */
  const controller = (discovery: FactsSource, backend?: BackendSecurityGroup): IngressGroupController => {
    const clients = kubeClientsFor(kube);
    const c = new IngressGroupController({
      config: { ...config, enableBackendSecurityGroup: backend !== undefined }, informers, kube: clients, aws: { elbv2: aws.elbv2, ec2: aws.ec2 }, discovery,
      events: new EventRecorder({ events: clients.events, component: 'ingress' }), metrics: new ControllerMetrics(), log: silentLogger,
      ...(backend ? { backendSecurityGroup: backend } : {}),
    });
    // the index of Ingresses fills from the informers' handlers (the cached objects are replayed as adds)
    c.register(new WorkQueue());
    return c;
  };
  const backendGroup = (): BackendSecurityGroup => new BackendSecurityGroup({
    ec2: aws.ec2, elbv2: aws.elbv2, log: silentLogger, finalizedStacks: () => [], bindingSources: () => new Set(),
    spec: { clusterName: 'demo', vpcId: 'vpc-1', name: 'k8s-traffic-demo-2a97516c35', description: 'd', tags: { 'elbv2.k8s.aws/cluster': 'demo', 'elbv2.k8s.aws/resource': 'backend-sg' } },
  });
  const eventsOf = (name: string): { type: string; reason: string; message: string }[] =>
    [...kube.store.values()]
      .filter((o) => o.kind === 'Event' || (o as { involvedObject?: unknown }).involvedObject)
      .filter((o) => (o as { involvedObject?: { name?: string } }).involvedObject?.name === name)
      .map((o) => o as unknown as { type: string; reason: string; message: string });
  const statusOf = (name: string): { reason: string; message: string } | undefined => {
    const raw = (kube.getObject('ingresses', 'shop', name)?.metadata?.annotations as Record<string, string> | undefined)?.[RECONCILE_STATUS_ANNOTATION];
    return raw ? JSON.parse(raw) as { reason: string; message: string } : undefined;
  };

  beforeEach(async () => {
    // these tests run the real SDK middleware over a fake HTTP handler: undo any class-level
    // aws-sdk-client-mock another test file left in place (those files re-stub in their own beforeEach)
    for (const C of [EC2Client, ElasticLoadBalancingV2Client]) (C.prototype.send as { restore?: () => void }).restore?.();
    kube = new FakeKube();
    kube.put('ingressclasses', { metadata: { name: 'alb' }, spec: { controller: 'ingress.k8s.aws/alb' } });
    kube.put('namespaces', { metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } });
    kube.put('services', { metadata: { name: 'web', namespace: 'shop' }, spec: { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 }] } });
    kube.put('ingresses', member('a'));
    kube.put('ingresses', member('b'));
    informers = createInformers({ rest: kube, clock: new ManualClock() });
    informers.startAll();
    await informers.waitForSync();
    http = new FakeHttp(emptyAccount);
    aws = createAwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS, requestHandler: http, retryDelayMs: 1, maxRetries: 0 });
  });

  afterEach(async () => {
    await informers.stopAll();
    aws.destroy();
  });

  it('reports a discovery failure (IAM AccessDenied) on every member, then rethrows for a retry', async () => {
    const denied = accessDenied();
    const c = controller({ discoverFacts: () => Promise.reject(denied) });
    await assert.rejects(c.reconcile('shop'), (e) => e === denied);
    for (const name of ['a', 'b']) {
      const events = eventsOf(name);
      assert.equal(events.length, 1, `one Event on ${name}`);
      assert.equal(events[0]?.type, 'Warning');
      assert.equal(events[0]?.reason, 'FailedDeployModel');
      assert.match(events[0]?.message ?? '', /AccessDenied: User: arn:aws:iam::123456789012:role\/lbc is not authorized to perform: ec2:DescribeSubnets/);
      assert.equal(statusOf(name)?.reason, 'FailedDeployModel');
      assert.match(statusOf(name)?.message ?? '', /^discovering AWS resources failed: AccessDenied: /);
      assert.deepEqual(kube.getObject('ingresses', 'shop', name)?.metadata?.finalizers, ['group.ingress.k8s.aws/shop'], 'finalizer added before the failure');
    }
    // the stack is observed before the build (which members are deployed decides conflicts, ADR 6): reads only
    assert.deepEqual(writesSeen(http), [], 'nothing but reads was sent to AWS');
  });

  it('reports a failure to read the stack from AWS (observe) the same way', async () => {
    http = new FakeHttp(() => elbError('AccessDenied', 'not authorized to perform: elasticloadbalancing:DescribeLoadBalancers'));
    aws.destroy();
    aws = createAwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS, requestHandler: http, retryDelayMs: 1, maxRetries: 0 });
    const c = controller({ discoverFacts: () => Promise.resolve(FACTS) });
    await assert.rejects(c.reconcile('shop'));
    for (const name of ['a', 'b']) {
      assert.deepEqual(eventsOf(name).map((e) => e.reason), ['FailedDeployModel']);
      assert.match(statusOf(name)?.message ?? '', /^reading the load balancer from AWS failed: .*AccessDenied: not authorized to perform: elasticloadbalancing:DescribeLoadBalancers/);
    }
  });

  it('once the leadership signal aborts: apply writes nothing, and nothing is reported', async () => {
    const leadership = new AbortController();
    // leadership is lost while the reconcile is under way
    const c = controller({ discoverFacts: () => { leadership.abort(); return Promise.resolve(FACTS); } });
    await assert.rejects(c.reconcile('shop', undefined, leadership.signal), (e) => e instanceof ApplyError && e.code === 'Aborted');
    assert.deepEqual(writesSeen(http), [], 'no write reached AWS');
    assert.ok(http.seen.length > 0, 'the stack was observed');
    for (const name of ['a', 'b']) {
      assert.deepEqual(eventsOf(name), []);
      assert.equal(statusOf(name), undefined);
    }

    const stopped = new AbortController();
    stopped.abort();
    const failing = controller({ discoverFacts: () => Promise.reject(accessDenied()) });
    await assert.rejects(failing.reconcile('shop', undefined, stopped.signal), /not authorized/);
    assert.deepEqual(eventsOf('a'), [], 'a failure after the signal aborted is not reported either');
  });

  it('reports a failure to create the shared backend security group on every member, before anything else is written', async () => {
    // the account has no backend group, and refuses the create (emptyAccount answers every write with an error)
    const c = controller({ discoverFacts: () => Promise.resolve(FACTS) }, backendGroup());
    await assert.rejects(c.reconcile('shop'), /UnexpectedWrite/);
    for (const name of ['a', 'b']) {
      assert.equal(statusOf(name)?.reason, 'FailedDeployModel');
      assert.match(statusOf(name)?.message ?? '', /^finding or creating the shared backend security group failed: UnexpectedWrite: unexpected call CreateSecurityGroup/);
    }
    // the stack is observed first (reads, ADR 6); then the group is looked up by its tags and created, and nothing else is sent
    const seen = http.seen.map(action);
    assert.deepEqual(seen.slice(-2), ['DescribeSecurityGroups', 'CreateSecurityGroup'], 'looked up by its tags, then created');
    assert.deepEqual(seen.filter((a) => !a?.startsWith('Describe')), ['CreateSecurityGroup'], 'nothing else but reads');
  });

  it('acquires the backend group for a group that uses it and builds again with its ID (the plan is then complete)', async () => {
    const acquired: string[] = [];
    const settled: string[] = [];
    const backend = {
      known: () => undefined,
      acquire: (stack: string) => { acquired.push(stack); return Promise.resolve('sg-0bac0000000000001'); },
      settle: (stack: string, uses: boolean) => { settled.push(`${stack}=${uses}`); },
    } as unknown as BackendSecurityGroup;
    const leadership = new AbortController();
    const c = controller({ discoverFacts: () => Promise.resolve(FACTS) }, backend);
    // apply refuses an incomplete plan before it looks at the signal: Aborted shows the plan held no Unknown
    const reconcile = c.reconcile('shop', undefined, leadership.signal);
    leadership.abort();
    await assert.rejects(reconcile, (e) => e instanceof ApplyError && e.code === 'Aborted');
    assert.deepEqual([acquired, settled], [['ingress:shop'], []]);
  });

  it('a backend Service asking for authentication without its identity provider: FailedBuildModel on each Ingress routing to it, one Warning Event on the Service, nothing in AWS', async () => {
    kube.put('services', {
      metadata: { name: 'web', namespace: 'shop', annotations: { 'alb.ingress.kubernetes.io/auth-type': 'cognito' } },
      spec: { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 }] },
    });
    await waitFor('the informer sees the annotation', async () => informers.services.get('web', 'shop')?.metadata?.annotations?.['alb.ingress.kubernetes.io/auth-type']);
    const c = controller({ discoverFacts: async () => FACTS });
    await c.reconcile('shop');
    for (const name of ['a', 'b']) {
      assert.deepEqual(eventsOf(name).map((e) => [e.type, e.reason]), [['Warning', 'FailedBuildModel']]);
      assert.match(eventsOf(name)[0]?.message ?? '', /Service shop\/web: alb\.ingress\.kubernetes\.io\/auth-idp-cognito is required when auth-type is cognito/);
    }
    assert.deepEqual(eventsOf('web').map((e) => [e.type, e.reason, e.message]), [['Warning', 'InvalidAnnotation',
      'alb.ingress.kubernetes.io/auth-idp-cognito: is required when auth-type is cognito']]);
    // the stack is observed before the build (ADR 6): reads only
    assert.deepEqual(writesSeen(http), [], 'nothing but reads was sent to AWS');
  });

  it('a newcomer refused for a contested host + path: FailedBuildModel on it, ConflictingMemberRefused naming it on the holder', async () => {
    kube.put('ingresses', { ...member('a'), metadata: { ...member('a').metadata as object, creationTimestamp: '2024-01-01T00:00:00Z' } });
    const evil = member('a');
    kube.put('ingresses', {
      ...evil,
      metadata: { ...evil.metadata as object, name: 'x', namespace: 'evil', creationTimestamp: '2024-06-01T00:00:00Z',
        annotations: { 'alb.ingress.kubernetes.io/group.name': 'shop', 'alb.ingress.kubernetes.io/group.order': '-1000' } },
    });
    await waitFor('informer sees both', async () => informers.ingresses.getByKey('evil/x') !== undefined
      && informers.ingresses.getByKey('shop/a')?.metadata?.creationTimestamp !== undefined);
    const c = controller({ discoverFacts: () => Promise.resolve(FACTS) });
    // the empty account refuses every write: the apply fails after the build has been reported
    await assert.rejects(c.reconcile('shop'));
    const refused = eventsOf('x');
    assert.deepEqual(refused.map((e) => [e.type, e.reason]), [['Warning', 'FailedBuildModel']]);
    assert.match(refused[0]?.message ?? '', /host \* path \/a on port 80 is served by Ingress shop\/a, in group shop first \(created 2024-01-01T00:00:00\.000Z\)/);
    const kept = eventsOf('a').filter((e) => e.reason === CONFLICTING_MEMBER_REFUSED);
    assert.equal(kept.length, 1);
    assert.equal(kept[0]?.type, 'Warning');
    assert.equal(kept[0]?.message, 'Ingress evil/x asked for host * path /a on port 80 in group shop; this Ingress was in the group first and keeps it, so evil/x is left out');
    assert.deepEqual(eventsOf('b').filter((e) => e.reason === CONFLICTING_MEMBER_REFUSED), []);
  });

  it('formats failures as "<code>: <message>"', () => {
    assert.equal(failureText(accessDenied()), 'AccessDenied: User: arn:aws:iam::123456789012:role/lbc is not authorized to perform: ec2:DescribeSubnets');
    assert.equal(failureText(new ApplyError('IncompletePlan', 'plan is incomplete')), 'IncompletePlan: plan is incomplete');
    assert.equal(failureText(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' })), 'ETIMEDOUT: connect ETIMEDOUT');
    assert.equal(failureText(new Error('boom')), 'boom');
  });
});
