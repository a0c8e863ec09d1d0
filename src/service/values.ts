// Value shapes of network load balancer settings, shared by a Service's annotations (service.beta.kubernetes.io/*)
// and an Ingress's frontend NLB (alb.ingress.kubernetes.io/frontend-nlb-*): the same AWS limits apply to both.
import { bool, fail, int32, matching, ok, show, stringMap, type Check, type Shape } from '../ingress/annotations/values.ts';

/** an AWS ID with its prefix, such as eipalloc-0123abcd */
export const prefixed = (prefix: string, example: string): Check<string> => (s) =>
  new RegExp(`^${prefix}[0-9a-zA-Z]+$`).test(s) ? undefined : `expected an ID such as ${example}, got ${show(s)}`;

/** NLB health-check success codes: 200-599, as `200`, `200,202` or `200-399` */
export const successCodes: Shape<string> = (raw) => {
  const shape = /^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/.test(raw);
  const inRange = shape && raw.split(',').every((part) => {
    const [lo, hi = lo] = part.split('-').map(Number) as [number, number?];
    return lo >= 200 && hi <= 599 && lo <= hi;
  });
  return inRange ? ok(raw) : fail(`expected HTTP codes in [200, 599] such as 200, 200,202 or 200-399, got ${show(raw)}`);
};

/** AWS's limits for a network load balancer's target group health check (API_CreateTargetGroup) */
export const HEALTH_CHECK_LIMITS = {
  intervalSeconds: int32(5, 300),
  timeoutSeconds: int32(2, 120),
  thresholdCount: int32(2, 10),
} as const;

export const healthCheckPath: Shape<string> = matching(/^\/\S*$/, 'a path starting with "/", without spaces, at most 1024 characters', 1024);

const DNS_CLIENT_ROUTING = ['availability_zone_affinity', 'partial_availability_zone_affinity', 'any_availability_zone'];
/** NLB attributes: dns_record.client_routing_policy and deletion protection are checked (upstream reads both) */
export const nlbLoadBalancerAttributes = stringMap((k, v) => {
  if (k === 'dns_record.client_routing_policy' && !DNS_CLIENT_ROUTING.includes(v)) {
    return `dns_record.client_routing_policy must be one of ${DNS_CLIENT_ROUTING.join(', ')}, got ${show(v)}`;
  }
  if (k === 'deletion_protection.enabled' && !bool(v).ok) return `deletion_protection.enabled must be true or false, got ${show(v)}`;
  return undefined;
});
