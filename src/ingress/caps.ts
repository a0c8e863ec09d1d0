// Input caps: cheap guards, checked before any work that grows with the input, so that one pathological
// Ingress (4,000 listen ports, 100,000 paths, a megabyte of CIDRs) costs a count and an Issue, not seconds of
// CPU. Each cap is either an AWS quota the input can never fit (named in the reason), or far above anything
// legitimate. AWS limits checked on the built stack (rules per load balancer, condition values, tags, ...)
// are a separate, later check; these only stop the input early.
import type { Issue, ObjectRef } from '../model/index.ts';
import type { Member } from './group.ts';

/** an AWS quota the input can never fit: the count, and the quota as AWS's documentation names it */
interface Quota {
  readonly max: number;
  readonly limit: string;
}

export const CAPS = {
  /**
   * bytes of one `alb.ingress.kubernetes.io/*` annotation value. Not an AWS limit: the longest legitimate
   * value, 50 tags at AWS's longest keys (128) and values (256), is under 20 KiB.
   */
  annotationValueBytes: 32 * 1024,
  /** listen ports of one load balancer (one Ingress, or a whole group): each is a listener */
  listeners: { max: 50, limit: 'AWS quota "Listeners per Application Load Balancer", default 50' } satisfies Quota,
  /** paths of one Ingress: each becomes at least one listener rule */
  pathsPerIngress: { max: 100, limit: 'AWS quota "Rules per Application Load Balancer", default 100' } satisfies Quota,
  /** inbound CIDRs or prefix lists of one Ingress: each opens every listen port, one security group rule each */
  sourcesPerSecurityGroup: { max: 1000, limit: 'AWS quota "Inbound rules per security group", at most 1,000 even when raised' } satisfies Quota,
  /** distinct hosts one Ingress names (spec.rules and spec.tls): each is looked up among the certificates. Not an AWS limit. */
  hostsPerIngress: 1000,
} as const;

export const CAP_CODE = 'InputTooLarge';

/** "4000 listen ports: more than 50 (AWS quota "Listeners per Application Load Balancer", default 50)" */
export const quotaReason = (count: number | string, what: string, q: Quota): string => `${count} ${what}: more than ${q.max} (${q.limit})`;

/** a check of a list: at most `q.max` items (a reason when over, as the annotation shapes take it) */
export const atMost = (q: Quota, what: string) => (items: readonly unknown[]): string | undefined =>
  (items.length > q.max ? quotaReason(items.length, what, q) : undefined);

export const capIssue = (object: ObjectRef, field: string, reason: string): Issue => ({ object, field, code: CAP_CODE, reason });

/** whether the UTF-8 form of `s` is longer than `max` bytes; counts only when the length alone cannot tell */
export function longerThanBytes(s: string, max: number): boolean {
  if (s.length > max) return true;
  if (s.length * 3 <= max) return false;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) { n += 4; i++; } // a surrogate pair
    else n += 3;
  }
  return n > max;
}

/**
 * The caps on one Ingress (and the IngressClassParams it uses) that its annotations do not cover: counted
 * before any rule, target group or certificate is looked at. Non-empty = the member is left out unbuilt.
 */
export function ingressCapIssues(m: Member): Issue[] {
  const out: Issue[] = [];
  const rules = m.ing.spec?.rules ?? [];
  let paths = 0;
  for (const r of rules) paths += r.http?.paths?.length ?? 0;
  if (paths > CAPS.pathsPerIngress.max) out.push(capIssue(m.ref, 'spec.rules', quotaReason(paths, 'paths, each at least one listener rule', CAPS.pathsPerIngress)));
  const hosts = new Set<string>();
  const count = (h: string | undefined): void => { if (h && hosts.size <= CAPS.hostsPerIngress) hosts.add(h.toLowerCase()); };
  for (const r of rules) count(r.host);
  for (const t of m.ing.spec?.tls ?? []) for (const h of t.hosts ?? []) count(h);
  if (hosts.size > CAPS.hostsPerIngress) {
    out.push(capIssue(m.ref, 'spec', `over ${CAPS.hostsPerIngress} distinct hosts in spec.rules and spec.tls: more than this controller reads from one Ingress`));
  }
  const p = m.params;
  const fields = [['inboundCIDRs', p?.spec.inboundCIDRs], ['prefixListsIDs', p?.spec.prefixListsIDs], ['PrefixListsIDs', p?.spec.PrefixListsIDs]] as const;
  for (const [field, list] of fields) {
    if ((list?.length ?? 0) > CAPS.sourcesPerSecurityGroup.max) {
      out.push(capIssue(m.ref, `IngressClassParams(${p?.metadata.name ?? ''}).spec.${field}`, quotaReason(list?.length ?? 0, field === 'inboundCIDRs' ? 'CIDRs' : 'prefix lists', CAPS.sourcesPerSecurityGroup)));
    }
  }
  return out;
}
