// Hostile and malformed objects reaching the IngressGroup controller through its informers: each is reported on
// the Ingress it concerns (Event + status annotation, FailedBuildModel) or left alone when it is nothing of
// ours; a reconcile never throws on one and nothing reaches AWS for it.
import assert from 'node:assert/strict';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { createAwsClients, type AwsClients } from '../../../src/aws/clients.ts';
import { IngressGroupController } from '../../../src/controllers/ingress-group.ts';
import { kubeClientsFor } from '../../../src/k8s/client.ts';
import { ManualClock } from '../../../src/k8s/clock.ts';
import { EventRecorder } from '../../../src/k8s/events.ts';
import { createInformers, type InformerSet } from '../../../src/k8s/informer.ts';
import { WorkQueue } from '../../../src/k8s/queue.ts';
import { RECONCILE_STATUS_ANNOTATION } from '../../../src/k8s/status.ts';
import type { Ingress } from '../../../src/k8s/types.ts';
import type { DiscoveredFacts } from '../../../src/model/index.ts';
import { silentLogger } from '../../../src/server/log.ts';
import { ControllerMetrics } from '../../../src/server/metrics.ts';
import { emptyAccount, FakeHttp, TEST_CREDENTIALS, writesSeen } from '../aws/fake-http.ts';
import { FakeKube } from '../k8s/fake-kube.ts';

const config = {
  clusterName: 'demo', ingressClass: 'alb', defaultScheme: 'internal' as const, defaultTargetType: 'instance' as const,
  defaultSslPolicy: 'ELBSecurityPolicy-2016-08', defaultTags: {}, externalManagedTags: [], vpcId: 'vpc-1',
};
const FACTS: DiscoveredFacts = {
  vpcId: 'vpc-1', vpcCidrs: ['10.0.0.0/16'], securityGroups: [], certificates: [],
  subnets: ['a', 'b'].map((az) => ({
    id: `subnet-priv-${az}`, availabilityZone: `us-east-1${az}`, cidrBlock: '10.0.0.0/24', vpcId: 'vpc-1', availableIpAddressCount: 200,
    tags: { 'kubernetes.io/role/internal-elb': '1' },
  })),
};

const PORTS_4000 = JSON.stringify(Array.from({ length: 4_000 }, (_, i) => ({ HTTP: 1000 + i })));
const PORTS_2000 = JSON.stringify(Array.from({ length: 2_000 }, (_, i) => ({ HTTP: 1000 + i })));
const backend = { service: { name: 'web', port: { number: 80 } } };
const ingressIn = (group: string | undefined, name: string, extra: { annotations?: Record<string, unknown>; spec?: unknown } = {}): Record<string, unknown> => ({
  metadata: { name, namespace: 'shop', annotations: { ...(group ? { 'alb.ingress.kubernetes.io/group.name': group } : {}), ...extra.annotations } },
  spec: extra.spec ?? { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: `/${name}`, pathType: 'Prefix', backend }] } }] },
});

