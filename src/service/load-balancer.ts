// The NLB itself: scheme, subnets (and per-subnet addresses), attributes, capacity, and its security groups:
// the managed frontend group, the user's groups, or none (upstream's NLBSecurityGroup behaviour).
import {
  type ArnOrRef, type DiscoveredSubnet, type Known, type LoadBalancer, type LoadBalancerSpec, type Scheme, type SecurityGroup, type SecurityGroupRule,
  type SubnetMapping, isUnknown, ref, stackTags, unknown,
} from '../model/index.ts';
import { resolveSecurityGroups } from '../ingress/build-load-balancer.ts';
import { LOAD_BALANCER_ID, MANAGED_SG_DESCRIPTION, MANAGED_SG_ID } from '../ingress/naming.ts';
import { compareStrings } from '../ingress/snapshot.ts';
import { resolveSubnets } from '../ingress/subnets.ts';
import { isCidr } from '../ingress/annotations/values.ts';
import { ipInCidr } from './addresses.ts';
import { type ServiceContext, portProtocol, report, servicePorts } from './context.ts';
import { nlbName, nlbSecurityGroupName } from './naming.ts';

export type IpAddressType = 'ipv4' | 'dualstack';

export function schemeOf(ctx: ServiceContext): Scheme {
  const { a } = ctx;
  if (a.scheme !== undefined) return a.scheme;
  if (a.internal !== undefined) return a.internal ? 'internal' : 'internet-facing';
  // like upstream: without an annotation, the live NLB's scheme is kept (a changed default never flips it)
  return ctx.existing?.scheme ?? ctx.config.defaultScheme;
}

export interface ChosenSubnets {
  readonly ids: Known<readonly string[]>;
  /** the chosen subnets' facts, in ID order; undefined when not known (no discovery) */
  readonly facts?: readonly DiscoveredSubnet[];
}

/** explicit subnets; else the live NLB's when its scheme stays (no drift from re-discovery); else discovery */
export function subnetsOf(ctx: ServiceContext, scheme: Scheme): ChosenSubnets | undefined {
  const { a, existing, config, facts } = ctx;
  const source = a.subnets !== undefined ? { kind: 'explicit' as const, nameOrIds: a.subnets }
    : existing && existing.scheme === scheme && existing.subnets.length > 0 ? { kind: 'explicit' as const, nameOrIds: existing.subnets }
      : { kind: 'discover' as const };
  const r = resolveSubnets(source, scheme, facts.subnets, { clusterName: config.clusterName, clusterTagCheck: config.gates.subnetsClusterTagCheck, minZones: 1, loadBalancer: 'an NLB' });
  if (!r.ok) {
    report(ctx, 'aws-load-balancer-subnets', 'SubnetsNotFound', r.reason);
    return undefined;
  }
  if (isUnknown(r.subnets) || !facts.subnets) return { ids: r.subnets };
  const ids = r.subnets;
  return { ids, facts: ids.map((id) => facts.subnets?.find((s) => s.id === id)).filter((s): s is DiscoveredSubnet => s !== undefined) };
}

