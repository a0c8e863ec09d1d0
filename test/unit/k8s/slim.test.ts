import assert from 'node:assert/strict';
import fc from 'fast-check';
import { flushMicrotasks, ManualClock } from '../../../src/k8s/clock.ts';
import { createInformers, Informer } from '../../../src/k8s/informer.ts';
import { slimNode, slimPod, withoutBookkeeping } from '../../../src/k8s/slim.ts';
import type { Node, Pod } from '../../../src/k8s/types.ts';
import { FakeKube } from './fake-kube.ts';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const managedFields = [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:containers': {} } } }];

const pod = (): Pod => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: {
    name: 'web-1', namespace: 'shop', uid: 'u1', resourceVersion: '7', labels: { app: 'web' }, deletionTimestamp: '2026-12-04T00:00:00Z',
    annotations: { [LAST_APPLIED]: '{"big":"copy"}', team: 'a' }, managedFields,
  },
  spec: {
    nodeName: 'node-1', readinessGates: [{ conditionType: 'target-health.elbv2.k8s.aws/k8s-shop-web' }],
    containers: [{ name: 'web', image: 'nginx', env: [{ name: 'X', value: 'y'.repeat(1000) }] }], volumes: [{ name: 'v', emptyDir: {} }],
  },
  status: { podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }], phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [] },
});

const node = (): Node => ({
  apiVersion: 'v1', kind: 'Node',
  metadata: { name: 'node-1', uid: 'n1', resourceVersion: '3', labels: { 'topology.kubernetes.io/zone': 'us-east-1a' }, managedFields },
  spec: { providerID: 'aws:///us-east-1a/i-0abc', taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }], podCIDR: '10.1.0.0/24' },
  status: {
    conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
    images: [{ names: ['nginx'], sizeBytes: 1 }], nodeInfo: { architecture: 'amd64' } as never, addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
  },
});

describe('k8s/slim: what the informer caches keep', () => {
  it('drops managedFields and kubectl\'s last-applied copy, and keeps every other annotation', () => {
    const out = withoutBookkeeping(pod());
    assert.equal(out.metadata?.managedFields, undefined);
    assert.deepEqual(out.metadata?.annotations, { team: 'a' });
    assert.equal(out.metadata?.name, 'web-1');
  });

  it('keeps of a Pod what the targets, readiness gates and condition writers read, and nothing else', () => {
    assert.deepEqual(slimPod(pod()), {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name: 'web-1', namespace: 'shop', uid: 'u1', resourceVersion: '7', labels: { app: 'web' }, deletionTimestamp: '2026-12-04T00:00:00Z',
        annotations: { team: 'a' },
      },
      spec: { containers: [], nodeName: 'node-1', readinessGates: [{ conditionType: 'target-health.elbv2.k8s.aws/k8s-shop-web' }] },
      status: { podIP: '10.0.0.5', conditions: [{ type: 'Ready', status: 'True' }] },
    });
  });

  it('keeps of a Node its identity, labels, provider ID, taints and the Ready condition', () => {
    assert.deepEqual(slimNode(node()), {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name: 'node-1', uid: 'n1', resourceVersion: '3', labels: { 'topology.kubernetes.io/zone': 'us-east-1a' } },
      spec: { providerID: 'aws:///us-east-1a/i-0abc', taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
  });

  it('every transform is idempotent (a relist applies it again to what the cache holds)', () => {
    const annotations = fc.dictionary(fc.oneof(fc.constant(LAST_APPLIED), fc.string({ maxLength: 12 })), fc.string({ maxLength: 12 }), { maxKeys: 4 });
    fc.assert(fc.property(annotations, fc.boolean(), (ann, withManaged) => {
      const p = pod();
      const n = node();
      const meta = { annotations: ann, ...(withManaged ? { managedFields } : {}) };
      Object.assign(p.metadata as object, meta);
      Object.assign(n.metadata as object, meta);
      assert.deepEqual(slimPod(slimPod(p)), slimPod(p));
      assert.deepEqual(slimNode(slimNode(n)), slimNode(n));
      assert.deepEqual(withoutBookkeeping(withoutBookkeeping(p)), withoutBookkeeping(p));
      assert.equal(LAST_APPLIED in (slimPod(p).metadata?.annotations ?? {}), false);
    }));
  });

  it('the informers store the slim objects, from the list and from the watch', async () => {
    const kube = new FakeKube();
    kube.put('pods', pod() as never);
    const set = createInformers({ rest: kube, clock: new ManualClock() });
    set.pods.start();
    set.nodes.start();
    await Promise.all([set.pods.waitForSync(), set.nodes.waitForSync()]);
    await flushMicrotasks();
    kube.put('nodes', node() as never);
    assert.deepEqual(set.pods.get('web-1', 'shop')?.spec?.containers, []);
    assert.equal(set.pods.get('web-1', 'shop')?.metadata?.managedFields, undefined);
    assert.equal(set.nodes.get('node-1')?.status?.images, undefined);
    assert.equal(set.nodes.get('node-1')?.spec?.providerID, 'aws:///us-east-1a/i-0abc');
    await set.stopAll();
  });

  it('lists in pages: every object arrives, the watch starts at the list\'s resourceVersion', async () => {
    const kube = new FakeKube();
    for (let i = 0; i < 7; i++) kube.put('ingresses', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: `i${i}`, namespace: 'default' }, spec: {} });
    const inf = new Informer({ rest: kube, resource: 'ingress', clock: new ManualClock(), pageSize: 3 });
    inf.start();
    await inf.waitForSync();
    await flushMicrotasks();
    assert.equal(inf.list().length, 7);
    const lists = kube.calls.filter((c) => c.method === 'GET' && c.path.endsWith('/ingresses'));
    assert.deepEqual(lists.map((c) => c.query?.['continue'] ?? ''), ['', '3', '6']);
    assert.equal(kube.watchCalls[0]?.query.resourceVersion, String(kube.rv));
    await inf.stop();
  });
});
