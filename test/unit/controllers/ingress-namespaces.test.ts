// The IngressGroup loop reads Namespace labels from the Namespace informer (IngressClassParams
// namespaceSelector), and a label change re-queues the groups of the Ingresses in that namespace.
import assert from 'node:assert/strict';
import { IngressGroupController, type IngressGroupDeps } from '../../../src/controllers/ingress-group.ts';
import { flushMicrotasks, ManualClock } from '../../../src/k8s/clock.ts';
import { createInformers, type InformerSet } from '../../../src/k8s/informer.ts';
import type { WorkQueue } from '../../../src/k8s/queue.ts';
import { silentLogger } from '../../../src/server/log.ts';
import { FakeKube } from '../k8s/fake-kube.ts';

const config = {
  clusterName: 'demo', ingressClass: 'alb', defaultScheme: 'internal' as const, defaultTargetType: 'ip' as const,
  defaultSslPolicy: 'ELBSecurityPolicy-2016-08', defaultTags: {}, externalManagedTags: [], vpcId: 'vpc-1',
};

const ingress = (namespace: string, name: string): Record<string, unknown> => ({
  metadata: { name, namespace },
  spec: { ingressClassName: 'restricted', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
});

/** issue codes of every member of the two groups (a broken member stays in its group, excluded at build time) */
function issueCodes(c: IngressGroupController): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const key of ['blog/web', 'shop/web']) for (const g of c.grouping(key).groups) for (const m of g.members) out[m.key] = m.issues.map((i) => i.code);
  return out;
}

describe('controllers: IngressGroup and Namespace labels', () => {
  let kube: FakeKube;
  let informers: InformerSet;
  let controller: IngressGroupController;
  let queued: string[];

  beforeEach(async () => {
    kube = new FakeKube();
    kube.put('ingressclasses', { metadata: { name: 'restricted' }, spec: { controller: 'ingress.k8s.aws/alb', parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'team-web' } } });
    kube.put('ingressclassparams', { metadata: { name: 'team-web' }, spec: { namespaceSelector: { matchLabels: { 'example.com/team': 'web' } } } });
    kube.put('namespaces', { metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop', 'example.com/team': 'web' } } });
    kube.put('namespaces', { metadata: { name: 'blog', labels: { 'kubernetes.io/metadata.name': 'blog' } } });
    kube.put('namespaces', { metadata: { name: 'empty', labels: { 'kubernetes.io/metadata.name': 'empty' } } });
    kube.put('ingresses', ingress('shop', 'web'));
    kube.put('ingresses', ingress('blog', 'web'));
    informers = createInformers({ rest: kube, clock: new ManualClock() });
    // only what register(), grouping() and keysForIngress() touch
    controller = new IngressGroupController({ config, informers, log: silentLogger } as unknown as IngressGroupDeps);
    queued = [];
    controller.register({ add: (key: string) => { queued.push(key); } } as unknown as WorkQueue);
    informers.startAll();
    await informers.waitForSync();
    await flushMicrotasks();
    queued = [];
  });

  afterEach(async () => { await informers.stopAll(); });

  it('passes Namespace labels to the builder: only the labelled namespace may use the class', () => {
    assert.deepEqual(controller.allKeys(), ['blog/web', 'shop/web']);
    assert.deepEqual(issueCodes(controller), { 'blog/web': ['NamespaceNotAllowed'], 'shop/web': [] });
  });

  it('re-queues the groups of a namespace whose labels change, and nothing for other changes', async () => {
    kube.put('namespaces', { metadata: { name: 'blog', labels: { 'kubernetes.io/metadata.name': 'blog', 'example.com/team': 'web' } } });
    await flushMicrotasks();
    assert.deepEqual(queued, ['blog/web']);
    assert.deepEqual(issueCodes(controller), { 'blog/web': [], 'shop/web': [] });

    queued = [];
    kube.put('namespaces', { metadata: { name: 'blog', labels: { 'example.com/team': 'web', 'kubernetes.io/metadata.name': 'blog' }, annotations: { note: 'x' } } });
    kube.put('namespaces', { metadata: { name: 'empty', labels: { 'kubernetes.io/metadata.name': 'empty', 'example.com/team': 'web' } } });
    await flushMicrotasks();
    assert.deepEqual(queued, [], 'same labels in another order, or a namespace without Ingresses: no work');

    // a namespace leaving the selector re-queues the group its Ingress still holds a finalizer for
    kube.put('ingresses', { ...ingress('shop', 'web'), metadata: { name: 'web', namespace: 'shop', finalizers: ['ingress.k8s.aws/resources'] } });
    await flushMicrotasks();
    queued = [];
    kube.put('namespaces', { metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } });
    await flushMicrotasks();
    assert.deepEqual(queued, ['shop/web']);
    assert.deepEqual(issueCodes(controller), { 'blog/web': [], 'shop/web': ['NamespaceNotAllowed'] });
  });
});

