// Which Services this controller manages, exactly as upstream decides (pkg/service/service_utils.go), first match wins:
//   1. being deleted                                     → not managed (torn down if it still holds our finalizer)
//   2. gate ServiceTypeLoadBalancerOnly and not type LoadBalancer → not managed
//   3. spec.loadBalancerClass set                        → managed iff it equals --load-balancer-class
//   4. annotation aws-load-balancer-type: nlb-ip         → managed (ip targets)
//   5. aws-load-balancer-type: external with aws-load-balancer-nlb-target-type ip or instance → managed
//   6. anything else                                     → not managed; never touched
import type { V1Service } from '@kubernetes/client-node';
import { FINALIZER_SERVICE } from '../model/index.ts';
import { SERVICE_PREFIX } from './annotations.ts';

export const LOAD_BALANCER_TYPE_KEY = `${SERVICE_PREFIX}aws-load-balancer-type`;
export const TARGET_TYPE_KEY = `${SERVICE_PREFIX}aws-load-balancer-nlb-target-type`;
export const DEFAULT_LOAD_BALANCER_CLASS = 'service.k8s.aws/nlb';

export type ServiceManagement =
  | { readonly managed: true; readonly why: string }
  | { readonly managed: false; readonly why: string; readonly finalizer: boolean };

export interface MatchConfig {
  readonly loadBalancerClass: string;
  readonly serviceTypeLoadBalancerOnly: boolean;
}

export const hasServiceFinalizer = (svc: V1Service): boolean => (svc.metadata?.finalizers ?? []).includes(FINALIZER_SERVICE);

export function serviceManagement(svc: V1Service, config: MatchConfig): ServiceManagement {
  const notOurs = (why: string): ServiceManagement => ({ managed: false, why, finalizer: hasServiceFinalizer(svc) });
  if (svc.metadata?.deletionTimestamp) return notOurs('being deleted');
  const type = svc.spec?.type ?? 'ClusterIP';
  if (config.serviceTypeLoadBalancerOnly && type !== 'LoadBalancer') return notOurs(`type ${type} (gate ServiceTypeLoadBalancerOnly)`);
  const cls = svc.spec?.loadBalancerClass;
  if (cls !== undefined && cls !== null) {
    return cls === config.loadBalancerClass ? { managed: true, why: `loadBalancerClass ${cls}` } : notOurs(`loadBalancerClass ${cls}`);
  }
  const annotations = svc.metadata?.annotations ?? {};
  const lbType = annotations[LOAD_BALANCER_TYPE_KEY];
  if (lbType === 'nlb-ip') return { managed: true, why: `${LOAD_BALANCER_TYPE_KEY}: nlb-ip` };
  const targetType = annotations[TARGET_TYPE_KEY];
  if (lbType === 'external' && (targetType === 'ip' || targetType === 'instance')) {
    return { managed: true, why: `${LOAD_BALANCER_TYPE_KEY}: external with ${TARGET_TYPE_KEY}: ${targetType}` };
  }
  return notOurs('no loadBalancerClass and no aws-load-balancer-type annotation for this controller');
}
