// LoadBalancer: create (tags in the call), in-place updates limited to what differs, delete, adoption
// of a same-named load balancer a crashed earlier apply created.
import {
  AddTagsCommand, CreateLoadBalancerCommand, DeleteLoadBalancerCommand, DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand, DescribeTagsCommand, ModifyCapacityReservationCommand, ModifyIpPoolsCommand, ModifyLoadBalancerAttributesCommand, RemoveTagsCommand,
  SetIpAddressTypeCommand, SetSecurityGroupsCommand, SetSubnetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancer as SdkLoadBalancer, SubnetMapping as SdkSubnetMapping } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Attributes, LoadBalancerSpec, SubnetMapping, Tags } from '../model/index.ts';
import { ApplyError } from './apply-types.ts';
import type { ApplyChange } from './apply-types.ts';
import type { ApplyContext } from './apply-context.ts';
import { existingArn, keyOf, observedBefore, remember, resolvedAfter, tagDiff } from './apply-context.ts';
import {
  assertAdoptable, assertOwned, differsFor, fromSdkTags, isAwsError, isEmptyTagDiff, sameSet, toSdkTags, unless,
} from './apply-support.ts';
import type { Differs, Resolved, TagDiff } from './apply-support.ts';
import { convergeAddons, unprotectDeleted } from './apply-addons.ts';

type Spec = Resolved<LoadBalancerSpec>;

export async function applyLoadBalancer(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  switch (change.action) {
    case 'noop': return;
    case 'create': return createLoadBalancer(change, ctx);
    case 'update': return updateLoadBalancer(change, ctx);
    case 'delete': return deleteLoadBalancer(change, ctx);
    case 'replace':
      // A replacement may keep the name (explicit load-balancer-name), so the old one goes first.
      await deleteLoadBalancer(change, ctx);
      return createLoadBalancer(change, ctx);
  }
}

async function createLoadBalancer(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  const spec = resolvedAfter<LoadBalancerSpec>(ctx, change);
  let lb: SdkLoadBalancer | undefined;
  try {
    const out = await ctx.elbv2.send(new CreateLoadBalancerCommand({
      Name: spec.name,
      Type: spec.type,
      Scheme: spec.scheme,
      IpAddressType: spec.ipAddressType,
      ...(spec.subnetMappings ? { SubnetMappings: spec.subnetMappings.map(toSdkSubnetMapping) } : { Subnets: [...spec.subnets] }),
      ...(spec.securityGroups.length ? { SecurityGroups: [...spec.securityGroups] } : {}),
      ...(spec.enablePrefixForIpv6SourceNat ? { EnablePrefixForIpv6SourceNat: spec.enablePrefixForIpv6SourceNat } : {}),
      ...(spec.ipv4IpamPoolId ? { IpamPools: { Ipv4IpamPoolId: spec.ipv4IpamPoolId } } : {}),
      ...(spec.customerOwnedIpv4Pool ? { CustomerOwnedIpv4Pool: spec.customerOwnedIpv4Pool } : {}),
      Tags: toSdkTags(spec.tags),
    }));
    lb = out.LoadBalancers?.[0];
    const arn = lb?.LoadBalancerArn ?? '';
    if (Object.keys(spec.attributes).length) await modifyAttributes(ctx, arn, spec.attributes);
    // CreateLoadBalancer does not take these: set them right after, as upstream does
    if (spec.enforceSecurityGroupInboundRulesOnPrivateLinkTraffic) await setSecurityGroups(ctx, arn, spec);
    if (spec.minimumCapacityUnits !== undefined) await setCapacity(ctx, arn, spec.minimumCapacityUnits);
  } catch (err) {
    if (!isAwsError(err, 'DuplicateLoadBalancerName')) throw err;
    lb = await adoptLoadBalancer(change, spec, ctx);
  }
  if (!lb?.LoadBalancerArn) throw new ApplyError('AwsError', `${keyOf(change)}: CreateLoadBalancer returned no ARN`, { resource: keyOf(change) });
  remember(ctx, change, { arn: lb.LoadBalancerArn, dnsName: lb.DNSName?.toLowerCase() });
  await convergeAddons(ctx, { key: keyOf(change), arn: lb.LoadBalancerArn }, undefined, spec, differsFor(undefined));
}

