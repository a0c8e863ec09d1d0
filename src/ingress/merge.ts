// Group merge: members are offered one by one in order of seniority (tenancy.ts); a member whose values conflict
// with the members accepted before it is rejected with its own Issues, and the others go on.
import type { Action, IpAddressType, Issue, Known, Scheme } from '../model/index.ts';
import { type MutualAuthEntry, PREFIX } from './annotations/index.ts';
import type { Excl, MemberContribution, WebAclChoice } from './build-member.ts';
import type { FrontendNlbAnnotations } from './annotations/frontend-nlb.ts';
import { issue } from './snapshot.ts';
import type { SubnetSource } from './subnets.ts';
import { HostPathClaims } from './tenancy.ts';

interface Owned<T> { readonly excl: Excl<T>; readonly by: string }

export interface MergedPort {
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly protocolBy: string;
  sslPolicy?: Owned<string>;
  inboundCidrs?: Owned<readonly string[]>;
  prefixLists?: Owned<readonly string[]>;
  readonly certificates: Known<string>[];
  /** listener attributes, key by key: the first member to set a key holds it, as for load balancer attributes */
  readonly attributes: Map<string, { value: string; by: string }>;
  defaultActions?: { readonly actions: readonly Action[]; readonly by: string };
  /** mutual TLS: members that set it for this port must agree, as upstream */
  mutualAuthentication?: Owned<MutualAuthEntry>;
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
  wafv2Acl?: Owned<WebAclChoice>;
  shieldAdvancedProtection?: Owned<boolean>;
  minimumCapacity?: Owned<number>;
  ipv4IpamPoolId?: Owned<string>;
  customerOwnedIpv4Pool?: Owned<string>;
  frontendNlb?: Owned<FrontendNlbAnnotations>;
  readonly ports: Map<number, MergedPort>;
  readonly tags: Map<string, { value: string; by: string }>;
  readonly lbAttributes: Map<string, { value: string; by: string }>;
  readonly claims: HostPathClaims;
}

export const emptyState = (): GroupState => ({ accepted: [], ports: new Map(), tags: new Map(), lbAttributes: new Map(), claims: new HostPathClaims() });

/** Why a member cannot join the accepted ones: its Issue, the member holding the value, and what was asked for. */
export interface Conflict {
  readonly issue: Issue;
  readonly holder: string;
  readonly what: string;
}

const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v));

type ExclKey = 'scheme' | 'ipAddressType' | 'loadBalancerName' | 'subnets' | 'securityGroups' | 'manageBackendSecurityGroupRules' | 'sslRedirect'
  | 'wafv2Acl' | 'shieldAdvancedProtection' | 'minimumCapacity' | 'ipv4IpamPoolId' | 'customerOwnedIpv4Pool' | 'frontendNlb';
const EXCL_LABELS: Record<ExclKey, string> = {
  scheme: 'scheme', ipAddressType: 'IP address type', loadBalancerName: 'load balancer name', subnets: 'subnets',
  securityGroups: 'security groups', manageBackendSecurityGroupRules: 'manage-backend-security-group-rules', sslRedirect: 'ssl-redirect port',
  wafv2Acl: 'WAFv2 web ACL', shieldAdvancedProtection: 'shield-advanced-protection',
  minimumCapacity: 'minimum load balancer capacity (CapacityUnits)', ipv4IpamPoolId: 'IPv4 IPAM pool',
  customerOwnedIpv4Pool: 'customer-owned IPv4 pool', frontendNlb: 'frontend NLB settings',
};

/**
 * Where `c` disagrees with the accepted members. `holder(key)` names the member that set a value first, for the
 * message (e.g. "Ingress a/b, in group g first (deployed already)").
 */
