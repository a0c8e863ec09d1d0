import assert from 'node:assert/strict';
import { flushMicrotasks, ManualClock } from '../../../src/k8s/clock.ts';
import { createInformers, every, Informer, type InformerEvent } from '../../../src/k8s/informer.ts';
import { FakeKube } from './fake-kube.ts';
import type { Ingress } from '../../../src/k8s/types.ts';

const ing = (name: string, ns = 'default', extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: ns }, spec: { rules: [] }, ...extra,
});

function setup(opts: { namespace?: string } = {}): { kube: FakeKube; clock: ManualClock; inf: Informer<'ingress'>; log: string[]; events: InformerEvent[] } {
  const kube = new FakeKube();
  const clock = new ManualClock();
  const inf = new Informer<'ingress'>({ rest: kube, resource: 'ingress', clock, random: () => 0.5, ...opts });
  const log: string[] = [];
  const events: InformerEvent[] = [];
  inf.addHandlers({
    add: (o) => log.push(`add ${o.metadata?.namespace}/${o.metadata?.name}`),
    update: (o, old) => log.push(`update ${o.metadata?.name} ${old.metadata?.resourceVersion}->${o.metadata?.resourceVersion}`),
    delete: (o) => log.push(`delete ${o.metadata?.name}`),
  });
  inf.onLifecycle((e) => events.push(e));
  started.push(inf);
  return { kube, clock, inf, log, events };
}

const started: Informer<'ingress'>[] = [];

