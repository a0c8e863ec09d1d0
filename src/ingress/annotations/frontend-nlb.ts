// The frontend NLB of an Ingress's ALB: enable-frontend-nlb and the frontend-nlb-* annotations, read from the
// Ingress only (upstream's model_build_frontend_nlb.go). The values an NLB takes are checked with the Service
// path's shapes (src/service/values.ts): the same AWS limits apply. Not exported from index.ts: src/service
// imports that index, and this file imports src/service.
import type { Scheme } from '../../model/index.ts';
import { HEALTH_CHECK_LIMITS, healthCheckPath, nlbLoadBalancerAttributes, prefixed, successCodes } from '../../service/values.ts';
import type { AnnotatedObject, Parsed } from './index.ts';
import { bool, fail, has, ok, oneOf, readTable, show, stringList, stringMap, tags, type Shape, type Table } from './values.ts';

export interface FrontendNlbAnnotations {
  enabled?: boolean;
  scheme?: Scheme;
  subnets?: string[];
  securityGroups?: string[];
  eipAllocations?: string[];
  /** NLB listener port → ALB listener port */
  listenerPortMapping?: Record<string, number>;
  /** 'traffic-port' or a port number as a string */
  healthcheckPort?: string;
  healthcheckProtocol?: 'HTTP' | 'HTTPS';
  healthcheckPath?: string;
  healthcheckIntervalSeconds?: number;
  healthcheckTimeoutSeconds?: number;
  healthyThresholdCount?: number;
  unhealthyThresholdCount?: number;
  successCodes?: string;
  attributes?: Record<string, string>;
  tags?: Record<string, string>;
}

const PORT = /^\d{1,5}$/;
const isPort = (s: string): boolean => PORT.test(s) && Number(s) >= 1 && Number(s) <= 65535;

/** `nlbPort=albPort,...`: both ports in [1, 65535] */
const portMapping: Shape<Record<string, number>> = (raw) => {
  const m = stringMap((k, v) => (!isPort(k) ? `NLB listener port ${show(k)} is not a port in [1, 65535]`
    : !isPort(v) ? `ALB listener port ${show(v)} (for NLB port ${k}) is not a port in [1, 65535]` : undefined))(raw);
  return m.ok ? ok(Object.fromEntries(Object.entries(m.value).map(([k, v]) => [String(Number(k)), Number(v)]))) : m;
};

/** traffic-port or a port number (upstream refuses a port name here: there is no Service to name one) */
const healthcheckPort: Shape<string> = (raw) => (raw === 'traffic-port' ? ok(raw)
  : isPort(raw) ? ok(String(Number(raw))) : fail(`expected traffic-port or a port in [1, 65535], got ${show(raw)}`));

export const FRONTEND_NLB_TABLE: Table<FrontendNlbAnnotations> = {
  enabled: ['enable-frontend-nlb', bool],
  scheme: ['frontend-nlb-scheme', oneOf(['internal', 'internet-facing'] as const)],
  subnets: ['frontend-nlb-subnets', stringList()],
  securityGroups: ['frontend-nlb-security-groups', stringList()],
  eipAllocations: ['frontend-nlb-eip-allocations', stringList(prefixed('eipalloc-', 'eipalloc-0123abcd'))],
  listenerPortMapping: ['frontend-nlb-listener-port-mapping', portMapping],
  healthcheckPort: ['frontend-nlb-healthcheck-port', healthcheckPort],
  healthcheckProtocol: ['frontend-nlb-healthcheck-protocol', oneOf(['HTTP', 'HTTPS'] as const)],
  healthcheckPath: ['frontend-nlb-healthcheck-path', healthCheckPath],
  healthcheckIntervalSeconds: ['frontend-nlb-healthcheck-interval-seconds', HEALTH_CHECK_LIMITS.intervalSeconds],
  healthcheckTimeoutSeconds: ['frontend-nlb-healthcheck-timeout-seconds', HEALTH_CHECK_LIMITS.timeoutSeconds],
  healthyThresholdCount: ['frontend-nlb-healthcheck-healthy-threshold-count', HEALTH_CHECK_LIMITS.thresholdCount],
  unhealthyThresholdCount: ['frontend-nlb-healthcheck-unhealthy-threshold-count', HEALTH_CHECK_LIMITS.thresholdCount],
  successCodes: ['frontend-nlb-healthcheck-success-codes', successCodes],
  attributes: ['frontend-nlb-attributes', nlbLoadBalancerAttributes],
  tags: ['frontend-nlb-tags', tags],
};

/** the frontend NLB annotations of one Ingress; `value` is empty when it sets none */
export function parseFrontendNlbAnnotations(ing: AnnotatedObject): Parsed<FrontendNlbAnnotations> {
  const { value, issues } = readTable(FRONTEND_NLB_TABLE, (key) => (has(ing, key) ? ing : undefined));
  return { value, issues };
}
