// The multi-cluster record of a binding's targets: upstream's ConfigMap name and CSV format, read once, written
// only when the set changes, deleted with the binding.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { kubeClientsFor } from '../../../src/k8s/client.ts';
import { formatTrackedTargets, parseTrackedTargets, TrackedTargets, trackedTargetsName } from '../../../src/k8s/tracked-targets.ts';
import { FakeKube } from './fake-kube.ts';

describe('k8s/tracked-targets', () => {
  it('names the ConfigMap as upstream: aws-lbc-targets-<binding>', () => {
    assert.equal(trackedTargetsName('k8s-echoserv-echoserv-cc0122e143'), 'aws-lbc-targets-k8s-echoserv-echoserv-cc0122e143');
  });

  it('any set of id:port keys survives format and parse; upstream\'s unsorted CSV parses to the same set', () => {
    const key = fc.tuple(fc.oneof(fc.ipV4(), fc.stringMatching(/^i-[0-9a-f]{8,17}$/)), fc.integer({ min: 1, max: 65_535 })).map(([id, port]) => `${id}:${port}`);
    fc.assert(fc.property(fc.uniqueArray(key, { maxLength: 50 }), (keys) => {
      assert.deepEqual(parseTrackedTargets(formatTrackedTargets(keys)), new Set(keys));
      assert.deepEqual(parseTrackedTargets([...keys].reverse().join(',')), new Set(keys));
    }));
    assert.deepEqual(parseTrackedTargets(''), new Set());
    assert.deepEqual(parseTrackedTargets(undefined), new Set());
  });

  it('reads once, writes only a changed set (create, then update), and removes the record', async () => {
    const kube = new FakeKube();
    const store = new TrackedTargets(kubeClientsFor(kube).configMaps);
    const cm = (): { data?: Record<string, string> } | undefined => kube.getObject('configmaps', 'shop', 'aws-lbc-targets-web') as { data?: Record<string, string> } | undefined;
    assert.equal(await store.read('shop', 'web'), undefined);
    await store.write('shop', 'web', new Set(['10.0.0.2:80', '10.0.0.1:80']));
    assert.deepEqual(cm()?.data, { targets: '10.0.0.1:80,10.0.0.2:80' });
    kube.put('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'aws-lbc-targets-web', namespace: 'shop' }, data: { targets: 'edited' } });
    await store.write('shop', 'web', new Set(['10.0.0.1:80', '10.0.0.2:80']));
    assert.deepEqual(cm()?.data, { targets: 'edited' }, 'the same set is not written again');
    await store.write('shop', 'web', new Set(['10.0.0.1:80']));
    assert.deepEqual(cm()?.data, { targets: '10.0.0.1:80' });
    await store.remove('shop', 'web');
    assert.equal(cm(), undefined);
    await store.remove('shop', 'web');
  });
});