/** per-subnet Elastic IPs, private IPv4 and IPv6 addresses and source-NAT prefixes, checked as upstream checks them */
export function subnetMappingsOf(ctx: ServiceContext, scheme: Scheme, ipType: IpAddressType, subnets: ChosenSubnets): SubnetMapping[] | undefined {
  const { a } = ctx;
  const wanted = a.eipAllocations || a.privateIpv4Addresses || a.ipv6Addresses || a.sourceNatIpv6Prefixes;
  if (a.enablePrefixForIpv6SourceNat === 'on') {
    if (ipType !== 'dualstack') report(ctx, 'aws-load-balancer-enable-prefix-for-ipv6-source-nat', 'InvalidAnnotation', 'needs aws-load-balancer-ip-address-type: dualstack');
    const without = subnets.facts?.filter((s) => !(s.ipv6CidrBlocks?.length)).map((s) => s.id) ?? [];
    if (without.length > 0) report(ctx, 'aws-load-balancer-enable-prefix-for-ipv6-source-nat', 'InvalidAnnotation', `every subnet needs an IPv6 CIDR; ${without.join(', ')} has none`);
  }
  if (a.eipAllocations && scheme !== 'internet-facing') report(ctx, 'aws-load-balancer-eip-allocations', 'InvalidAnnotation', 'Elastic IPs can only be set on an internet-facing NLB');
  if (a.privateIpv4Addresses && scheme !== 'internal') report(ctx, 'aws-load-balancer-private-ipv4-addresses', 'InvalidAnnotation', 'private IPv4 addresses can only be set on an internal NLB');
  if (a.ipv6Addresses && ipType !== 'dualstack') report(ctx, 'aws-load-balancer-ipv6-addresses', 'InvalidAnnotation', 'IPv6 addresses can only be set on a dualstack NLB');
  if (a.sourceNatIpv6Prefixes) {
    if (ipType !== 'dualstack') report(ctx, 'aws-load-balancer-source-nat-ipv6-prefixes', 'InvalidAnnotation', 'needs aws-load-balancer-ip-address-type: dualstack');
    if (a.enablePrefixForIpv6SourceNat !== 'on') report(ctx, 'aws-load-balancer-source-nat-ipv6-prefixes', 'InvalidAnnotation', 'needs aws-load-balancer-enable-prefix-for-ipv6-source-nat: on');
  }
  if (!wanted || isUnknown(subnets.ids)) return undefined;
  const ids = subnets.ids;
  const count = (suffix: string, list: readonly string[] | undefined): boolean => {
    if (!list || list.length === ids.length) return true;
    report(ctx, suffix, 'InvalidAnnotation', `gives ${list.length} value(s) for ${ids.length} subnet(s) (${ids.join(', ')}); give one per subnet`);
    return false;
  };
  const counted = [
    count('aws-load-balancer-eip-allocations', a.eipAllocations),
    count('aws-load-balancer-private-ipv4-addresses', a.privateIpv4Addresses),
    count('aws-load-balancer-ipv6-addresses', a.ipv6Addresses),
    count('aws-load-balancer-source-nat-ipv6-prefixes', a.sourceNatIpv6Prefixes),
  ].every(Boolean);
  if (!counted) return undefined;
  const cidrsOf = (id: string, v6: boolean): readonly string[] | undefined => {
    const s = subnets.facts?.find((x) => x.id === id);
    return s ? (v6 ? s.ipv6CidrBlocks ?? [] : [s.cidrBlock]) : undefined;
  };
  /** the one address of `list` inside subnet `id` (matched by CIDR, not by order) */
  const within = (suffix: string, list: readonly string[] | undefined, id: string, v6: boolean): string | undefined => {
    if (!list) return undefined;
    const cidrs = cidrsOf(id, v6);
    if (!cidrs) return undefined;
    const inside = list.filter((ip) => cidrs.some((c) => ipInCidr(ip, c)));
    if (inside.length !== 1) report(ctx, suffix, 'InvalidAnnotation', `expected exactly one address in subnet ${id} (${cidrs.join(', ') || 'no CIDR'}), found ${inside.length}`);
    return inside[0];
  };
  return ids.map((subnetId, i): SubnetMapping => {
    const prefix = a.sourceNatIpv6Prefixes?.[i];
    if (prefix !== undefined && prefix !== 'auto_assigned') {
      const cidrs = cidrsOf(subnetId, true);
      if (cidrs && !cidrs.some((c) => ipInCidr(prefix.split('/')[0] ?? '', c))) {
        report(ctx, 'aws-load-balancer-source-nat-ipv6-prefixes', 'InvalidAnnotation', `${prefix} is not within subnet ${subnetId} (${cidrs.join(', ') || 'no IPv6 CIDR'})`);
      }
    }
    const allocationId = a.eipAllocations?.[i];
    const privateIPv4Address = within('aws-load-balancer-private-ipv4-addresses', a.privateIpv4Addresses, subnetId, false);
    const ipv6Address = within('aws-load-balancer-ipv6-addresses', a.ipv6Addresses, subnetId, true);
    return {
      subnetId,
      ...(allocationId !== undefined ? { allocationId } : {}),
      ...(privateIPv4Address !== undefined ? { privateIPv4Address } : {}),
      ...(ipv6Address !== undefined ? { ipv6Address } : {}),
      ...(prefix !== undefined && a.enablePrefixForIpv6SourceNat === 'on' ? { sourceNatIpv6Prefix: prefix } : {}),
    };
  });
}

/** `aws-load-balancer-attributes`, under the deprecated single annotations (which win on the same key, as upstream) */
export function attributesOf(ctx: ServiceContext): Record<string, string> {
  const { a } = ctx;
  const specific: Record<string, string> = {};
  if (a.accessLogEnabled === true) {
    specific['access_logs.s3.enabled'] = 'true';
    if (a.accessLogS3BucketName !== undefined) specific['access_logs.s3.bucket'] = a.accessLogS3BucketName;
    if (a.accessLogS3BucketPrefix !== undefined) specific['access_logs.s3.prefix'] = a.accessLogS3BucketPrefix;
  }
  if (a.crossZoneLoadBalancingEnabled !== undefined) specific['load_balancing.cross_zone.enabled'] = String(a.crossZoneLoadBalancingEnabled);
  const merged = { ...(a.loadBalancerAttributes ?? {}), ...specific };
  return Object.fromEntries(Object.entries(merged).sort(([x], [y]) => compareStrings(x, y)));
}

