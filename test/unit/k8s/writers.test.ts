import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/k8s/clock.ts';
import { kubeClientsFor, type KubeClients } from '../../../src/k8s/client.ts';
import { EVENT_REASONS, EventRecorder, MAX_EVENT_MESSAGE } from '../../../src/k8s/events.ts';
import { addFinalizer, hasFinalizer, removeFinalizer } from '../../../src/k8s/finalizers.ts';
import {
  changedBeyondStatus, loadBalancerEntry, portError, readReconcileStatus, RECONCILE_STATUS_ANNOTATION, setPodCondition,
  clearLoadBalancerStatusIfShowing, updateLoadBalancerStatus, withPortError, writeReconcileStatus,
} from '../../../src/k8s/status.ts';
import type { Ingress, Pod } from '../../../src/k8s/types.ts';
import { FINALIZER_IMPLICIT_GROUP, finalizerForExplicitGroup } from '../../../src/model/tags.ts';
import { FakeKube } from './fake-kube.ts';

let kube: FakeKube;
let api: KubeClients;
let clock: ManualClock;

function putIngress(extra: Record<string, unknown> = {}): Ingress {
  return kube.put('ingresses', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'shop' }, spec: {}, ...extra }) as Ingress;
}
const writes = (): string[] => kube.calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`);

beforeEach(() => { kube = new FakeKube(); api = kubeClientsFor(kube); clock = new ManualClock(); });

describe('k8s/events: EventRecorder', () => {
  it('creates a core/v1 Event on the object with upstream reason, then bumps its count on repeats', async () => {
    const ing = putIngress();
    const rec = new EventRecorder({ events: api.events, component: 'ingress', clock });
    await rec.warning(ing, EVENT_REASONS.FailedBuildModel, 'bad annotation');
    await clock.advance(5000);
    await rec.warning(ing, EVENT_REASONS.FailedBuildModel, 'bad annotation');
    await rec.warning(ing, EVENT_REASONS.FailedBuildModel, 'bad annotation');
    const events = [...kube.store.values()].filter((o) => o.kind === 'Event');
    assert.equal(events.length, 1);
    const e = events[0] as Record<string, unknown> & { involvedObject: Record<string, unknown>; metadata: Record<string, unknown> };
    assert.equal(e.count, 3);
    assert.equal(e.type, 'Warning');
    assert.equal(e.reason, 'FailedBuildModel');
    assert.equal(e.metadata.namespace, 'shop');
    assert.deepEqual({ kind: e.involvedObject.kind, name: e.involvedObject.name, namespace: e.involvedObject.namespace, uid: e.involvedObject.uid },
      { kind: 'Ingress', name: 'web', namespace: 'shop', uid: ing.metadata?.uid });
    assert.deepEqual(e.source, { component: 'ingress' });
    assert.notEqual(e.firstTimestamp, e.lastTimestamp);
    assert.deepEqual(writes().map((w) => w.split(' ')[0]), ['POST', 'PATCH', 'PATCH']);
  });

  it('writes a new Event for a different reason or message', async () => {
    const ing = putIngress();
    const rec = new EventRecorder({ events: api.events, component: 'ingress', clock });
    await rec.warning(ing, 'FailedDeployModel', 'x');
    await rec.warning(ing, 'FailedDeployModel', 'y');
    await rec.normal(ing, 'SuccessfullyReconciled', 'Successfully reconciled');
    assert.equal([...kube.store.values()].filter((o) => o.kind === 'Event').length, 3);
  });

  it('creates a fresh Event when the aggregated one expired, truncates long messages, and never throws', async () => {
    const ing = putIngress();
    const errors: unknown[] = [];
    const rec = new EventRecorder({ events: api.events, component: 'ingress', clock, onError: (e) => errors.push(e) });
    await rec.warning(ing, 'FailedDeployModel', 'm'.repeat(5000));
    const first = [...kube.store.values()].find((o) => o.kind === 'Event')!;
    assert.equal((first.message as string).length, MAX_EVENT_MESSAGE);
    kube.remove('events', 'shop', first.metadata!.name as string);
    await rec.warning(ing, 'FailedDeployModel', 'm'.repeat(5000));
    assert.equal([...kube.store.values()].filter((o) => o.kind === 'Event').length, 1);
    kube.failWhen((r) => r.path.includes('/events'), 500, 5);
    await rec.warning(ing, 'Other', 'z');
    assert.equal(errors.length, 1);
  });

  it('serialises concurrent records of the same event into one create and one patch', async () => {
    const ing = putIngress();
    const rec = new EventRecorder({ events: api.events, component: 'ingress', clock });
    await Promise.all([rec.warning(ing, 'R', 'm'), rec.warning(ing, 'R', 'm')]);
    const events = [...kube.store.values()].filter((o) => o.kind === 'Event');
    assert.equal(events.length, 1);
    assert.equal(events[0]!.count, 2);
  });
});

describe('k8s/status: Ingress load balancer status', () => {
  it('builds an entry with a lower-cased hostname and sorted unique ports', () => {
    assert.deepEqual(loadBalancerEntry('K8S-Shop-Web-1.US-EAST-1.elb.amazonaws.com', [443, 80, 443]), {
      hostname: 'k8s-shop-web-1.us-east-1.elb.amazonaws.com', ports: [{ port: 80 }, { port: 443 }],
    });
    assert.deepEqual(loadBalancerEntry('a.b', [80], { protocol: 'TCP', error: 'x/Y' }).ports, [{ port: 80, protocol: 'TCP', error: 'x/Y' }]);
  });

  it('merge-patches the status subresource only when it differs', async () => {
    let ing = putIngress();
    const entries = [loadBalancerEntry('lb-1.elb.amazonaws.com', [80, 443])];
    assert.equal(await updateLoadBalancerStatus(api.ingresses, ing, entries), true);
    assert.deepEqual(writes(), ['PATCH /apis/networking.k8s.io/v1/namespaces/shop/ingresses/web/status']);
    ing = (await api.ingresses.get('web', 'shop'))!;
    assert.deepEqual(ing.status?.loadBalancer?.ingress, entries);
    assert.equal(await updateLoadBalancerStatus(api.ingresses, ing, [loadBalancerEntry('LB-1.elb.amazonaws.com', [443, 80])]), false);
    assert.equal(writes().length, 1, 'no second write');
  });

  it('removes the status of an Ingress that left a group only while it still shows that group\'s load balancer', async () => {
    const ing = putIngress();
    assert.equal(await clearLoadBalancerStatusIfShowing(api.ingresses, ing, 'old-group.elb.amazonaws.com'), false, 'no status yet');
    // the group it joined wrote its own load balancer first; the old group's clean-up must leave that alone
    await updateLoadBalancerStatus(api.ingresses, ing, [loadBalancerEntry('own.elb.amazonaws.com', [80])]);
    assert.equal(await clearLoadBalancerStatusIfShowing(api.ingresses, ing, 'old-group.elb.amazonaws.com'), false);
    assert.equal((await api.ingresses.get('web', 'shop'))?.status?.loadBalancer?.ingress?.[0]?.hostname, 'own.elb.amazonaws.com');
    assert.equal(await clearLoadBalancerStatusIfShowing(api.ingresses, ing, 'OWN.elb.amazonaws.com'), true);
    assert.equal((await api.ingresses.get('web', 'shop'))?.status?.loadBalancer?.ingress, undefined);
  });

  it('puts a reason code on every port error and clears it again', async () => {
    const entries = withPortError([loadBalancerEntry('lb.example', [80, 443])], portError('FailedDeployModel'));
    assert.deepEqual(entries[0]?.ports, [{ port: 80, error: 'ingress.k8s.aws/FailedDeployModel' }, { port: 443, error: 'ingress.k8s.aws/FailedDeployModel' }]);
    const ing = putIngress({ status: { loadBalancer: { ingress: entries } } });
    assert.equal(await updateLoadBalancerStatus(api.ingresses, ing, withPortError(entries, undefined)), true);
    const after = await api.ingresses.get('web', 'shop');
    assert.deepEqual(after?.status?.loadBalancer?.ingress?.[0]?.ports, [{ port: 80 }, { port: 443 }]);
  });
});

describe('k8s/status: reconcile-status annotation', () => {
  it('writes reason, message, observedGeneration and lastTransitionTime; skips identical writes', async () => {
    let ing = putIngress();
    assert.equal(await writeReconcileStatus(api.ingresses, ing, { reason: 'FailedBuildModel', message: 'bad listen-ports' }, clock), true);
    ing = (await api.ingresses.get('web', 'shop'))!;
    const s1 = readReconcileStatus(ing)!;
    assert.deepEqual({ ...s1, lastTransitionTime: 'x' }, { reason: 'FailedBuildModel', message: 'bad listen-ports', observedGeneration: 1, lastTransitionTime: 'x' });
    assert.match(s1.lastTransitionTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(await writeReconcileStatus(api.ingresses, ing, { reason: 'FailedBuildModel', message: 'bad listen-ports' }, clock), false);
    await clock.advance(60_000);
    await writeReconcileStatus(api.ingresses, ing, { reason: 'FailedBuildModel', message: 'still bad' }, clock);
    ing = (await api.ingresses.get('web', 'shop'))!;
    assert.equal(readReconcileStatus(ing)!.lastTransitionTime, s1.lastTransitionTime, 'same reason keeps the transition time');
    await writeReconcileStatus(api.ingresses, ing, { reason: 'SuccessfullyReconciled', message: '' }, clock);
    ing = (await api.ingresses.get('web', 'shop'))!;
    assert.notEqual(readReconcileStatus(ing)!.lastTransitionTime, s1.lastTransitionTime);
    assert.ok(ing.metadata?.annotations?.[RECONCILE_STATUS_ANNOTATION]);
  });

  it('ignores a malformed annotation', () => {
    assert.equal(readReconcileStatus({ metadata: { annotations: { [RECONCILE_STATUS_ANNOTATION]: '{nope' } } }), undefined);
  });

  it('changedBeyondStatus ignores status, resourceVersion and our annotation, but sees spec, labels and finalizers', () => {
    const base = { metadata: { name: 'a', resourceVersion: '1', annotations: { x: '1' } }, spec: { rules: [] }, status: {} };
    const own = { ...base, metadata: { ...base.metadata, resourceVersion: '2', annotations: { x: '1', [RECONCILE_STATUS_ANNOTATION]: '{}' } }, status: { loadBalancer: {} } };
    assert.equal(changedBeyondStatus(base, own), false);
    assert.equal(changedBeyondStatus(base, { ...base, spec: { rules: [{}] } }), true);
    assert.equal(changedBeyondStatus(base, { ...base, metadata: { ...base.metadata, annotations: { x: '2' } } }), true);
    assert.equal(changedBeyondStatus(base, { ...base, metadata: { ...base.metadata, finalizers: ['f'] } }), true);
    const typed: Ingress = putIngress();
    assert.equal(changedBeyondStatus(typed, typed), false);
  });
});

describe('k8s/status: pod readiness-gate conditions', () => {
  const gate = 'target-health.elbv2.k8s.aws/k8s-shop-web';
  it('adds the condition by strategic merge, keeping kubelet conditions, and skips unchanged', async () => {
    let pod = kube.put('pods', { metadata: { name: 'p', namespace: 'shop' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } }) as Pod;
    assert.equal(await setPodCondition(api.pods, pod, { type: gate, status: 'Unknown', reason: 'Elb.RegistrationInProgress' }, clock), true);
    pod = (await api.pods.get('p', 'shop'))!;
    assert.deepEqual(pod.status?.conditions?.map((c) => `${c.type}=${c.status}`), ['Ready=False', `${gate}=Unknown`]);
    assert.equal(await setPodCondition(api.pods, pod, { type: gate, status: 'Unknown', reason: 'Elb.RegistrationInProgress' }, clock), false);
    await clock.advance(1000);
    await setPodCondition(api.pods, pod, { type: gate, status: 'True' }, clock);
    pod = (await api.pods.get('p', 'shop'))!;
    const c = pod.status?.conditions?.find((x) => x.type === gate);
    assert.equal(c?.status, 'True');
    assert.equal(c?.reason, undefined);
    assert.ok(writes().every((w) => w.endsWith('/status')));
  });
});

describe('k8s/finalizers', () => {
  it('adds a finalizer guarded by resourceVersion, and is idempotent', async () => {
    const ing = putIngress();
    const out = await addFinalizer(api.ingresses, ing, FINALIZER_IMPLICIT_GROUP);
    assert.deepEqual(out?.metadata?.finalizers, ['ingress.k8s.aws/resources']);
    const patch = kube.calls.find((c) => c.method === 'PATCH')!;
    assert.equal(patch.contentType, 'application/json-patch+json');
    assert.deepEqual((patch.body as { op: string; path: string }[])[0], { op: 'test', path: '/metadata/resourceVersion', value: ing.metadata?.resourceVersion });
    const again = await addFinalizer(api.ingresses, out!, FINALIZER_IMPLICIT_GROUP);
    assert.equal(again, out);
    assert.equal(kube.calls.filter((c) => c.method === 'PATCH').length, 1);
  });

  it('appends to existing finalizers and retries after a concurrent change', async () => {
    const stale = putIngress({ metadata: { name: 'web', namespace: 'shop', finalizers: ['other/one'] } });
    const fresh = kube.getObject('ingresses', 'shop', 'web')!;
    kube.put('ingresses', { ...fresh, metadata: { ...fresh.metadata, finalizers: ['other/one', 'other/two'] } });
    const out = await addFinalizer(api.ingresses, stale, finalizerForExplicitGroup('shop'));
    assert.deepEqual(out?.metadata?.finalizers, ['other/one', 'other/two', 'group.ingress.k8s.aws/shop'], 'nothing lost');
    assert.deepEqual(kube.calls.map((c) => c.method), ['PATCH', 'GET', 'PATCH']);
  });

  it('removes only its own finalizer, retrying on 409, and treats 404 as done', async () => {
    const ing = putIngress({ metadata: { name: 'web', namespace: 'shop', finalizers: ['a/b', FINALIZER_IMPLICIT_GROUP, 'c/d'] } });
    kube.failWhen((r) => r.method === 'PATCH', 409, 1);
    const out = await removeFinalizer(api.ingresses, ing, FINALIZER_IMPLICIT_GROUP);
    assert.deepEqual(out?.metadata?.finalizers, ['a/b', 'c/d']);
    assert.equal(hasFinalizer(out!, FINALIZER_IMPLICIT_GROUP), false);
    kube.remove('ingresses', 'shop', 'web');
    assert.equal(await removeFinalizer(api.ingresses, ing, FINALIZER_IMPLICIT_GROUP), undefined);
  });

  it('removing the last finalizer of a deleting object lets it go', async () => {
    const ing = putIngress({ metadata: { name: 'web', namespace: 'shop', finalizers: [FINALIZER_IMPLICIT_GROUP] } });
    await api.ingresses.delete('web', 'shop');
    const deleting = (await api.ingresses.get('web', 'shop'))!;
    assert.ok(deleting.metadata?.deletionTimestamp);
    assert.equal(await addFinalizer(api.ingresses, deleting, 'x/y'), deleting, 'no new finalizer on a deleting object');
    await removeFinalizer(api.ingresses, deleting, FINALIZER_IMPLICIT_GROUP);
    assert.equal(await api.ingresses.get('web', 'shop'), undefined);
    void ing;
  });

  it('gives up after the retries and surfaces other errors', async () => {
    const ing = putIngress();
    kube.failWhen((r) => r.method === 'PATCH', 409, 3);
    await assert.rejects(addFinalizer(api.ingresses, ing, 'x/y', { retries: 2 }), /injected 409/);
    kube.failWhen((r) => r.method === 'PATCH', 403, 1);
    await assert.rejects(addFinalizer(api.ingresses, ing, 'x/y'), /injected 403/);
  });
});
