// The Service loop on a fake apiserver and a fake AWS transport: which Services it takes, Issues reported on the
// Service (Event + service.k8s.aws/status) without any AWS call, AWS failures reported and rethrown, a teardown held
// by deletion protection; and the Service webhook that stamps the class.
import assert from 'node:assert/strict';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { createAwsClients, type AwsClients } from '../../../src/aws/clients.ts';
import { ServiceController, serviceChanged } from '../../../src/controllers/service.ts';
import type { FactsSource } from '../../../src/controllers/ingress-group.ts';
import { kubeClientsFor } from '../../../src/k8s/client.ts';
import { ManualClock } from '../../../src/k8s/clock.ts';
import { EventRecorder } from '../../../src/k8s/events.ts';
import { createInformers, type InformerSet } from '../../../src/k8s/informer.ts';
import { SERVICE_RECONCILE_STATUS_ANNOTATION } from '../../../src/k8s/status.ts';
import type { Service } from '../../../src/k8s/types.ts';
import { silentLogger } from '../../../src/server/log.ts';
import { ControllerMetrics } from '../../../src/server/metrics.ts';
import { reviewService } from '../../../src/webhook/server.ts';
import { CONFIG, FACTS } from '../service/fixtures.ts';
import { elbError, FakeHttp, TEST_CREDENTIALS } from '../aws/fake-http.ts';
import { FakeKube } from '../k8s/fake-kube.ts';

const S = 'service.beta.kubernetes.io/';
const service = (name: string, annotations: Record<string, string> = {}, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): Record<string, unknown> => ({
  metadata: { name, namespace: 'shop', uid: `uid-${name}`, annotations, ...meta },
  spec: { type: 'LoadBalancer', loadBalancerClass: 'service.k8s.aws/nlb', ports: [{ port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080 }], ...spec },
});

describe('controllers: Service', () => {
  let kube: FakeKube;
  let informers: InformerSet;
  let aws: AwsClients;
  let http: FakeHttp;
  const facts: FactsSource = { discoverFacts: () => Promise.resolve(FACTS) };

  const controller = (): ServiceController => {
    const clients = kubeClientsFor(kube);
    return new ServiceController({
      config: { ...CONFIG, vpcId: 'vpc-1' }, informers, kube: clients, aws: { elbv2: aws.elbv2, ec2: aws.ec2 }, discovery: facts,
      events: new EventRecorder({ events: clients.events, component: 'service' }), metrics: new ControllerMetrics(), log: silentLogger,
    });
  };
  const eventsOf = (name: string): { type: string; reason: string; message: string }[] => [...kube.store.values()]
    .filter((o) => (o as { involvedObject?: { name?: string } }).involvedObject?.name === name)
    .map((o) => o as unknown as { type: string; reason: string; message: string });
  const signalOf = (name: string): { reason: string; message: string } | undefined => {
    const raw = (kube.getObject('services', 'shop', name)?.metadata?.annotations as Record<string, string> | undefined)?.[SERVICE_RECONCILE_STATUS_ANNOTATION];
    return raw ? JSON.parse(raw) as { reason: string; message: string } : undefined;
  };
  const finalizersOf = (name: string): unknown => kube.getObject('services', 'shop', name)?.metadata?.finalizers;

  async function start(...services: Record<string, unknown>[]): Promise<void> {
    for (const s of services) kube.put('services', s);
    informers = createInformers({ rest: kube, clock: new ManualClock() });
    informers.startAll();
    await informers.waitForSync();
  }

  beforeEach(() => {
    for (const C of [EC2Client, ElasticLoadBalancingV2Client]) (C.prototype.send as { restore?: () => void }).restore?.();
    kube = new FakeKube();
    http = new FakeHttp(() => elbError('AccessDenied', 'not authorized to perform: elasticloadbalancing:DescribeLoadBalancers'));
    aws = createAwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS, requestHandler: http, retryDelayMs: 1, maxRetries: 0 });
  });
  afterEach(async () => {
    await informers?.stopAll();
    aws.destroy();
  });

  it('takes its own Services (class, or upstream\'s annotations) and those still holding its finalizer, nothing else', async () => {
    await start(
      service('ours'),
      service('legacy', { [`${S}aws-load-balancer-type`]: 'nlb-ip' }, { loadBalancerClass: undefined }),
      service('foreign', {}, { loadBalancerClass: 'example.com/other' }),
      service('plain', {}, { type: 'ClusterIP', loadBalancerClass: undefined }),
      service('leaving', {}, { loadBalancerClass: 'example.com/other' }, { finalizers: ['service.k8s.aws/resources'] }),
    );
    assert.deepEqual(controller().allKeys(), ['shop/leaving', 'shop/legacy', 'shop/ours']);
    await controller().reconcile('shop/foreign');
    assert.equal(http.seen.length, 0);
    assert.equal(finalizersOf('foreign'), undefined);
  });

  it('re-queues on a change a reconcile reads, not on its own finalizer, status or status annotation', () => {
    const base = service('web', { [`${S}aws-load-balancer-scheme`]: 'internal' }) as unknown as Service;
    const own = {
      ...base, status: { loadBalancer: { ingress: [{ hostname: 'x' }] } },
      metadata: { ...base.metadata, finalizers: ['service.k8s.aws/resources'], resourceVersion: '9', annotations: { ...base.metadata?.annotations, [SERVICE_RECONCILE_STATUS_ANNOTATION]: '{}' } },
    } as Service;
    assert.equal(serviceChanged(base, own), false);
    assert.equal(serviceChanged(base, { ...base, metadata: { ...base.metadata, annotations: { [`${S}aws-load-balancer-scheme`]: 'internet-facing' } } }), true);
    assert.equal(serviceChanged(own, { ...own, metadata: { ...own.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }), true);
    assert.equal(serviceChanged(base, { ...base, spec: { ...base.spec, ports: [] } }), true);
  });

  it('reports bad annotations on the Service (Event + status annotation) without any AWS call', async () => {
    await start(service('broken', { [`${S}aws-load-balancer-healthcheck-interval`]: 'often', [`${S}aws-load-balancer-scheme`]: 'public' }));
    await controller().reconcile('shop/broken');
    const events = eventsOf('broken');
    assert.deepEqual(events.map((e) => [e.type, e.reason]), [['Warning', 'FailedBuildModel']]);
    assert.match(events[0]?.message ?? '', /aws-load-balancer-healthcheck-interval: expected an integer in \[5, 300\], got "often"/);
    assert.match(events[0]?.message ?? '', /aws-load-balancer-scheme: expected one of internal, internet-facing, got "public"/);
    assert.equal(signalOf('broken')?.reason, 'FailedBuildModel');
    assert.equal(http.seen.length, 0, 'nothing was sent to AWS');
    assert.deepEqual(finalizersOf('broken'), ['service.k8s.aws/resources']);
  });

  it('reports an AWS failure (FailedDeployModel with the AWS code) and rethrows for a retry', async () => {
    await start(service('web'));
    await assert.rejects(controller().reconcile('shop/web'));
    assert.deepEqual(eventsOf('web').map((e) => e.reason), ['FailedDeployModel']);
    assert.match(signalOf('web')?.message ?? '', /^reading the NLB from AWS failed: .*AccessDenied: not authorized/);
  });

  it('a teardown held by deletion protection says so and keeps the finalizer', async () => {
    await start(service('kept', { [`${S}aws-load-balancer-attributes`]: 'deletion_protection.enabled=true' }, { loadBalancerClass: 'example.com/other' },
      { finalizers: ['service.k8s.aws/resources'] }));
    http = new FakeHttp((req) => {
      const a = /Action=([^&]+)/.exec(req.body)?.[1] ?? '';
      if (a === 'DescribeLoadBalancers') return { status: 200, body: `<DescribeLoadBalancersResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><DescribeLoadBalancersResult><LoadBalancers/></DescribeLoadBalancersResult></DescribeLoadBalancersResponse>` };
      if (a === 'DescribeTargetGroups') return { status: 200, body: `<DescribeTargetGroupsResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><DescribeTargetGroupsResult><TargetGroups/></DescribeTargetGroupsResult></DescribeTargetGroupsResponse>` };
      if (a === 'DescribeSecurityGroups') return { status: 200, body: '<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><securityGroupInfo/></DescribeSecurityGroupsResponse>' };
      return elbError('UnexpectedWrite');
    });
    aws.destroy();
    aws = createAwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS, requestHandler: http, retryDelayMs: 1, maxRetries: 0 });
    await controller().reconcile('shop/kept');
    assert.deepEqual(eventsOf('kept').map((e) => e.reason), ['FailedBuildModel']);
    assert.match(eventsOf('kept')[0]?.message ?? '', /deletion_protection\.enabled=true/);
    assert.deepEqual(finalizersOf('kept'), ['service.k8s.aws/resources']);
  });
});