/** the security-group decision for the NLB (upstream's buildLoadBalancerSecurityGroups) */
export interface SecurityGroupPlan {
  /** the NLB's groups: the managed one as a Ref, the user's as IDs (sorted), the backend group when there is one */
  readonly groups: readonly Known<ArnOrRef>[];
  /** whether the managed frontend group is part of the stack */
  readonly managed: boolean;
  /**
   * the group node and pod security groups admit (TargetGroupBinding networking from a security group): the backend
   * group when configured, else the managed group; absent with user-given groups and no rule management
   */
  readonly peer?: ArnOrRef;
  /** the NLB has no security groups: node and pod rules come from CIDRs (upstream's legacy mode) */
  readonly legacy: boolean;
}

export const managedSecurityGroupRef = (): ArnOrRef => ref('SecurityGroup', MANAGED_SG_ID, 'groupId');

export function securityGroupsOf(ctx: ServiceContext): SecurityGroupPlan | undefined {
  const { a, existing, config } = ctx;
  const none: SecurityGroupPlan = { groups: [], managed: false, legacy: true };
  // an NLB created without security groups can never get any: it stays in legacy mode
  if (existing && existing.securityGroups.length === 0) return none;
  if (!config.gates.nlbSecurityGroup || a.disableNlbSecurityGroup === true) {
    if (existing && existing.securityGroups.length > 0) {
      report(ctx, 'aws-load-balancer-disable-nlb-sg', 'ConflictingValue',
        `the NLB already has security groups (${existing.securityGroups.join(', ')}), which AWS cannot remove from a network load balancer; `
        + 'remove the annotation (or re-create the Service to get an NLB without security groups)');
      return undefined;
    }
    return none;
  }
  const backend = config.backendSecurityGroup;
  if (!a.securityGroups) {
    const managed = managedSecurityGroupRef();
    return { groups: backend ? [managed, backend] : [managed], managed: true, peer: backend ?? managed, legacy: false };
  }
  const resolved = resolveSecurityGroups(ctx, a.securityGroups);
  if (!resolved.ok) {
    report(ctx, 'aws-load-balancer-security-groups', 'SecurityGroupNotFound', resolved.reason);
    return undefined;
  }
  if (a.manageBackendSecurityGroupRules !== true) return { groups: resolved.groups, managed: false, legacy: false };
  if (!backend) {
    report(ctx, 'aws-load-balancer-manage-backend-security-group-rules', 'Unsupported',
      'true with aws-load-balancer-security-groups needs the shared backend security group, which this controller does not create yet; '
      + 'remove it (and open the node security groups to your groups yourself), or drop aws-load-balancer-security-groups to use a managed group');
    return undefined;
  }
  return { groups: [...resolved.groups, backend], managed: false, peer: backend, legacy: false };
}

/** client CIDRs: spec.loadBalancerSourceRanges, else load-balancer-source-ranges (validated: IPv6 only on dualstack) */
export function sourceRangesOf(ctx: ServiceContext, ipType: IpAddressType): string[] | undefined {
  const fromSpec = ctx.svc.spec?.loadBalancerSourceRanges ?? [];
  const bad = fromSpec.findIndex((c) => !isCidr(c));
  if (bad >= 0) {
    report(ctx, `spec.loadBalancerSourceRanges[${bad}]`, 'InvalidSpec', `expected a CIDR such as 10.0.0.0/16, got ${JSON.stringify(fromSpec[bad])}`);
    return undefined;
  }
  const cidrs = fromSpec.length > 0 ? [...fromSpec] : [...(ctx.a.sourceRanges ?? [])];
  const field = fromSpec.length > 0 ? 'spec.loadBalancerSourceRanges' : 'load-balancer-source-ranges';
  const v6 = cidrs.find((c) => c.includes(':'));
  if (v6 && ipType !== 'dualstack') {
    report(ctx, field, 'InvalidAnnotation', `IPv6 CIDR ${v6} needs aws-load-balancer-ip-address-type: dualstack`);
    return undefined;
  }
  return cidrs;
}

const ICMP_PATH_MTU: Readonly<Record<'v4' | 'v6', Pick<SecurityGroupRule, 'ipProtocol' | 'fromPort' | 'toPort'>>> = {
  v4: { ipProtocol: 'icmp', fromPort: 3, toPort: 4 },
  v6: { ipProtocol: 'icmpv6', fromPort: 2, toPort: 0 },
};

