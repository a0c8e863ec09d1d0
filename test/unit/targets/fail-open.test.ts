// The EndpointsFailOpen feature gate: with no ready target, targets on nodes whose readiness is Unknown are
// registered (the default, as upstream), or none (false).
import assert from 'node:assert/strict';
import type { V1Node, V1Service } from '@kubernetes/client-node';
import { ipTargetsFailingOpen } from '../../../src/controllers/target-group-binding.ts';
import type { EndpointSlice, Pod } from '../../../src/k8s/types.ts';
import { instanceTargets } from '../../../src/targets/desired.ts';

const service: V1Service = { metadata: { name: 'web', namespace: 'ns' }, spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] } };
const node = (name: string, ready: string): V1Node => ({
  metadata: { name }, spec: { providerID: `aws:///us-east-1a/i-0${name}` }, status: { conditions: [{ type: 'Ready', status: ready }] },
});
const pod = (name: string, nodeName: string): Pod => ({
  metadata: { name, namespace: 'ns' }, spec: { nodeName, containers: [] }, status: { conditions: [{ type: 'ContainersReady', status: 'True' }] },
}) as Pod;
const slice = (endpoints: { ip: string; pod: string; ready: boolean }[]): EndpointSlice => ({
  metadata: { name: 'web-1', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4',
  ports: [{ port: 8080 }],
  endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready }, targetRef: { kind: 'Pod', name: e.pod, namespace: 'ns' } })),
}) as EndpointSlice;

describe('targets: EndpointsFailOpen', () => {
  const nodes: Record<string, string> = { a: 'True', b: 'Unknown', c: 'False' };
  const nodeReady = (n: string): string | undefined => nodes[n];
  const pods: Record<string, Pod> = { p1: pod('p1', 'a'), p2: pod('p2', 'b'), p3: pod('p3', 'c') };
  const podOf = (_ns: string, name: string): Pod | undefined => pods[name];
  const ip = (endpoints: Parameters<typeof slice>[0], failOpen: boolean) =>
    ipTargetsFailingOpen({ service, servicePort: 80 }, [slice(endpoints)], podOf, nodeReady, failOpen).targets.map((t) => t.id);

  it('ip: with a ready endpoint, only ready ones, whatever the gate', () => {
    const eps = [{ ip: '10.0.0.1', pod: 'p1', ready: true }, { ip: '10.0.0.2', pod: 'p2', ready: false }];
    assert.deepEqual(ip(eps, true), ['10.0.0.1']);
    assert.deepEqual(ip(eps, false), ['10.0.0.1']);
  });

  it('ip: with none ready, pods with ready containers on Unknown nodes when the gate is on (not those on NotReady nodes); none when off', () => {
    const eps = [{ ip: '10.0.0.2', pod: 'p2', ready: false }, { ip: '10.0.0.3', pod: 'p3', ready: false }];
    assert.deepEqual(ip(eps, true), ['10.0.0.2']);
    assert.deepEqual(ip(eps, false), []);
  });

  it('instance: with no Ready node, Unknown nodes when the gate is on (the default); none when off', () => {
    const input = { service, servicePort: 80, nodes: [node('b', 'Unknown'), node('c', 'False')] };
    assert.deepEqual(instanceTargets(input).targets.map((t) => t.id), ['i-0b']);
    assert.deepEqual(instanceTargets({ ...input, failOpen: true }).targets.map((t) => t.id), ['i-0b']);
    assert.deepEqual(instanceTargets({ ...input, failOpen: false }).targets, []);
  });
});
