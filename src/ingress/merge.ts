// Group merge: members are added one by one in group order; a member whose values conflict with the
// members accepted before it is rejected with its own Issues, and the others go on.
import type { Action, IpAddressType, Issue, Known, Scheme } from '../model/index.ts';
import { PREFIX } from './annotations/index.ts';
import type { Excl, MemberContribution } from './build-member.ts';
import { dedupe, issue } from './snapshot.ts';
import type { SubnetSource } from './subnets.ts';

interface Owned<T> { readonly excl: Excl<T>; readonly by: string }

export interface MergedPort {
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly protocolBy: string;
  sslPolicy?: Owned<string>;
  inboundCidrs?: Owned<readonly string[]>;
  readonly certificates: Known<string>[];
  defaultActions?: { readonly actions: readonly Action[]; readonly by: string };
}

export interface GroupState {
  readonly accepted: MemberContribution[];
  scheme?: Owned<Scheme>;
  ipAddressType?: Owned<IpAddressType>;
  loadBalancerName?: Owned<string>;
  subnets?: Owned<SubnetSource>;
  securityGroups?: Owned<readonly string[]>;
  manageBackendSecurityGroupRules?: Owned<boolean>;
  sslRedirect?: Owned<number>;
  readonly ports: Map<number, MergedPort>;
  readonly tags: Map<string, { value: string; by: string }>;
  readonly lbAttributes: Map<string, { value: string; by: string }>;
  readonly prefixLists: Set<string>;
}

export const emptyState = (): GroupState => ({ accepted: [], ports: new Map(), tags: new Map(), lbAttributes: new Map(), prefixLists: new Set() });

const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v));

type ExclKey = 'scheme' | 'ipAddressType' | 'loadBalancerName' | 'subnets' | 'securityGroups' | 'manageBackendSecurityGroupRules' | 'sslRedirect';
const EXCL_LABELS: Record<ExclKey, string> = {
  scheme: 'scheme', ipAddressType: 'IP address type', loadBalancerName: 'load balancer name', subnets: 'subnets',
  securityGroups: 'security groups', manageBackendSecurityGroupRules: 'manage-backend-security-group-rules', sslRedirect: 'ssl-redirect port',
};

