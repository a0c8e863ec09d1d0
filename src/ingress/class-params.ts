// IngressClassParams values get the checks of their annotation counterparts (inbound-cidrs, certificate-arn,
// ssl-policy, tags, load-balancer-attributes, …), once, where the object enters (normalize.ts). A bad value
// is a Problem on the IngressClassParams, which every Ingress of the class then reports as its own Issue
// (usedObjectIssues), so none of them reaches AWS with it.
import type { IngressClassParamsSpec } from '../model/index.ts';
import { loadBalancerAttributeProblem, loadBalancerAttributesProblem } from './annotations/attributes.ts';
import { certificateArn, cidr, type Check, prefixListId, sslPolicy, tagProblem } from './annotations/values.ts';
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
  if (spec.sslPolicy !== undefined) {
    const reason = sslPolicy(spec.sslPolicy);
    if (reason !== undefined) out.push({ field: 'spec.sslPolicy', reason });
  }
  // entries whose key or value is not a string are the shape check's (normalize.ts) to report
  const pairs = (field: string, list: IngressClassParamsSpec['tags'], problem: (key: string, value: string) => string | undefined) => list?.forEach((kv, i) => {
    const reason = typeof kv.key === 'string' && typeof kv.value === 'string' ? problem(kv.key, kv.value) : undefined;
    if (reason !== undefined) out.push({ field: `spec.${field}[${i}]`, reason });
  });
  pairs('tags', spec.tags, tagProblem);
  pairs('loadBalancerAttributes', spec.loadBalancerAttributes, loadBalancerAttributeProblem);
  const together = spec.loadBalancerAttributes?.length ? loadBalancerAttributesProblem(keyValueMap(spec.loadBalancerAttributes)) : undefined;
  if (together !== undefined) out.push({ field: 'spec.loadBalancerAttributes', reason: together });
  return out;
}
