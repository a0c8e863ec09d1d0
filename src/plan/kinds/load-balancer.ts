// Load balancer: type and scheme force a new one (as upstream). Subnets, security groups, IP address type,
// the attributes the user set and tags change in place. An ALB's name is immutable in AWS and is not compared:
// matching is by resource tag, so a load balancer upstream named differently is adopted, not replaced. An NLB's
// name is compared (docs/adr/0012-service-nlb-stacks.md). Subnet mappings (Elastic IPs, private addresses) take
// effect at creation only, as upstream; the source-NAT prefix flag, private-link enforcement and (NLB or ALB) capacity compare when set.
// An ALB's IPAM pool always compares (absent: none); its customer-owned IPv4 pool takes effect at creation only (upstream
// only logs a difference; AWS cannot change it).
// The add-ons (WAFv2 web ACL, Shield) compare only when the desired spec sets them (ADR 16); a Shield protection someone
// else made is never deleted, so asking for none does not differ from it.
import type { ObservedLoadBalancer } from '../../model/observed.ts';
import { SHIELD_PROTECTION_NAMES, type LoadBalancerSpec } from '../../model/elbv2.ts';
import { diffAttributes, diffFields, diffTags, sortedCopy } from '../compare.ts';
import { RANK, type TaggedKind } from './kind.ts';

/** compared only when the desired spec sets them: NLB-only settings, and the capacity reservation of either type */
const WHEN_SET = ['enablePrefixForIpv6SourceNat', 'enforceSecurityGroupInboundRulesOnPrivateLinkTraffic', 'minimumCapacityUnits'] as const;
const ADDONS = ['wafv2WebAclArn', 'shieldAdvancedProtection'] as const;

/** a protection another party made, which asking for no protection leaves in place */
const foreignProtection = (d: LoadBalancerSpec, o: ObservedLoadBalancer): boolean =>
  d.shieldAdvancedProtection === false && o.shieldProtection !== undefined && !SHIELD_PROTECTION_NAMES.includes(o.shieldProtection.name);

export const loadBalancerKind: TaggedKind<LoadBalancerSpec, ObservedLoadBalancer> = {
  kind: 'LoadBalancer',
  rank: RANK.LoadBalancer,
  replaceOrder: 'delete-first',
  observed: (s) => s.loadBalancers,
  diff: (d, o, resolve, tags) => [
    ...diffFields([
      { path: 'type', desired: d.type, observed: o.spec.type, forcesReplacement: true },
      { path: 'scheme', desired: d.scheme, observed: o.spec.scheme, forcesReplacement: true },
      // an NLB's name follows upstream's formula (or the user's annotation), so a different one means the user asked
      // for another: AWS cannot rename, so it is a replacement the plan shows (upstream silently keeps the old name)
      ...(d.type === 'network' ? [{ path: 'name', desired: d.name, observed: o.spec.name, forcesReplacement: true }] : []),
      { path: 'ipAddressType', desired: d.ipAddressType, observed: o.spec.ipAddressType },
      { path: 'subnets', desired: d.subnets, observed: o.spec.subnets, normalize: sortedCopy },
      { path: 'securityGroups', desired: d.securityGroups, observed: o.spec.securityGroups, normalize: sortedCopy },
      // an ALB's IPAM pool: a pool AWS reports that the spec does not name is removed (ModifyIpPools), as upstream
      ...(d.type === 'application' ? [{ path: 'ipv4IpamPoolId', desired: d.ipv4IpamPoolId, observed: o.spec.ipv4IpamPoolId }] : []),
      // only when the user set them
      ...WHEN_SET.filter((f) => d[f] !== undefined).map((f) => ({ path: f, desired: d[f], observed: o.spec[f] })),
      ...ADDONS.filter((f) => d[f] !== undefined && !(f === 'shieldAdvancedProtection' && foreignProtection(d, o)))
        .map((f) => ({ path: f, desired: d[f], observed: o.spec[f] })),
    ], resolve),
    ...diffAttributes('attributes', d.attributes, o.attributes),
    ...diffTags(d.tags, o.tags, tags),
  ],
  before: (o) => ({ ...o.spec, attributes: o.attributes, tags: o.tags }),
  refValue: (o, field) => (field === 'arn' ? o.arn : field === 'dnsName' ? o.dnsName : undefined),
};