/** Adds a member if it agrees with the accepted ones; otherwise returns its Issues and leaves `state` unchanged. */
export function tryAdd(state: GroupState, c: MemberContribution, groupKey: string): Issue[] {
  const ref = c.member.ref;
  const issues: Issue[] = [];
  const earlier = (by: string) => `set by Ingress ${by} earlier in group ${groupKey}`;
  for (const k of Object.keys(EXCL_LABELS) as ExclKey[]) {
    const mine = c[k] as Excl<unknown> | undefined;
    const theirs = state[k] as Owned<unknown> | undefined;
    if (mine && theirs && mine.canonical !== theirs.excl.canonical) {
      issues.push(issue(ref, mine.field, 'ConflictingValue',
        `${EXCL_LABELS[k]} ${show(mine.value)} conflicts with ${show(theirs.excl.value)} ${earlier(theirs.by)}`));
    }
  }
  for (const [port, pc] of c.ports) {
    const mp = state.ports.get(port);
    if (!mp) continue;
    if (mp.protocol !== pc.protocol) {
      issues.push(issue(ref, `${PREFIX}listen-ports`, 'ConflictingValue', `port ${port} is ${pc.protocol} here but ${mp.protocol} for Ingress ${mp.protocolBy} earlier in group ${groupKey}`));
      continue;
    }
    if (pc.sslPolicy && mp.sslPolicy && pc.sslPolicy.canonical !== mp.sslPolicy.excl.canonical) {
      issues.push(issue(ref, pc.sslPolicy.field, 'ConflictingValue', `SSL policy ${show(pc.sslPolicy.value)} for port ${port} conflicts with ${show(mp.sslPolicy.excl.value)} ${earlier(mp.sslPolicy.by)}`));
    }
    if (pc.inboundCidrs && mp.inboundCidrs && pc.inboundCidrs.canonical !== mp.inboundCidrs.excl.canonical) {
      issues.push(issue(ref, pc.inboundCidrs.field, 'ConflictingValue', `inbound CIDRs ${show(pc.inboundCidrs.value)} for port ${port} conflict with ${show(mp.inboundCidrs.excl.value)} ${earlier(mp.inboundCidrs.by)}`));
    }
    if (c.defaultActions && mp.defaultActions) {
      issues.push(issue(ref, 'spec.defaultBackend', 'ConflictingDefaultBackend', `port ${port} already has the default backend of Ingress ${mp.defaultActions.by}; a listener takes one default backend`));
    }
  }
  for (const [key, value] of Object.entries(c.tags)) {
    const t = state.tags.get(key);
    if (t && t.value !== value) issues.push(issue(ref, c.tagsField, 'ConflictingValue', `tag ${key}=${show(value)} conflicts with ${key}=${show(t.value)} ${earlier(t.by)}`));
  }
  for (const [key, value] of Object.entries(c.lbAttributes)) {
    const t = state.lbAttributes.get(key);
    if (t && t.value !== value) issues.push(issue(ref, c.lbAttributesField, 'ConflictingValue', `load balancer attribute ${key}=${show(value)} conflicts with ${show(t.value)} ${earlier(t.by)}`));
  }
  if (issues.length > 0) return dedupe(issues);

  const by = c.member.key;
  for (const k of Object.keys(EXCL_LABELS) as ExclKey[]) {
    const mine = c[k] as Excl<never> | undefined;
    if (mine && !state[k]) (state as unknown as Record<ExclKey, Owned<unknown>>)[k] = { excl: mine, by };
  }
  for (const [port, pc] of c.ports) {
    let mp = state.ports.get(port);
    if (!mp) state.ports.set(port, (mp = { port, protocol: pc.protocol, protocolBy: by, certificates: [] }));
    if (pc.sslPolicy && !mp.sslPolicy) mp.sslPolicy = { excl: pc.sslPolicy, by };
    if (pc.inboundCidrs && !mp.inboundCidrs) mp.inboundCidrs = { excl: pc.inboundCidrs, by };
    for (const cert of pc.certificates) if (!mp.certificates.some((x) => JSON.stringify(x) === JSON.stringify(cert))) mp.certificates.push(cert);
    if (c.defaultActions) mp.defaultActions = { actions: c.defaultActions, by };
  }
  for (const [key, value] of Object.entries(c.tags)) if (!state.tags.has(key)) state.tags.set(key, { value, by });
  for (const [key, value] of Object.entries(c.lbAttributes)) if (!state.lbAttributes.has(key)) state.lbAttributes.set(key, { value, by });
  for (const pl of c.prefixLists) state.prefixLists.add(pl);
  state.accepted.push(c);
  return [];
}

/** Checks that need the whole group; returns Issues keyed by the member to reject. */
export function validateGroup(state: GroupState): Map<string, Issue[]> {
  const out = new Map<string, Issue[]>();
  const add = (key: string, i: Issue) => out.set(key, [...(out.get(key) ?? []), i]);
  if (state.sslRedirect) {
    const target = state.ports.get(state.sslRedirect.excl.value);
    if (!target || target.protocol !== 'HTTPS') {
      for (const c of state.accepted) {
        if (c.sslRedirect) add(c.member.key, issue(c.member.ref, c.sslRedirect.field, 'InvalidSslRedirect',
          `ssl-redirect port ${c.sslRedirect.value} is not an HTTPS listen port of the group`));
      }
    }
  }
  const dualstack = state.ipAddressType !== undefined && state.ipAddressType.excl.value !== 'ipv4';
  for (const c of state.accepted) {
    for (const tg of c.targetGroups) {
      if (tg.spec.ipAddressType === 'ipv6' && !dualstack) {
        add(c.member.key, issue(c.member.ref, tg.field, 'UnsupportedIPv6',
          `Service ${tg.binding.serviceRef.name} is IPv6; the load balancer must be dualstack (${PREFIX}ip-address-type)`));
      }
    }
  }
  for (const mp of state.ports.values()) {
    if (mp.protocol !== 'HTTPS' || mp.certificates.length > 0) continue;
    for (const c of state.accepted) {
      if (c.ports.has(mp.port)) add(c.member.key, issue(c.member.ref, `${PREFIX}certificate-arn`, 'CertificateNotFound',
        `HTTPS port ${mp.port} has no certificate: set ${PREFIX}certificate-arn, or name hosts in spec.rules / spec.tls for discovery`));
    }
  }
  return out;
}
