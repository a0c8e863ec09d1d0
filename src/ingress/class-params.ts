// IngressClassParams values get the checks of their annotation counterparts (inbound-cidrs, certificate-arn,
// ssl-policy, tags, load-balancer-attributes, …), once, where the object enters (normalize.ts). A bad value
// is a Problem on the IngressClassParams, which every Ingress of the class then reports as its own Issue
// (usedObjectIssues), so none of them reaches AWS with it.
import type { IngressClassParamsSpec } from '../model/index.ts';
import { listenerAttributeProblem, loadBalancerAttributeProblem, loadBalancerAttributesProblem } from './annotations/attributes.ts';
import { certificateArn, cidr, type Check, ipamPoolId, prefixListId, sslPolicy, tagProblem } from './annotations/values.ts';
import { keyValueMap } from './context.ts';

export interface ValueProblem {
  readonly field: string;
  readonly reason: string;
}

const nonEmpty: Check<string> = (s) => (s.trim() === '' ? 'must not be empty' : undefined);

/** the problems of the values in a shape-checked spec (field paths start with "spec.") */
export function paramsValueProblems(spec: IngressClassParamsSpec): ValueProblem[] {
  const out: ValueProblem[] = [];
  const each = (field: string, values: readonly string[] | undefined, check: Check<string>) => values?.forEach((v, i) => {
    const reason = check(v);
    if (reason !== undefined) out.push({ field: `spec.${field}[${i}]`, reason });
  });
  each('inboundCIDRs', spec.inboundCIDRs, cidr);
  each('prefixListsIDs', spec.prefixListsIDs, prefixListId);
  each('PrefixListsIDs', spec.PrefixListsIDs, prefixListId);
  each('certificateArn', spec.certificateArn, certificateArn);
  each('subnets.ids', spec.subnets?.ids, nonEmpty);
  const one = (field: string, value: string | undefined, check: Check<string>) => {
    const reason = value === undefined ? undefined : check(value);
    if (reason !== undefined) out.push({ field: `spec.${field}`, reason });
  };
  one('sslPolicy', spec.sslPolicy, sslPolicy);
  one('ipamConfiguration.ipv4IPAMPoolId', spec.ipamConfiguration?.ipv4IPAMPoolId, ipamPoolId);
  // entries whose key or value is not a string are the shape check's (normalize.ts) to report
  const pairs = (field: string, list: IngressClassParamsSpec['tags'], problem: (key: string, value: string) => string | undefined) => list?.forEach((kv, i) => {
    const reason = typeof kv.key === 'string' && typeof kv.value === 'string' ? problem(kv.key, kv.value) : undefined;
    if (reason !== undefined) out.push({ field: `spec.${field}[${i}]`, reason });
  });
  pairs('tags', spec.tags, tagProblem);
  pairs('loadBalancerAttributes', spec.loadBalancerAttributes, loadBalancerAttributeProblem);
  const together = spec.loadBalancerAttributes?.length ? loadBalancerAttributesProblem(keyValueMap(spec.loadBalancerAttributes)) : undefined;
  if (together !== undefined) out.push({ field: 'spec.loadBalancerAttributes', reason: together });
  listenersProblems(spec.listeners, out);
  const units = spec.minimumLoadBalancerCapacity?.capacityUnits;
  if (units !== undefined && !(Number.isInteger(units) && units >= 0 && units <= 2147483647)) {
    out.push({ field: 'spec.minimumLoadBalancerCapacity.capacityUnits', reason: `expected an integer in [0, 2147483647], got ${units}` });
  }
  return out;
}

/** spec.listeners: HTTP or HTTPS, a port, one entry per listener, attributes an ALB listener takes */
function listenersProblems(listeners: IngressClassParamsSpec['listeners'], out: ValueProblem[]): void {
  const seen = new Map<string, number>();
  listeners?.forEach((l, i) => {
    const field = `spec.listeners[${i}]`;
    if (l.protocol !== 'HTTP' && l.protocol !== 'HTTPS') out.push({ field: `${field}.protocol`, reason: `expected HTTP or HTTPS, got ${JSON.stringify(l.protocol ?? null)}` });
    if (l.port === undefined || !Number.isInteger(l.port) || l.port < 1 || l.port > 65535) {
      out.push({ field: `${field}.port`, reason: `expected a port in [1, 65535], got ${JSON.stringify(l.port ?? null)}` });
    }
    const id = `${l.protocol ?? ''}-${l.port ?? ''}`;
    const first = seen.get(id);
    if (first !== undefined) out.push({ field, reason: `${id} is listed already at spec.listeners[${first}]; one entry per listener` });
    else seen.set(id, i);
    l.listenerAttributes?.forEach((kv, j) => {
      const reason = typeof kv.key === 'string' && typeof kv.value === 'string' ? listenerAttributeProblem(kv.key, kv.value) : undefined;
      if (reason !== undefined) out.push({ field: `${field}.listenerAttributes[${j}]`, reason });
    });
  });
}