/** A crashed earlier apply created it: take it over if it is ours, then bring it to the desired spec. */
async function adoptLoadBalancer(change: ApplyChange, spec: Spec, ctx: ApplyContext): Promise<SdkLoadBalancer> {
  const key = keyOf(change);
  const found = (await ctx.elbv2.send(new DescribeLoadBalancersCommand({ Names: [spec.name] }))).LoadBalancers?.[0];
  if (!found?.LoadBalancerArn) throw new ApplyError('AdoptionConflict', `${key}: DuplicateLoadBalancerName, but no load balancer named ${spec.name} was found`, { resource: key });
  const arn = found.LoadBalancerArn;
  const tagDesc = await ctx.elbv2.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
  const tags = fromSdkTags(tagDesc.TagDescriptions?.[0]?.Tags);
  assertAdoptable(tags, ctx.clusterName, ctx.stackId, change.id, key);
  if (found.Type !== spec.type || found.Scheme !== spec.scheme) {
    throw new ApplyError('AdoptionConflict', `${key}: load balancer ${spec.name} exists as ${found.Type}/${found.Scheme}, wanted ${spec.type}/${spec.scheme}`, { resource: key });
  }
  ctx.log.info('adopting load balancer left by an earlier apply', { resource: key, arn });
  const { minimumCapacityUnits: _unknownCapacity, enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: _enforce, ipv4IpamPoolId: _pool, ...rest } = spec;
  const current: Spec = {
    ...rest,
    ipAddressType: (found.IpAddressType ?? spec.ipAddressType) as Spec['ipAddressType'],
    subnets: (found.AvailabilityZones ?? []).map((z) => z.SubnetId ?? '').filter(Boolean),
    securityGroups: found.SecurityGroups ?? [],
    attributes: Object.keys(spec.attributes).length ? await readAttributes(ctx, arn) : {},
    tags,
    ...(found.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic
      ? { enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: found.EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic as 'on' | 'off' } : {}),
    ...(found.IpamPools?.Ipv4IpamPoolId ? { ipv4IpamPoolId: found.IpamPools.Ipv4IpamPoolId } : {}),
  };
  await converge(ctx, arn, current, spec, differsFor(undefined));
  return found;
}

async function updateLoadBalancer(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  const key = keyOf(change);
  const arn = existingArn(change);
  const before = observedBefore<LoadBalancerSpec>(change) as Spec;
  assertOwned(before.tags, ctx.clusterName, key, 'update it');
  const after = resolvedAfter<LoadBalancerSpec>(ctx, change);
  for (const f of ['type', 'scheme'] as const) {
    if (before[f] !== after[f]) throw new ApplyError('ImmutableField', `${key}: ${f} cannot change in place (${before[f]} → ${after[f]}); the plan should replace it`, { resource: key });
  }
  await converge(ctx, arn, before, after, differsFor(change.fields));
  await convergeAddons(ctx, { key, arn }, before, after, differsFor(change.fields));
  remember(ctx, change, { arn, dnsName: ctx.resources.get(key)?.dnsName });
}

/** The in-place writes from `current` to `desired`, each only when its part differs. */
async function converge(ctx: ApplyContext, arn: string, current: Spec, desired: Spec, differs: Differs): Promise<void> {
  // as upstream: a pool goes before the IP address type may change, a new one comes after every other write
  const poolDiffers = desired.type === 'application' && differs('ipv4IpamPoolId', () => current.ipv4IpamPoolId !== desired.ipv4IpamPoolId);
  if (poolDiffers && desired.ipv4IpamPoolId === undefined) {
    await ctx.elbv2.send(new ModifyIpPoolsCommand({ LoadBalancerArn: arn, RemoveIpamPools: ['ipv4'] }));
  }
  const enforce = desired.enforceSecurityGroupInboundRulesOnPrivateLinkTraffic;
  if (differs('securityGroups', () => !sameSet(current.securityGroups, desired.securityGroups))
    || (enforce !== undefined && differs('enforceSecurityGroupInboundRulesOnPrivateLinkTraffic', () => current.enforceSecurityGroupInboundRulesOnPrivateLinkTraffic !== enforce))) {
    await setSecurityGroups(ctx, arn, desired);
  }
  const prefixNat = desired.enablePrefixForIpv6SourceNat;
  if (differs('subnets', () => !sameSet(current.subnets, desired.subnets))
    || (prefixNat !== undefined && differs('enablePrefixForIpv6SourceNat', () => current.enablePrefixForIpv6SourceNat !== prefixNat))) {
    await ctx.elbv2.send(new SetSubnetsCommand({
      LoadBalancerArn: arn,
      ...(desired.subnetMappings ? { SubnetMappings: desired.subnetMappings.map(toSdkSubnetMapping) } : { Subnets: [...desired.subnets] }),
      ...(prefixNat ? { EnablePrefixForIpv6SourceNat: prefixNat } : {}),
    }));
  }
  if (differs('ipAddressType', () => current.ipAddressType !== desired.ipAddressType)) {
    await ctx.elbv2.send(new SetIpAddressTypeCommand({ LoadBalancerArn: arn, IpAddressType: desired.ipAddressType }));
  }
  const changed = differingAttributes(current.attributes, desired.attributes);
  if (Object.keys(changed).length && differs('attributes', () => true)) await modifyAttributes(ctx, arn, changed);
  const units = desired.minimumCapacityUnits;
  if (units !== undefined && differs('minimumCapacityUnits', () => current.minimumCapacityUnits !== units)) await setCapacity(ctx, arn, units);
  if (differs('tags', () => true)) await syncElbTags(ctx, arn, tagDiff(ctx, current.tags, desired.tags));
  if (poolDiffers && desired.ipv4IpamPoolId !== undefined) {
    await ctx.elbv2.send(new ModifyIpPoolsCommand({ LoadBalancerArn: arn, IpamPools: { Ipv4IpamPoolId: desired.ipv4IpamPoolId } }));
  }
}

