import assert from 'node:assert/strict';
import { fromWire, toWireSpec, stackLabels, belongsToStack } from '../../../src/controllers/bindings.ts';
import { ingressChanged } from '../../../src/controllers/ingress-group.ts';
import { gateCondition, podReadyButForGates, withGatedEndpointsReady } from '../../../src/controllers/target-group-binding.ts';
import type { EndpointSlice, Ingress, Pod, TargetGroupBinding } from '../../../src/k8s/types.ts';
import { CHECKPOINT_ANNOTATION, RECONCILE_STATUS_ANNOTATION } from '../../../src/k8s/status.ts';

describe('controllers: helpers', () => {
  it('round-trips a binding spec through the wire form, so an unchanged binding plans as a noop', () => {
    const spec = {
      name: 'k8s-ns-web-abc', namespace: 'ns', labels: { 'ingress.k8s.aws/stack-namespace': 'ns', 'ingress.k8s.aws/stack-name': 'web' },
      targetGroupARN: 'arn:tg', targetType: 'ip' as const, serviceRef: { name: 'web', port: 80 }, ipAddressType: 'ipv4' as const,
      networking: { ingress: [{ from: [{ securityGroup: { groupID: 'sg-1' } }], ports: [{ protocol: 'TCP' as const, port: 8080 }] }] },
    };
    const wire: TargetGroupBinding = { metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels }, spec: toWireSpec(spec) };
    assert.deepEqual(fromWire(wire), { namespace: 'ns', name: spec.name, spec });
    assert.equal(belongsToStack(wire, { explicit: false, namespace: 'ns', name: 'web' }), true);
    assert.equal(belongsToStack(wire, { explicit: true, namespace: '', name: 'web' }), false);
    assert.deepEqual(stackLabels({ explicit: true, namespace: '', name: 'g' }), { 'ingress.k8s.aws/stack': 'g' });
  });

  it('ignores status, finalizer, status-annotation and checkpoint changes of an Ingress, not spec or annotation changes', () => {
    const base: Ingress = { metadata: { name: 'i', namespace: 'ns', resourceVersion: '1', annotations: { a: '1' } }, spec: { ingressClassName: 'alb' } };
    const ours = { a: '1', [RECONCILE_STATUS_ANNOTATION]: '{}', [CHECKPOINT_ANNOTATION]: '1/0.1.0/x' };
    assert.equal(ingressChanged(base, { ...base, metadata: { ...base.metadata, resourceVersion: '2', finalizers: ['f'], annotations: ours }, status: { loadBalancer: {} } }), false);
    assert.equal(ingressChanged(base, { ...base, metadata: { ...base.metadata, annotations: { a: '2' } } }), true);
    assert.equal(ingressChanged(base, { ...base, spec: { ingressClassName: 'other' } }), true);
  });

  it('maps target health to the readiness-gate condition', () => {
    assert.equal(gateCondition('t', undefined).status, 'Unknown');
    assert.equal(gateCondition('t', { id: '1', port: 1 }).status, 'Unknown');
    assert.deepEqual(gateCondition('t', { id: '1', port: 1, state: 'healthy' }), { type: 't', status: 'True', reason: 'Elb.Healthy', message: 'Target is healthy' });
    assert.deepEqual(gateCondition('t', { id: '1', port: 1, state: 'unhealthy', reason: 'Target.FailedHealthChecks', description: 'Health checks failed' }),
      { type: 't', status: 'False', reason: 'Target.FailedHealthChecks', message: 'Health checks failed' });
  });

  it('registers endpoints held back only by readiness gates (containers ready, node Ready, not terminating)', () => {
    const pod = (name: string, containersReady: string, deleting = false): Pod => ({
      metadata: { name, namespace: 'ns', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
      spec: { nodeName: 'n1', containers: [] }, status: { conditions: [{ type: 'ContainersReady', status: containersReady }] },
    });
    const pods: Record<string, Pod> = { a: pod('a', 'True'), b: pod('b', 'False'), c: pod('c', 'True', true) };
    const ep = (name: string, ready: boolean, terminating = false) => ({ addresses: [`10.0.0.${name.charCodeAt(0)}`], conditions: { ready, terminating }, targetRef: { kind: 'Pod', namespace: 'ns', name } });
    const slice: EndpointSlice = { metadata: { name: 's', namespace: 'ns' }, addressType: 'IPv4', endpoints: [ep('a', false), ep('b', false), ep('c', false), ep('a', false, true)] };
    const out = withGatedEndpointsReady([slice], (_ns, n) => pods[n], () => 'True');
    assert.deepEqual((out[0]?.endpoints ?? []).map((e) => e.conditions?.ready), [true, false, false, false]);
    assert.equal(podReadyButForGates(pods['a'], () => 'Unknown'), false);
  });
});
