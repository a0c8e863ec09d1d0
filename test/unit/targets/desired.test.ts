import assert from 'node:assert/strict';
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import { findServicePort, instanceIdFromProviderId, instanceTargets, ipTargets, ipv4InCidr, isEligibleNode } from '../../../src/targets/index.ts';

const service = (over: Partial<V1Service['spec']> = {}): V1Service => ({
  metadata: { name: 'web', namespace: 'shop' },
  spec: { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }, { name: 'metrics', port: 9100, nodePort: 30910 }], ...over },
});

const slice = (name: string, endpoints: V1EndpointSlice['endpoints'], ports: V1EndpointSlice['ports'] = [{ name: 'http', port: 8080 }], addressType = 'IPv4'): V1EndpointSlice => ({
  metadata: { name, labels: { 'kubernetes.io/service-name': 'web' } }, addressType, endpoints, ports,
});

const node = (name: string, opts: { ready?: string; labels?: Record<string, string>; taints?: { key: string; effect: string }[]; providerID?: string } = {}): V1Node => ({
  metadata: { name, labels: opts.labels ?? {} },
  spec: { providerID: opts.providerID ?? `aws:///us-east-1a/i-0${name}`, taints: opts.taints },
  status: { conditions: [{ type: 'Ready', status: opts.ready ?? 'True' }] },
});