/** the security groups, with the private-link enforcement when the spec sets it (network load balancers only) */
async function setSecurityGroups(ctx: ApplyContext, arn: string, spec: Spec): Promise<void> {
  const enforce = spec.enforceSecurityGroupInboundRulesOnPrivateLinkTraffic;
  await ctx.elbv2.send(new SetSecurityGroupsCommand({
    LoadBalancerArn: arn, SecurityGroups: [...spec.securityGroups], ...(enforce ? { EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic: enforce } : {}),
  }));
}

/** reserve capacity units; 0 resets the reservation (as upstream) */
async function setCapacity(ctx: ApplyContext, arn: string, units: number): Promise<void> {
  await ctx.elbv2.send(new ModifyCapacityReservationCommand(units === 0
    ? { LoadBalancerArn: arn, ResetCapacityReservation: true }
    : { LoadBalancerArn: arn, MinimumLoadBalancerCapacity: { CapacityUnits: units } }));
}

const toSdkSubnetMapping = (m: SubnetMapping): SdkSubnetMapping => ({
  SubnetId: m.subnetId,
  ...(m.allocationId ? { AllocationId: m.allocationId } : {}),
  ...(m.privateIPv4Address ? { PrivateIPv4Address: m.privateIPv4Address } : {}),
  ...(m.ipv6Address ? { IPv6Address: m.ipv6Address } : {}),
  ...(m.sourceNatIpv6Prefix ? { SourceNatIpv6Prefix: m.sourceNatIpv6Prefix } : {}),
});

async function deleteLoadBalancer(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  const key = keyOf(change);
  const arn = existingArn(change);
  const before = observedBefore<LoadBalancerSpec>(change);
  assertOwned(before.tags, ctx.clusterName, key, 'delete it');
  if (before.attributes['deletion_protection.enabled'] === 'true') {
    throw new ApplyError('InvalidChange', `${key}: deletion protection is enabled on ${arn}; turn it off before deleting`, { resource: key });
  }
  // this controller protects only ALBs (an Ingress stack's frontend NLB or a Service's NLB never): no read for an NLB
  if (before.type === 'application') await unprotectDeleted(ctx, key, arn);
  await unless(() => ctx.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn })), 'LoadBalancerNotFound');
  if (ctx.resources.get(key)?.arn === arn) ctx.resources.delete(key);
}

/** Only the desired keys whose value differs; keys the user never set are left as AWS has them. */
export function differingAttributes(current: Attributes | undefined, desired: Attributes): Record<string, string> {
  return Object.fromEntries(Object.entries(desired).filter(([k, v]) => current?.[k] !== v));
}

async function modifyAttributes(ctx: ApplyContext, arn: string, attrs: Attributes): Promise<void> {
  await ctx.elbv2.send(new ModifyLoadBalancerAttributesCommand({
    LoadBalancerArn: arn,
    Attributes: Object.entries(attrs).map(([Key, Value]) => ({ Key, Value })),
  }));
}

async function readAttributes(ctx: ApplyContext, arn: string): Promise<Record<string, string>> {
  const out = await ctx.elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
  return Object.fromEntries((out.Attributes ?? []).filter((a) => a.Key).map((a) => [a.Key as string, a.Value ?? '']));
}

/** AddTags / RemoveTags on any ELBv2 resource (load balancer, target group, listener, rule). */
export async function syncElbTags(ctx: ApplyContext, arn: string, diff: TagDiff): Promise<void> {
  if (isEmptyTagDiff(diff)) return;
  if (Object.keys(diff.add).length) await ctx.elbv2.send(new AddTagsCommand({ ResourceArns: [arn], Tags: toSdkTags(diff.add as Tags) }));
  if (diff.remove.length) await ctx.elbv2.send(new RemoveTagsCommand({ ResourceArns: [arn], TagKeys: diff.remove }));
}