describe('k8s/informer', () => {
  afterEach(async () => { await Promise.all(started.splice(0).map((i) => i.stop())); });
  it('lists, syncs, then follows adds, updates and deletes through the watch', async () => {
    const { kube, inf, log, events } = setup();
    kube.put('ingresses', ing('a'));
    assert.equal(inf.hasSynced(), false);
    inf.start();
    await inf.waitForSync();
    assert.equal(inf.hasSynced(), true);
    await flushMicrotasks();
    assert.deepEqual(events.map((e) => e.type), ['relist', 'synced', 'connect']);
    kube.put('ingresses', ing('b', 'other'));
    kube.put('ingresses', ing('a', 'default', { spec: { rules: [{ host: 'x' }] } }));
    kube.remove('ingresses', 'other', 'b');
    assert.deepEqual(log, ['add default/a', 'add other/b', 'update a 101->103', 'delete b']);
    assert.equal(inf.list().length, 1);
    assert.equal(inf.get('a', 'default')?.spec?.rules?.[0]?.host, 'x');
    assert.equal(inf.getByKey('default/a')?.metadata?.name, 'a');
    assert.equal(inf.get('b', 'other'), undefined);
    assert.equal(inf.list('other').length, 0);
    assert.equal(kube.watchCalls[0]?.query.resourceVersion, '101', 'watch starts at the list resourceVersion');
    await inf.stop();
  });

  it('resumes a cleanly closed watch from the last resourceVersion without relisting', async () => {
    const { kube, clock, inf, events, log } = setup();
    inf.start();
    await inf.waitForSync();
    await flushMicrotasks();
    kube.put('ingresses', ing('a'));
    kube.breakWatches(null);
    await clock.advance(1000);
    kube.put('ingresses', ing('b'));
    await flushMicrotasks();
    assert.equal(events.filter((e) => e.type === 'relist').length, 1, 'only the initial list');
    assert.equal(kube.watchCalls.length, 2);
    assert.equal(kube.watchCalls[1]?.query.resourceVersion, '101');
    assert.deepEqual(log, ['add default/a', 'add default/b']);
    await inf.stop();
  });

  it('restarts a failed watch with exponential backoff and reports error and restart', async () => {
    const { kube, clock, inf, events } = setup();
    inf.start();
    await inf.waitForSync();
    await flushMicrotasks();
    kube.failNextWatch(Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }));
    kube.failNextWatch(new Error('connection refused'));
    kube.breakWatches(new Error('socket hang up'));
    await flushMicrotasks();
    const restarts = (): number[] => events.flatMap((e) => (e.type === 'restart' ? [e.delayMs] : []));
    assert.deepEqual(restarts(), [500]);
    await clock.advance(500);
    assert.deepEqual(restarts(), [500, 1000]);
    await clock.advance(1000);
    assert.deepEqual(restarts(), [500, 1000, 2000]);
    await clock.advance(2000);
    assert.equal(kube.openWatches, 1, 'connected again');
    assert.deepEqual(events.filter((e) => e.type === 'error').map((e) => e.type === 'error' && e.phase), ['watch', 'watch', 'watch']);
    kube.breakWatches(new Error('flapping'));
    await flushMicrotasks();
    assert.equal(restarts().at(-1), 4000, 'a watch that dies at once keeps backing off');
    await clock.advance(4000);
    await clock.advance(60_000);
    kube.breakWatches(new Error('after a long healthy stretch'));
    await flushMicrotasks();
    assert.equal(restarts().at(-1), 500, 'backoff reset after a watch stayed up');
    await inf.stop();
  });

  for (const goneAs of ['event', 'http'] as const) {
    it(`relists on 410 Gone (${goneAs}) and turns missed deletes into delete events`, async () => {
      const { kube, clock, inf, events, log } = setup();
      kube.goneAs = goneAs;
      kube.put('ingresses', ing('keep'));
      kube.put('ingresses', ing('lost'));
      inf.start();
      await inf.waitForSync();
      await flushMicrotasks();
      kube.breakWatches(new Error('network down'));
      await flushMicrotasks();
      // while disconnected: one deleted, one changed, one created, and the history compacted away
      kube.remove('ingresses', 'default', 'lost');
      kube.put('ingresses', ing('keep', 'default', { spec: { rules: [{ host: 'new' }] } }));
      kube.put('ingresses', ing('fresh'));
      kube.compact();
      log.length = 0;
      await clock.advance(500);
      assert.ok(events.some((e) => e.type === 'relist' && e.reason === 'gone'), JSON.stringify(events.map((e) => e.type)));
      assert.deepEqual(log.sort(), ['add default/fresh', 'delete lost', 'update keep 101->104']);
      assert.deepEqual(inf.list().map((o) => o.metadata?.name).sort(), ['fresh', 'keep']);
      assert.equal(kube.openWatches, 1, 'watching again after the relist');
      assert.equal(kube.watchCalls.at(-1)?.query.resourceVersion, '105');
      await inf.stop();
    });
  }

  it('retries a failed initial list with backoff, and stays unsynced until it succeeds', async () => {
    const { kube, clock, inf, events } = setup();
    kube.failWhen((r) => r.method === 'GET', 503, 2);
    inf.start();
    await flushMicrotasks();
    assert.equal(inf.hasSynced(), false);
    await clock.advance(500);
    assert.equal(inf.hasSynced(), false);
    await clock.advance(1000);
    assert.equal(inf.hasSynced(), true);
    assert.deepEqual(events.filter((e) => e.type === 'error').map((e) => e.type === 'error' && e.phase), ['list', 'list']);
    await inf.stop();
  });

  it('watches a single namespace when asked; cluster-scoped kinds ignore it', async () => {
    const kube = new FakeKube();
    const set = createInformers({ rest: kube, namespace: 'team-a', clock: new ManualClock() });
    kube.put('ingresses', ing('mine', 'team-a'));
    kube.put('ingresses', ing('theirs', 'team-b'));
    kube.put('nodes', { metadata: { name: 'n1' } });
    set.startAll();
    await set.waitForSync();
    assert.equal(set.hasSynced(), true);
    assert.deepEqual(set.ingresses.list().map((o) => o.metadata?.name), ['mine']);
    assert.equal(set.nodes.list().length, 1);
    const paths = kube.calls.filter((c) => c.method === 'GET').map((c) => c.path).sort();
    assert.deepEqual(paths, [
      '/api/v1/namespaces', '/api/v1/namespaces/team-a/pods', '/api/v1/namespaces/team-a/services', '/api/v1/nodes',
      '/apis/discovery.k8s.io/v1/namespaces/team-a/endpointslices', '/apis/elbv2.k8s.aws/v1beta1/ingressclassparams',
      '/apis/elbv2.k8s.aws/v1beta1/namespaces/team-a/targetgroupbindings', '/apis/networking.k8s.io/v1/ingressclasses',
      '/apis/networking.k8s.io/v1/namespaces/team-a/ingresses',
    ]);
    const nsList = kube.calls.find((c) => c.method === 'GET' && c.path === '/api/v1/namespaces');
    assert.equal(nsList?.query?.['fieldSelector'], 'metadata.name=team-a', 'only the watched Namespace object');
    await set.stopAll();
  });

  it('replays the cache to handlers added after sync, isolates a throwing handler, and serves indexes', async () => {
    const { kube, inf, events } = setup();
    kube.put('ingresses', ing('a', 'default', { spec: { defaultBackend: { service: { name: 'svc1' } } } }));
    inf.start();
    await inf.waitForSync();
    const late: string[] = [];
    inf.addHandlers({ add: (o) => late.push(o.metadata?.name ?? '') });
    assert.deepEqual(late, ['a']);
    inf.addHandlers({ add: () => { throw new Error('boom'); } });
    await flushMicrotasks();
    kube.put('ingresses', ing('b'));
    assert.deepEqual(late, ['a', 'b'], 'other handlers still called');
    assert.ok(events.some((e) => e.type === 'error' && e.phase === 'handler'));
    inf.addIndex('service', (o) => (o.spec?.defaultBackend?.service?.name ? [o.spec.defaultBackend.service.name] : []));
    assert.deepEqual(inf.byIndex('service', 'svc1').map((o) => o.metadata?.name), ['a']);
    await inf.stop();
  });

  it('keeps indexes and per-namespace lists current through updates, deletes and a relist (an index is ready before any handler runs)', async () => {
    const { kube, inf } = setup();
    const svc = (name: string): Record<string, unknown> => ({ spec: { defaultBackend: { service: { name } } } });
    const names = (xs: readonly Ingress[]): string[] => xs.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`).sort();
    inf.addIndex('service', (o) => (o.spec?.defaultBackend?.service?.name ? [o.spec.defaultBackend.service.name] : []));
    inf.addIndex('broken', () => { throw new Error('malformed'); });
    const seenByHandler: string[][] = [];
    inf.addHandlers({ add: () => seenByHandler.push(names(inf.byIndex('service', 'svc1'))) });
    kube.put('ingresses', ing('a', 'default', svc('svc1')));
    inf.start();
    await inf.waitForSync();
    await flushMicrotasks();
    kube.put('ingresses', ing('b', 'other', svc('svc1')));
    assert.deepEqual(seenByHandler, [['default/a'], ['default/a', 'other/b']]);
    kube.put('ingresses', ing('a', 'default', svc('svc2')));
    assert.deepEqual(names(inf.byIndex('service', 'svc1')), ['other/b']);
    assert.deepEqual(names(inf.byIndex('service', 'svc2')), ['default/a']);
    assert.deepEqual(inf.byIndex('broken', 'x'), [], 'an index function that throws leaves the object out of that index');
    kube.remove('ingresses', 'other', 'b');
    assert.deepEqual(inf.byIndex('service', 'svc1'), []);
    assert.deepEqual(inf.list('other'), []);
    assert.deepEqual(names(inf.list('default')), ['default/a']);
    assert.throws(() => inf.byIndex('nope', 'x'), /no index named nope/);
    await inf.stop();
  });

  it('stop() ends the loop and closes the watch', async () => {
    const { kube, inf } = setup();
    inf.start();
    await inf.waitForSync();
    await flushMicrotasks();
    assert.equal(kube.openWatches, 1);
    await inf.stop();
    assert.equal(kube.openWatches, 0);
  });

  it('every() fires on the period until aborted', async () => {
    const clock = new ManualClock();
    const ac = new AbortController();
    let n = 0;
    every(clock, 1000, () => { n++; }, ac.signal);
    await clock.advance(3500);
    assert.equal(n, 3);
    ac.abort();
    await clock.advance(5000);
    assert.equal(n, 3);
  });
});