describe('controllers: hostile and malformed objects', () => {
  let kube: FakeKube;
  let informers: InformerSet;
  let aws: AwsClients;
  let http: FakeHttp;

  const start = async (objects: [string, Record<string, unknown>][]): Promise<IngressGroupController> => {
    for (const C of [EC2Client, ElasticLoadBalancingV2Client]) (C.prototype.send as { restore?: () => void }).restore?.();
    kube = new FakeKube();
    kube.put('ingressclasses', { metadata: { name: 'alb' }, spec: { controller: 'ingress.k8s.aws/alb' } });
    kube.put('namespaces', { metadata: { name: 'shop' } });
    kube.put('services', { metadata: { name: 'web', namespace: 'shop' }, spec: { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 }] } });
    for (const [resource, o] of objects) kube.put(resource, o);
    informers = createInformers({ rest: kube, clock: new ManualClock() });
    informers.startAll();
    await informers.waitForSync();
    // nothing in AWS may be touched: the group's stack is read (observed before the build, ADR 6), any other call is an error
    http = new FakeHttp(emptyAccount);
    aws = createAwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS, requestHandler: http, retryDelayMs: 1, maxRetries: 0 });
    const clients = kubeClientsFor(kube);
    const c = new IngressGroupController({
      config, informers, kube: clients, aws: { elbv2: aws.elbv2, ec2: aws.ec2 }, discovery: { discoverFacts: () => Promise.resolve(FACTS) },
      events: new EventRecorder({ events: clients.events, component: 'ingress' }), metrics: new ControllerMetrics(), log: silentLogger,
    });
    // the index of Ingresses fills from the informers' handlers (the cached objects are replayed as adds)
    c.register(new WorkQueue());
    return c;
  };
  const statusOf = (name: string): { reason: string; message: string } | undefined => {
    const raw = (kube.getObject('ingresses', 'shop', name)?.metadata?.annotations as Record<string, string> | undefined)?.[RECONCILE_STATUS_ANNOTATION];
    return raw ? JSON.parse(raw) as { reason: string; message: string } : undefined;
  };
  const eventReasons = (name: string): string[] => [...kube.store.values()]
    .filter((o) => (o as { involvedObject?: { name?: string } }).involvedObject?.name === name)
    .map((o) => (o as unknown as { reason: string }).reason);

  afterEach(async () => {
    await informers.stopAll();
    aws.destroy();
  });

  it('a 4,000-port Ingress gets its Event and status within one reconcile and reaches nothing in AWS', async () => {
    const c = await start([['ingresses', ingressIn('g', 'ports', { annotations: { 'alb.ingress.kubernetes.io/listen-ports': PORTS_4000 } })]]);
    await c.reconcile('g');
    assert.deepEqual(eventReasons('ports'), ['FailedBuildModel']);
    assert.equal(statusOf('ports')?.reason, 'FailedBuildModel');
    assert.match(statusOf('ports')?.message ?? '', /alb\.ingress\.kubernetes\.io\/listen-ports: is over 32768 bytes long/);
    assert.deepEqual(writesSeen(http), []);
  });

  it('2,000 ports (under the size cap) are refused at the listener quota, on that Ingress', async () => {
    const c = await start([['ingresses', ingressIn(undefined, 'ports', { annotations: { 'alb.ingress.kubernetes.io/listen-ports': PORTS_2000 } })]]);
    await c.reconcile('shop/ports');
    assert.equal(statusOf('ports')?.reason, 'FailedBuildModel');
    assert.match(statusOf('ports')?.message ?? '', /listen-ports: this Ingress asks for listen ports: 2000; ALB listeners: at most 50 per load balancer \(AWS quota, --max-listeners-per-load-balancer\)/);
    assert.deepEqual(writesSeen(http), []);
  });

  it('wrongly shaped Ingresses, Services and IngressClassParams are reported on the Ingress, never thrown', async () => {
    const objects: [string, Record<string, unknown>][] = [
      ['ingresses', ingressIn('g', 'spec-string', { spec: { ingressClassName: 'alb', rules: 'x', tls: 5, defaultBackend: 'x' } })],
      // without a spec nothing says it is ours (no class): it is left alone
      ['ingresses', ingressIn('g', 'no-spec', { spec: 'x' })],
      ['ingresses', ingressIn('g', 'rules-junk', { spec: { ingressClassName: 'alb', rules: [null, 5, 'x', { http: { paths: 'x' } }, { http: { paths: [null, { backend: 7 }] } }] } })],
      ['ingresses', ingressIn('g', 'annotation-number', { annotations: { 'alb.ingress.kubernetes.io/scheme': 5, 'alb.ingress.kubernetes.io/tags': { a: 1 }, 'alb.ingress.kubernetes.io/actions.x': 7 } })],
      ['ingresses', ingressIn('g', 'bad-service', { spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'broken', port: { number: 80 } } } }] } }] } })],
      ['services', { metadata: { name: 'broken', namespace: 'shop', annotations: 'x' }, spec: { ports: { port: 80 } } }],
      ['ingresses', ingressIn(undefined, 'params', { spec: { ingressClassName: 'alb-p', rules: [] } })],
      ['ingressclasses', { metadata: { name: 'alb-p' }, spec: { controller: 'ingress.k8s.aws/alb', parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'p' } } }],
      ['ingressclassparams', { metadata: { name: 'p' }, spec: { scheme: 7, inboundCIDRs: 'x', tags: [null, { key: 1 }], group: 'x' } }],
    ];
    const c = await start(objects);
    const keys = new Set(informers.ingresses.list().flatMap((ing: Ingress) => c.keysForIngress(ing)));
    // no-spec names no class (its spec is a string): it is not ours, so no group key is queued for it
    assert.deepEqual([...keys].sort(), ['g', 'shop/params']);
    for (const k of keys) await c.reconcile(k);
    for (const name of ['spec-string', 'rules-junk', 'annotation-number', 'bad-service', 'params']) {
      assert.equal(statusOf(name)?.reason, 'FailedBuildModel', `${name} has its status`);
      assert.ok((statusOf(name)?.message ?? '') !== '', name);
    }
    assert.match(statusOf('spec-string')?.message ?? '', /spec\.rules: expected an array, got "x"/);
    assert.equal(statusOf('no-spec'), undefined);
    assert.match(statusOf('bad-service')?.message ?? '', /Service shop\/broken: spec\.ports: expected an array/);
    assert.match(statusOf('params')?.message ?? '', /IngressClassParams\(p\)\.spec\.scheme: .*expected one of internal, internet-facing, got 7/);
    assert.deepEqual(writesSeen(http), []);
  });
});

describe('controllers: the Services an Ingress routes to (relationsOf)', () => {
  let kube: FakeKube;
  let informers: InformerSet;
  afterEach(async () => { await informers.stopAll(); });

  it('skips an action annotation whose value is not a string', async () => {
    kube = new FakeKube();
    kube.put('ingressclasses', { metadata: { name: 'alb' }, spec: { controller: 'ingress.k8s.aws/alb' } });
    kube.put('namespaces', { metadata: { name: 'shop' } });
    informers = createInformers({ rest: kube, clock: new ManualClock() });
    informers.startAll();
    await informers.waitForSync();
    const clients = kubeClientsFor(kube);
    const c = new IngressGroupController({
      config, informers, kube: clients, aws: { elbv2: new ElasticLoadBalancingV2Client({}), ec2: new EC2Client({}) }, discovery: { discoverFacts: () => Promise.resolve(FACTS) },
      events: new EventRecorder({ events: clients.events, component: 'ingress' }), metrics: new ControllerMetrics(), log: silentLogger,
    });
    const use = (name: string) => ({ path: `/${name}`, pathType: 'Prefix', backend: { service: { name, port: { name: 'use-annotation' } } } });
    const ing = {
      metadata: { name: 'a', namespace: 'shop', annotations: { 'alb.ingress.kubernetes.io/actions.x': 7, 'alb.ingress.kubernetes.io/actions.y': '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"b","servicePort":80}]}}' } },
      spec: { ingressClassName: 'alb', rules: [{ http: { paths: [use('x'), use('y')] } }] },
    } as unknown as Ingress;
    assert.deepEqual(c.relationsOf(ing).services, ['shop/b']);
  });
});
