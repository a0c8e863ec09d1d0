// The Service mutation (upstream's mservice.elbv2.k8s.aws), pure: on CREATE, a Service of type LoadBalancer
// without spec.loadBalancerClass gets this controller's class, so the in-tree cloud provider leaves it alone and
// this controller manages it. On UPDATE, a LoadBalancer Service whose old object had a class and whose new one
// has none gets the old class back (kubectl apply of a manifest without the field would otherwise drop it, and the
// API server refuses to change the class of a live Service anyway). Everything else is left as it is.
import type { JsonPatchOp } from '../k8s/client.ts';
import type { Service } from '../k8s/types.ts';

const hasClass = (s: Service | undefined): boolean => typeof s?.spec?.loadBalancerClass === 'string' && s.spec.loadBalancerClass !== '';

export function serviceClassPatch(operation: string | undefined, svc: Service, old: Service | undefined, loadBalancerClass: string): JsonPatchOp[] {
  if (svc.spec?.type !== 'LoadBalancer' || hasClass(svc)) return [];
  const cls = operation === 'CREATE' ? loadBalancerClass : operation === 'UPDATE' && hasClass(old) ? old?.spec?.loadBalancerClass : undefined;
  if (cls === undefined || cls === null) return [];
  return [{ op: 'add', path: '/spec/loadBalancerClass', value: cls }];
}
