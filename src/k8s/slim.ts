// What the informer caches keep of each object: only the fields the controllers read (upstream strips Pods the same
// way). managedFields and kubectl's last-applied copy go from every kind; Pods and Nodes, the kinds there are
// thousands of, keep a handful of fields. A transform must keep every field a controller, the pod webhook or a
// status writer reads — test/unit/k8s/slim.test.ts lists them — and must be idempotent (a relist re-applies it).
import type { KubeObject, Node, Pod } from './types.ts';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** the object without server bookkeeping that no controller reads */
export function withoutBookkeeping<T extends KubeObject>(obj: T): T {
  const meta = obj.metadata;
  if (!meta || (meta.managedFields === undefined && meta.annotations?.[LAST_APPLIED] === undefined)) return obj;
  const { managedFields: _mf, annotations, ...rest } = meta;
  let kept = annotations;
  if (annotations?.[LAST_APPLIED] !== undefined) {
    const { [LAST_APPLIED]: _la, ...others } = annotations;
    kept = others;
  }
  return { ...obj, metadata: { ...rest, ...(kept ? { annotations: kept } : {}) } };
}

/** a Pod as the target and readiness-gate code reads it: identity, labels, node, readiness gates, IP, conditions */
export function slimPod(pod: Pod): Pod {
  const { apiVersion, kind, spec, status } = pod;
  const meta = withoutBookkeeping(pod).metadata;
  return {
    ...(apiVersion ? { apiVersion } : {}),
    ...(kind ? { kind } : {}),
    ...(meta ? { metadata: meta } : {}),
    spec: {
      containers: [],
      ...(spec?.nodeName ? { nodeName: spec.nodeName } : {}),
      ...(spec?.readinessGates ? { readinessGates: spec.readinessGates } : {}),
    },
    status: {
      ...(status?.podIP ? { podIP: status.podIP } : {}),
      ...(status?.conditions ? { conditions: status.conditions } : {}),
    },
  };
}

/** a Node as instance targets read it: identity, labels, provider ID, taints, the Ready condition */
export function slimNode(node: Node): Node {
  const { apiVersion, kind, spec, status } = node;
  const meta = withoutBookkeeping(node).metadata;
  const ready = status?.conditions?.filter((c) => c.type === 'Ready');
  return {
    ...(apiVersion ? { apiVersion } : {}),
    ...(kind ? { kind } : {}),
    ...(meta ? { metadata: meta } : {}),
    spec: {
      ...(spec?.providerID ? { providerID: spec.providerID } : {}),
      ...(spec?.taints ? { taints: spec.taints } : {}),
    },
    status: { ...(ready?.length ? { conditions: ready } : {}) },
  };
}