/** The managed frontend group: every Service port from every client CIDR and prefix list, plus ICMP for path MTU when asked. */
export function managedSecurityGroupOf(ctx: ServiceContext, ipType: IpAddressType, sourceRanges: readonly string[]): SecurityGroup {
  const { a } = ctx;
  const prefixLists = [...new Set(a.securityGroupPrefixLists ?? [])].sort(compareStrings);
  const cidrs = sourceRanges.length > 0 ? sourceRanges
    : prefixLists.length > 0 ? [] : ipType === 'dualstack' ? ['0.0.0.0/0', '::/0'] : ['0.0.0.0/0'];
  const rules = new Map<string, SecurityGroupRule>();
  // keyed (and so sorted) by port, protocol, then source
  const add = (r: SecurityGroupRule): void => {
    rules.set([String(r.fromPort).padStart(5, '0'), String(r.toPort).padStart(5, '0'), r.ipProtocol, r.cidrIpv4 ?? '', r.cidrIpv6 ?? '', r.prefixListId ?? ''].join('|'), r);
  };
  for (const p of servicePorts(ctx.svc)) {
    const ipProtocol = portProtocol(p).toLowerCase() === 'udp' ? 'udp' : 'tcp';
    for (const cidr of cidrs) {
      const v6 = cidr.includes(':');
      add({ ipProtocol, fromPort: p.port, toPort: p.port, ...(v6 ? { cidrIpv6: cidr } : { cidrIpv4: cidr }) });
      if (a.enableIcmpForPathMtuDiscovery === 'on') add({ ...ICMP_PATH_MTU[v6 ? 'v6' : 'v4'], ...(v6 ? { cidrIpv6: cidr } : { cidrIpv4: cidr }) });
    }
    for (const pl of prefixLists) add({ ipProtocol, fromPort: p.port, toPort: p.port, prefixListId: pl });
  }
  const ingress = [...rules.entries()].sort(([x], [y]) => compareStrings(x, y)).map(([, r]) => r);
  return {
    kind: 'SecurityGroup', id: MANAGED_SG_ID,
    spec: {
      groupName: nlbSecurityGroupName(ctx.config.clusterName, ctx.id),
      description: MANAGED_SG_DESCRIPTION,
      vpcId: ctx.facts.vpcId ?? unknown('discovery:vpc'),
      ingress,
      tags: { ...ctx.userTags, ...stackTags(ctx.config.clusterName, ctx.stackId, MANAGED_SG_ID, 'service') },
    },
  };
}

export interface LoadBalancerParts {
  readonly scheme: Scheme;
  readonly ipType: IpAddressType;
  readonly subnets: ChosenSubnets;
  readonly mappings?: readonly SubnetMapping[];
  readonly securityGroups: SecurityGroupPlan;
}

export function loadBalancerOf(ctx: ServiceContext, p: LoadBalancerParts): LoadBalancer {
  const { a, config } = ctx;
  return networkLoadBalancer(LOAD_BALANCER_ID, {
    name: a.loadBalancerName ?? nlbName(config.clusterName, ctx.id, p.scheme),
    scheme: p.scheme, ipAddressType: p.ipType, subnets: p.subnets.ids, securityGroups: p.securityGroups.groups,
    attributes: attributesOf(ctx),
    tags: { ...ctx.userTags, ...stackTags(config.clusterName, ctx.stackId, LOAD_BALANCER_ID, 'service') },
    ...(p.mappings ? { subnetMappings: p.mappings } : {}),
    ...(a.enablePrefixForIpv6SourceNat !== undefined ? { enablePrefixForIpv6SourceNat: a.enablePrefixForIpv6SourceNat } : {}),
    ...(a.inboundSgRulesOnPrivateLinkTraffic !== undefined
      ? { enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: a.inboundSgRulesOnPrivateLinkTraffic } : {}),
    ...(config.gates.lbCapacityReservation && a.minimumLoadBalancerCapacity !== undefined
      ? { minimumCapacityUnits: a.minimumLoadBalancerCapacity } : {}),
  });
}

/**
 * A network load balancer (a Service's, or an Ingress's frontend NLB): subnet mappings are kept only when some
 * subnet has more than its ID (an Elastic IP, an address, a prefix), since they take effect at creation only.
 */
export function networkLoadBalancer(id: string, spec: Omit<LoadBalancerSpec, 'type'>): LoadBalancer {
  const { name, subnetMappings, enablePrefixForIpv6SourceNat, enforceSecurityGroupInboundRulesOnPrivateLinkTraffic, minimumCapacityUnits, ...common } = spec;
  const extras = subnetMappings?.some((m) => Object.keys(m).length > 1);
  return {
    kind: 'LoadBalancer', id,
    spec: {
      name, type: 'network', ...common,
      ...(extras && subnetMappings ? { subnetMappings } : {}),
      ...(enablePrefixForIpv6SourceNat !== undefined ? { enablePrefixForIpv6SourceNat } : {}),
      ...(enforceSecurityGroupInboundRulesOnPrivateLinkTraffic !== undefined ? { enforceSecurityGroupInboundRulesOnPrivateLinkTraffic } : {}),
      ...(minimumCapacityUnits !== undefined ? { minimumCapacityUnits } : {}),
    },
  };
}
