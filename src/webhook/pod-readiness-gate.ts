// The pod readiness-gate mutation, pure: for every ip-mode TargetGroupBinding in the pod's namespace whose
// Service selects the pod, add readiness gate `target-health.elbv2.k8s.aws/<binding name>`; drop the v1
// controller's legacy gates. The result is a JSON patch (empty when nothing changes).
import type { JsonPatchOp } from '../k8s/client.ts';
import type { Pod, Service, TargetGroupBinding } from '../k8s/types.ts';
import { READINESS_GATE_PREFIX, readinessGateType } from '../controllers/target-group-binding.ts';

export const LEGACY_GATE_PREFIX = 'target-health.alb.ingress.k8s.aws';

export interface GateLookup {
  /** bindings in a namespace */
  bindings(namespace: string): readonly TargetGroupBinding[];
  service(namespace: string, name: string): Service | undefined;
}

const selects = (selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** the gate condition types a pod should carry, sorted */
export function gatesFor(pod: Pod, namespace: string, lookup: GateLookup): string[] {
  const labels = pod.metadata?.labels ?? {};
  const out: string[] = [];
  for (const tgb of lookup.bindings(namespace)) {
    if (tgb.spec?.targetType !== 'ip' || tgb.metadata?.deletionTimestamp) continue;
    const svc = lookup.service(namespace, tgb.spec.serviceRef.name);
    if (selects(svc?.spec?.selector, labels)) out.push(readinessGateType(tgb.metadata?.name ?? ''));
  }
  return [...new Set(out)].sort();
}

export function readinessGatePatch(pod: Pod, namespace: string, lookup: GateLookup): JsonPatchOp[] {
  const current = pod.spec?.readinessGates ?? [];
  const kept = current.filter((g) => !g.conditionType.startsWith(LEGACY_GATE_PREFIX));
  const have = new Set(kept.map((g) => g.conditionType));
  const added = gatesFor(pod, namespace, lookup).filter((t) => !have.has(t)).map((conditionType) => ({ conditionType }));
  if (added.length === 0 && kept.length === current.length) return [];
  return [{ op: 'add', path: '/spec/readinessGates', value: [...kept, ...added] }];
}

export { READINESS_GATE_PREFIX };