describe('targets/desired', () => {
  describe('ip mode', () => {
    it('takes ready (or unreported) endpoints on the slice port named like the ServicePort', () => {
      const res = ipTargets({
        service: service(), servicePort: 80,
        endpointSlices: [
          slice('a', [
            { addresses: ['10.0.0.2'], conditions: { ready: true } },
            { addresses: ['10.0.0.1'] },
            { addresses: ['10.0.0.3'], conditions: { ready: false } },
          ], [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9100 }]),
          slice('b', [{ addresses: ['10.0.1.5'], conditions: { ready: true } }]),
        ],
      });
      assert.equal(res.problem, undefined);
      assert.deepEqual(res.targets, [{ id: '10.0.0.1', port: 8080 }, { id: '10.0.0.2', port: 8080 }, { id: '10.0.1.5', port: 8080 }]);
    });

    it('finds the ServicePort by name too, skips other services, other families, and marks out-of-VPC IPs', () => {
      const other = { ...slice('x', [{ addresses: ['10.9.9.9'] }]), metadata: { name: 'x', labels: { 'kubernetes.io/service-name': 'api' } } };
      const res = ipTargets({
        service: service(), servicePort: 'metrics', vpcCidrs: ['10.0.0.0/16'],
        endpointSlices: [
          slice('a', [{ addresses: ['10.0.0.1'] }, { addresses: ['192.168.1.1'] }], [{ name: 'metrics', port: 9100 }]),
          slice('v6', [{ addresses: ['fd00::1'] }], [{ name: 'metrics', port: 9100 }], 'IPv6'),
          other,
        ],
      });
      assert.deepEqual(res.targets, [{ id: '10.0.0.1', port: 9100 }, { id: '192.168.1.1', port: 9100, availabilityZone: 'all' }]);
    });

    it('reports a missing service port', () => {
      const res = ipTargets({ service: service(), servicePort: 443, endpointSlices: [] });
      assert.match(res.problem ?? '', /no port 443/);
      assert.deepEqual(res.targets, []);
    });
  });

  describe('instance mode', () => {
    it('takes Ready, eligible nodes on the NodePort, honouring the node selector', () => {
      const res = instanceTargets({
        service: service(), servicePort: 'http', nodeSelector: { matchLabels: { pool: 'web' } },
        nodes: [
          node('a1', { labels: { pool: 'web' } }),
          node('a2', { labels: { pool: 'web' }, ready: 'False' }),
          node('a3', { labels: { pool: 'batch' } }),
          node('a4', { labels: { pool: 'web', 'node-role.kubernetes.io/control-plane': '' } }),
          node('a5', { labels: { pool: 'web', 'eks.amazonaws.com/compute-type': 'fargate' } }),
          node('a6', { labels: { pool: 'web' }, taints: [{ key: 'ToBeDeletedByClusterAutoscaler', effect: 'NoSchedule' }] }),
          node('a7', { labels: { pool: 'web' }, providerID: 'eks-hybrid:///x/mi-1' }),
        ],
      });
      assert.deepEqual(res.targets, [{ id: 'i-0a1', port: 30080 }]);
    });

    it('fails open to nodes of unknown readiness when none is Ready', () => {
      const res = instanceTargets({ service: service(), servicePort: 80, nodes: [node('b1', { ready: 'Unknown' }), node('b2', { ready: 'False' })] });
      assert.deepEqual(res.targets, [{ id: 'i-0b1', port: 30080 }]);
    });

    it('takes instance IDs from zoneless provider IDs too', () => {
      const res = instanceTargets({ service: service(), servicePort: 80, nodes: [node('d1', { providerID: 'aws:///i-0d1' })] });
      assert.deepEqual(res.targets, [{ id: 'i-0d1', port: 30080 }]);
    });

    it('honours nodeSelector.matchExpressions (In, NotIn, Exists, DoesNotExist) ANDed with matchLabels', () => {
      const nodes = [
        node('c1', { labels: { pool: 'web', zone: 'a' } }),
        node('c2', { labels: { pool: 'web', zone: 'b' } }),
        node('c3', { labels: { pool: 'web', zone: 'a', spot: 'true' } }),
        node('c4', { labels: { pool: 'web', zone: 'c', gpu: 'yes' } }),
        node('c5', { labels: { pool: 'batch', zone: 'a' } }),
      ];
      const ids = (nodeSelector: Parameters<typeof instanceTargets>[0]['nodeSelector']): string[] =>
        instanceTargets({ service: service(), servicePort: 80, nodes, ...(nodeSelector ? { nodeSelector } : {}) }).targets.map((t) => t.id);
      assert.deepEqual(ids({ matchLabels: { pool: 'web' }, matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'c'] }, { key: 'spot', operator: 'DoesNotExist' }] }), ['i-0c1', 'i-0c4']);
      assert.deepEqual(ids({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }), ['i-0c2', 'i-0c4']);
      assert.deepEqual(ids({ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }), ['i-0c4']);
      assert.deepEqual(ids({ matchExpressions: [{ key: 'zone', operator: 'Bogus', values: ['a'] }] }), [], 'an unknown operator matches nothing');
      assert.deepEqual(ids({}), ['i-0c1', 'i-0c2', 'i-0c3', 'i-0c4', 'i-0c5'], 'an empty selector matches every eligible node');
    });

    it('needs a NodePort', () => {
      const res = instanceTargets({ service: service({ type: 'ClusterIP', ports: [{ name: 'http', port: 80 }] }), servicePort: 80, nodes: [node('c1')] });
      assert.match(res.problem ?? '', /NodePort/);
    });
  });

  it('helpers', () => {
    assert.equal(instanceIdFromProviderId('aws:///us-east-1a/i-0123456789abcdef0'), 'i-0123456789abcdef0');
    assert.equal(instanceIdFromProviderId('aws:///i-0abc1234'), 'i-0abc1234', 'the zone is optional');
    assert.equal(instanceIdFromProviderId('aws:///us-east-1a/mi-1'), undefined);
    assert.equal(instanceIdFromProviderId('eks-hybrid:///x/mi-1'), undefined);
    assert.equal(instanceIdFromProviderId('aws:///us-east-1a/fargate-ip-10-0-1-2.ec2.internal'), undefined);
    assert.equal(instanceIdFromProviderId('gce://project/zone/vm'), undefined);
    assert.equal(instanceIdFromProviderId(''), undefined);
    assert.equal(instanceIdFromProviderId(undefined), undefined);
    assert.ok(ipv4InCidr('10.0.255.1', '10.0.0.0/16'));
    assert.ok(!ipv4InCidr('10.1.0.1', '10.0.0.0/16'));
    assert.ok(ipv4InCidr('1.2.3.4', '0.0.0.0/0'));
    assert.ok(!ipv4InCidr('nope', '10.0.0.0/8'));
    assert.equal(findServicePort(service(), 'metrics')?.port, 9100);
    assert.ok(!isEligibleNode(node('d', { taints: [{ key: 'karpenter.sh/disrupted', effect: 'NoSchedule' }] })));
    assert.ok(isEligibleNode(node('d', { taints: [{ key: 'karpenter.sh/disrupted', effect: 'PreferNoSchedule' }] })));
  });
});
