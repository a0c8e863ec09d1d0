// The group's load balancer and its security groups (user-given, or one managed frontend group), plus the
// cluster's shared backend group when the controller manages the rules on the targets' groups.
import {
  type ArnOrRef, type IpAddressType, type Known, type LoadBalancer, type LoadBalancerSpec, type SecurityGroup, type SecurityGroupRule, NO_WEB_ACL,
  isUnknown, ref, stackTags, unknown,
} from '../model/index.ts';
import type { WebAclChoice } from './build-member.ts';
import { DEFAULTS } from './annotations/index.ts';
import type { BuildContext } from './context.ts';
import type { GroupState } from './merge.ts';
import { LOAD_BALANCER_ID, MANAGED_SG_DESCRIPTION, MANAGED_SG_ID, backendSecurityGroupUnknown, loadBalancerName, managedSecurityGroupName } from './naming.ts';
import { compareStrings, gateOn } from './snapshot.ts';

export const isDualstack = (t: IpAddressType): boolean => t !== 'ipv4';

/** ok: the LB's security groups; error: a name that does not resolve. */
export function resolveSecurityGroups(ctx: Pick<BuildContext, 'facts'>, nameOrIds: readonly string[]):
  { ok: true; groups: Known<ArnOrRef>[] } | { ok: false; reason: string } {
  const ids = new Set<string>();
  const unknowns: Known<ArnOrRef>[] = [];
  for (const x of nameOrIds) {
    if (x.startsWith('sg-')) { ids.add(x); continue; }
    const facts = ctx.facts.securityGroups;
    if (!facts) { unknowns.push(unknown(`discovery:security-group:${x}`)); continue; }
    const found = facts.filter((g) => g.tags['Name'] === x);
    const byName = found.length > 0 ? found : facts.filter((g) => g.name === x);
    if (byName.length !== 1) {
      return { ok: false, reason: byName.length === 0 ? `security group ${x} not found in the VPC` : `security group name ${x} matches ${byName.length} groups; give its ID` };
    }
    ids.add((byName[0] as { id: string }).id);
  }
  return { ok: true, groups: [...[...ids].sort(compareStrings), ...unknowns] };
}

export function buildManagedSecurityGroup(ctx: BuildContext, state: GroupState, ipAddressType: IpAddressType, userTags: Readonly<Record<string, string>>): SecurityGroup {
  const rules: SecurityGroupRule[] = [];
  const dual = isDualstack(ipAddressType);
  const ports = [...state.ports.keys()].sort((a, b) => a - b);
  for (const port of ports) {
    const mp = state.ports.get(port);
    const prefixLists = mp?.prefixLists?.excl.value ?? [];
    // like upstream: open to everyone only when neither CIDRs nor prefix lists are given for the port
    const cidrs = mp?.inboundCidrs?.excl.value ?? (prefixLists.length > 0 ? [] : dual ? ['0.0.0.0/0', '::/0'] : ['0.0.0.0/0']);
    for (const cidr of cidrs) {
      if (cidr.includes(':')) { if (dual) rules.push({ ipProtocol: 'tcp', fromPort: port, toPort: port, cidrIpv6: cidr }); }
      else rules.push({ ipProtocol: 'tcp', fromPort: port, toPort: port, cidrIpv4: cidr });
    }
    for (const pl of prefixLists) rules.push({ ipProtocol: 'tcp', fromPort: port, toPort: port, prefixListId: pl });
  }
  const key = (r: SecurityGroupRule) => [String(r.fromPort).padStart(5, '0'), r.cidrIpv4 ?? '', r.cidrIpv6 ?? '', r.prefixListId ?? ''].join('|');
  rules.sort((a, b) => compareStrings(key(a), key(b)));
  return {
    kind: 'SecurityGroup', id: MANAGED_SG_ID,
    spec: {
      groupName: managedSecurityGroupName(ctx.config.clusterName, ctx.group),
      description: MANAGED_SG_DESCRIPTION,
      vpcId: ctx.facts.vpcId ?? unknown('discovery:vpc'),
      ingress: rules,
      tags: { ...userTags, ...stackTags(ctx.config.clusterName, ctx.stackId, MANAGED_SG_ID) },
    },
  };
}

/** the unknown a WAFv2 web ACL name stands for until the names are listed (facts-needed.ts) */
export const WEB_ACL_UNKNOWN = 'discovery:wafv2-web-acl:';

/** a WAFv2 choice as the ARN to associate (NO_WEB_ACL: none); a name is looked up in the listed web ACLs */
export function resolveWebAcl(ctx: Pick<BuildContext, 'facts'>, choice: WebAclChoice): { ok: true; arn: Known<string> } | { ok: false; reason: string } {
  if ('none' in choice) return { ok: true, arn: NO_WEB_ACL };
  if ('arn' in choice) return { ok: true, arn: choice.arn };
  const acls = ctx.facts.wafv2WebAcls;
  if (!acls) return { ok: true, arn: unknown(`${WEB_ACL_UNKNOWN}${choice.name}`) };
  const arn = Object.hasOwn(acls, choice.name) ? acls[choice.name] : undefined;
  return arn !== undefined ? { ok: true, arn } : { ok: false, reason: `no regional WAFv2 web ACL is named ${choice.name} in this region` };
}