describe('controllers: IngressGroup start-up priorities', () => {
  // the informers list concurrently: a new Ingress may be listed before its class, and be found ours only then
  it('the first listing queues groups already deployed (our finalizer) as resync, and new Ingresses ahead of them', async () => {
    const kube = new FakeKube();
    kube.put('ingressclasses', { metadata: { name: 'alb' }, spec: { controller: 'ingress.k8s.aws/alb' } });
    kube.put('namespaces', { metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } });
    const web = (name: string, finalizers?: string[]): Record<string, unknown> => ({
      metadata: { name, namespace: 'shop', ...(finalizers ? { finalizers } : {}) },
      spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    });
    kube.put('ingresses', web('old', ['ingress.k8s.aws/resources']));
    kube.put('ingresses', web('new'));
    const informers = createInformers({ rest: kube, clock: new ManualClock() });
    const controller = new IngressGroupController({ config: { ...config, defaultTargetType: 'ip' as const }, informers, log: silentLogger } as unknown as IngressGroupDeps);
    const queued: string[] = [];
    // a queue keeps the higher priority of two adds: record the first of each key as it would
    const seen = new Map<string, string>();
    controller.register({ add: (key: string, priority = 'user') => { if (seen.get(key) !== 'user') seen.set(key, priority); queued.push(key); } } as unknown as WorkQueue);
    informers.startAll();
    await informers.waitForSync();
    await flushMicrotasks();
    assert.equal(seen.get('shop/old'), 'resync');
    assert.equal(seen.get('shop/new'), 'user');
    kube.put('ingresses', web('later'));
    await flushMicrotasks();
    assert.equal(seen.get('shop/later'), 'user', 'after the first listing every change is user work');
    assert.ok(queued.includes('shop/later'));
    await informers.stopAll();
  });
});

describe('controllers: IngressGroup index of Services', () => {
  it('requeues a group when a Service appears that a use-annotation forward names, whatever the case of its keys', async () => {
    const kube = new FakeKube();
    kube.put('ingressclasses', { metadata: { name: 'alb' }, spec: { controller: 'ingress.k8s.aws/alb' } });
    kube.put('namespaces', { metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } });
    kube.put('ingresses', {
      metadata: {
        name: 'web', namespace: 'shop', finalizers: ['ingress.k8s.aws/resources'],
        annotations: { 'alb.ingress.kubernetes.io/actions.split': '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"api","ServicePort":"80"}]}}' },
      },
      spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'split', port: { name: 'use-annotation' } } } }] } }] },
    });
    const informers = createInformers({ rest: kube, clock: new ManualClock() });
    const controller = new IngressGroupController({ config: { ...config, defaultTargetType: 'ip' as const }, informers, log: silentLogger } as unknown as IngressGroupDeps);
    const queued: string[] = [];
    controller.register({ add: (key: string) => { queued.push(key); } } as unknown as WorkQueue);
    informers.startAll();
    await informers.waitForSync();
    await flushMicrotasks();
    queued.length = 0;
    kube.put('services', { metadata: { name: 'api', namespace: 'shop' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    kube.put('services', { metadata: { name: 'other', namespace: 'shop' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    await flushMicrotasks();
    assert.deepEqual(queued, ['shop/web'], 'the Service the action names, and only it');
    await informers.stopAll();
  });
});