describe('webhook: Service load balancer class', () => {
  const req = (operation: string, object: Service, oldObject?: Service) => ({ request: { uid: 'u', kind: { kind: 'Service' }, operation, object, oldObject } });
  const patchOf = (r: ReturnType<typeof reviewService>): unknown => (r.response.patch ? JSON.parse(Buffer.from(r.response.patch, 'base64').toString()) : undefined);
  const lb = (cls?: string): Service => ({ metadata: { name: 's' }, spec: { type: 'LoadBalancer', ...(cls !== undefined ? { loadBalancerClass: cls } : {}) } });

  it('sets the class on a new LoadBalancer Service without one; leaves other Services and set classes alone', () => {
    assert.deepEqual(patchOf(reviewService(req('CREATE', lb()), 'service.k8s.aws/nlb')), [{ op: 'add', path: '/spec/loadBalancerClass', value: 'service.k8s.aws/nlb' }]);
    assert.deepEqual(patchOf(reviewService(req('CREATE', lb('')), 'example.com/lb')), [{ op: 'add', path: '/spec/loadBalancerClass', value: 'example.com/lb' }]);
    assert.equal(patchOf(reviewService(req('CREATE', lb('other')), 'service.k8s.aws/nlb')), undefined);
    assert.equal(patchOf(reviewService(req('CREATE', { spec: { type: 'NodePort' } }), 'service.k8s.aws/nlb')), undefined);
  });

  it('on update, gives back the class an apply dropped; never adds one the old object did not have', () => {
    assert.deepEqual(patchOf(reviewService(req('UPDATE', lb(), lb('service.k8s.aws/nlb')), 'x')), [{ op: 'add', path: '/spec/loadBalancerClass', value: 'service.k8s.aws/nlb' }]);
    assert.equal(patchOf(reviewService(req('UPDATE', lb(), lb()), 'service.k8s.aws/nlb')), undefined);
  });

  it('fails open: anything unreadable is allowed unchanged', () => {
    assert.deepEqual(reviewService(null, 'c').response, { uid: '', allowed: true });
    assert.deepEqual(reviewService({ request: { uid: 'x', object: { spec: { type: 'LoadBalancer', get loadBalancerClass() { throw new Error('boom'); } } } } }, 'c').response, { uid: 'x', allowed: true });
  });
});