export function conflictsOf(state: GroupState, c: MemberContribution, holder: (key: string) => string): Conflict[] {
  const ref = c.member.ref;
  const out: Conflict[] = [];
  /** `reason(h)`: the sentence after `what`, naming the holder h */
  const add = (field: string, code: string, what: string, by: string, reason: (h: string) => string) =>
    out.push({ issue: issue(ref, field, code, `${what} ${reason(holder(by))}`), holder: by, what });
  for (const k of Object.keys(EXCL_LABELS) as ExclKey[]) {
    const mine = c[k] as Excl<unknown> | undefined;
    const theirs = state[k] as Owned<unknown> | undefined;
    if (mine && theirs && mine.canonical !== theirs.excl.canonical) {
      add(mine.field, 'ConflictingValue', `${EXCL_LABELS[k]} ${show(mine.value)}`, theirs.by, (h) => `conflicts with ${show(theirs.excl.value)} set by ${h}`);
    }
  }
  for (const [port, pc] of c.ports) {
    const mp = state.ports.get(port);
    if (!mp) continue;
    if (mp.protocol !== pc.protocol) {
      add(`${PREFIX}listen-ports`, 'ConflictingValue', `port ${port} as ${pc.protocol}`, mp.protocolBy, (h) => `conflicts with ${mp.protocol} set by ${h}`);
      continue;
    }
    const policy = mp.sslPolicy;
    if (pc.sslPolicy && policy && pc.sslPolicy.canonical !== policy.excl.canonical) {
      add(pc.sslPolicy.field, 'ConflictingValue', `SSL policy ${show(pc.sslPolicy.value)} for port ${port}`, policy.by, (h) => `conflicts with ${show(policy.excl.value)} set by ${h}`);
    }
    const cidrs = mp.inboundCidrs;
    if (pc.inboundCidrs && cidrs && pc.inboundCidrs.canonical !== cidrs.excl.canonical) {
      add(pc.inboundCidrs.field, 'ConflictingValue', `inbound CIDRs ${show(pc.inboundCidrs.value)} for port ${port}`, cidrs.by, (h) => `conflict with ${show(cidrs.excl.value)} set by ${h}`);
    }
    const lists = mp.prefixLists;
    if (pc.prefixLists && lists && pc.prefixLists.canonical !== lists.excl.canonical) {
      add(pc.prefixLists.field, 'ConflictingValue', `prefix lists ${show(pc.prefixLists.value)} for port ${port}`, lists.by, (h) => `conflict with ${show(lists.excl.value)} set by ${h}`);
    }
    const mtls = mp.mutualAuthentication;
    if (pc.mutualAuthentication && mtls && pc.mutualAuthentication.canonical !== mtls.excl.canonical) {
      add(pc.mutualAuthentication.field, 'ConflictingValue', `mutual authentication ${show(pc.mutualAuthentication.value)} for port ${port}`, mtls.by,
        (h) => `conflicts with ${show(mtls.excl.value)} set by ${h}`);
    }
    for (const [key, value] of Object.entries(pc.attributes ?? {})) {
      const t = mp.attributes.get(key);
      if (t && t.value !== value) {
        add(pc.attributesField ?? `${PREFIX}listen-ports`, 'ConflictingValue', `listener attribute ${key}=${show(value)} for port ${port}`, t.by,
          (h) => `conflicts with ${show(t.value)} set by ${h}`);
      }
    }
    if (c.defaultActions && mp.defaultActions) {
      add('spec.defaultBackend', 'ConflictingDefaultBackend', `a default backend for port ${port}`, mp.defaultActions.by, (h) => `conflicts with the one set by ${h}; a listener has one default backend`);
    }
  }
  for (const [key, value] of Object.entries(c.tags)) {
    const t = state.tags.get(key);
    if (t && t.value !== value) add(c.tagsField, 'ConflictingValue', `tag ${key}=${show(value)}`, t.by, (h) => `conflicts with ${key}=${show(t.value)} set by ${h}`);
  }
  for (const [key, value] of Object.entries(c.lbAttributes)) {
    const t = state.lbAttributes.get(key);
    if (t && t.value !== value) add(c.lbAttributesField, 'ConflictingValue', `load balancer attribute ${key}=${show(value)}`, t.by, (h) => `conflicts with ${show(t.value)} set by ${h}`);
  }
  for (const t of state.claims.takenBy(c)) {
    add(t.source, 'ConflictingHostPath', `host ${t.host} path ${t.path} on port ${t.port}`, t.holder,
      (h) => `is served by ${h}; a rule from another namespace cannot take it over`);
  }
  return out;
}

/** Adds a member that has no conflicts with the accepted ones (see conflictsOf). */
export function addMember(state: GroupState, c: MemberContribution): void {
  const by = c.member.key;
  for (const k of Object.keys(EXCL_LABELS) as ExclKey[]) {
    const mine = c[k] as Excl<never> | undefined;
    if (mine && !state[k]) (state as unknown as Record<ExclKey, Owned<unknown>>)[k] = { excl: mine, by };
  }
  for (const [port, pc] of c.ports) {
    let mp = state.ports.get(port);
    if (!mp) state.ports.set(port, (mp = { port, protocol: pc.protocol, protocolBy: by, certificates: [], attributes: new Map() }));
    if (pc.sslPolicy && !mp.sslPolicy) mp.sslPolicy = { excl: pc.sslPolicy, by };
    if (pc.inboundCidrs && !mp.inboundCidrs) mp.inboundCidrs = { excl: pc.inboundCidrs, by };
    if (pc.prefixLists && !mp.prefixLists) mp.prefixLists = { excl: pc.prefixLists, by };
    if (pc.mutualAuthentication && !mp.mutualAuthentication) mp.mutualAuthentication = { excl: pc.mutualAuthentication, by };
    const known = new Set(mp.certificates.map((x) => JSON.stringify(x)));
    for (const cert of pc.certificates) {
      const k = JSON.stringify(cert);
      if (!known.has(k)) { known.add(k); mp.certificates.push(cert); }
    }
    for (const [key, value] of Object.entries(pc.attributes ?? {})) if (!mp.attributes.has(key)) mp.attributes.set(key, { value, by });
    if (c.defaultActions) mp.defaultActions = { actions: c.defaultActions, by };
  }
  for (const [key, value] of Object.entries(c.tags)) if (!state.tags.has(key)) state.tags.set(key, { value, by });
  for (const [key, value] of Object.entries(c.lbAttributes)) if (!state.lbAttributes.has(key)) state.lbAttributes.set(key, { value, by });
  state.claims.add(c);
  state.accepted.push(c);
}

/** Checks that need the whole group; returns Issues keyed by the member to reject. */
export function validateGroup(state: GroupState): Map<string, Issue[]> {
  const out = new Map<string, Issue[]>();
  const add = (key: string, i: Issue): void => {
    const list = out.get(key);
    if (list) list.push(i);
    else out.set(key, [i]);
  };
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