/** the add-on fields of the load balancer: only those a member set, so that what AWS has is otherwise left alone */
export function loadBalancerAddons(state: GroupState, wafv2WebAclArn: Known<string> | undefined):
  Pick<LoadBalancerSpec, 'wafv2WebAclArn' | 'shieldAdvancedProtection'> {
  return {
    ...(wafv2WebAclArn !== undefined ? { wafv2WebAclArn } : {}),
    ...(state.shieldAdvancedProtection ? { shieldAdvancedProtection: state.shieldAdvancedProtection.excl.value } : {}),
  };
}

export function buildLoadBalancer(ctx: BuildContext, state: GroupState, subnets: Known<readonly string[]>,
  securityGroups: readonly Known<ArnOrRef>[], userTags: Readonly<Record<string, string>>): LoadBalancer {
  const scheme = state.scheme?.excl.value ?? ctx.config.defaultScheme;
  return {
    kind: 'LoadBalancer', id: LOAD_BALANCER_ID,
    spec: {
      name: state.loadBalancerName?.excl.value ?? loadBalancerName(ctx.config.clusterName, ctx.group, scheme),
      type: 'application',
      scheme,
      ipAddressType: state.ipAddressType?.excl.value ?? DEFAULTS.ipAddressType,
      subnets: isUnknown(subnets) ? subnets : [...subnets].sort(compareStrings),
      securityGroups,
      attributes: Object.fromEntries([...state.lbAttributes.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([k, v]) => [k, v.value])),
      tags: { ...userTags, ...stackTags(ctx.config.clusterName, ctx.stackId, LOAD_BALANCER_ID) },
      // the gate LBCapacityReservation (default on) off: the value is not used, as upstream
      ...(state.minimumCapacity && gateOn(ctx.config, 'LBCapacityReservation') ? { minimumCapacityUnits: state.minimumCapacity.excl.value } : {}),
      ...(state.ipv4IpamPoolId ? { ipv4IpamPoolId: state.ipv4IpamPoolId.excl.value } : {}),
      ...(state.customerOwnedIpv4Pool ? { customerOwnedIpv4Pool: state.customerOwnedIpv4Pool.excl.value } : {}),
    },
  };
}

export const managedSecurityGroupRef = (): ArnOrRef => ref('SecurityGroup', MANAGED_SG_ID, 'groupId');

export interface LoadBalancerSecurityGroups {
  /** the load balancer's groups: the managed frontend group or the user's, then the backend group when used */
  readonly groups: readonly Known<ArnOrRef>[];
  /** the group the bindings open the targets to; undefined when the user manages those rules */
  readonly ruleSource?: Known<ArnOrRef>;
  /** whether the shared backend group is used (it must then exist, and must not be released) */
  readonly usesBackendSecurityGroup: boolean;
}

/**
 * Upstream's choice (buildLoadBalancerSecurityGroups):
 * - no security-groups annotation: the managed frontend group, plus the shared backend group unless
 *   --enable-backend-security-group=false; the target rules come from the backend group (else from the managed one);
 * - security-groups given: those groups; with manage-backend-security-group-rules (annotation, else
 *   --enable-manage-backend-security-group-rules) also the backend group, as the source of the target rules;
 *   without it the user manages the target rules and bindings carry none.
 * The backend group's ID comes from the facts; while it is not known it is an Unknown that names the group.
 */
export function loadBalancerSecurityGroups(ctx: BuildContext, userGroups: readonly Known<ArnOrRef>[] | undefined, manageRulesAnnotation: boolean | undefined):
  LoadBalancerSecurityGroups | { error: string } {
  const enabled = ctx.config.enableBackendSecurityGroup ?? true;
  const backend: Known<string> = ctx.facts.backendSecurityGroupId ?? unknown(backendSecurityGroupUnknown(ctx.config.clusterName));
  if (userGroups === undefined) {
    const managed = managedSecurityGroupRef();
    return enabled ? { groups: [managed, backend], ruleSource: backend, usesBackendSecurityGroup: true } : { groups: [managed], ruleSource: managed, usesBackendSecurityGroup: false };
  }
  if (!(manageRulesAnnotation ?? ctx.config.manageBackendSecurityGroupRules ?? false)) return { groups: userGroups, usesBackendSecurityGroup: false };
  if (!enabled) return { error: 'manage-backend-security-group-rules needs the shared backend security group, which --enable-backend-security-group=false turns off' };
  const listed = userGroups.some((g) => g === backend);
  return { groups: listed ? userGroups : [...userGroups, backend], ruleSource: backend, usesBackendSecurityGroup: true };
}
