// Ingress rules on the security groups of target ENIs, so a load balancer can reach its targets
// (TargetGroupBinding spec.networking). Level-triggered over the whole cluster:
//
//   1. targets → ENIs: instance targets → the instance's primary ENI (DescribeInstances, cached by instance ID);
//      ip targets → the ENI holding that private IP (DescribeNetworkInterfaces, one filter for many IPs);
//   2. ENI → one security group: the only group on the ENI, else the single group tagged
//      kubernetes.io/cluster/<cluster> (none or several: an error value naming the ENI);
//   3. per security group, the union of the permissions of every binding whose targets sit behind it, those from
//      one source group coalesced into one port range per protocol, as upstream (so all load balancers behind the
//      shared backend group cost one rule per protocol);
//   4. per candidate security group: authorize what is missing, labelled with upstream's description
//      "elbv2.k8s.aws/targetGroupBinding=shared"; revoke labelled permissions nobody wants any more.
//      A permission without the label is never touched.
//
// Candidates are the groups reached in step 2, the groups tagged with the cluster tag, and any extra IDs the
// caller names, so the rules of a binding that is gone are revoked from wherever they were. Hence the caller
// must pass EVERY binding of the cluster that contributes rules: a binding left out loses its rules.
//
// While any target could not be placed behind a security group (errors), the desired set is incomplete, so
// only labelled permissions whose source no binding names at all are revoked (those cannot be wanted by
// anyone; this lets a deleted load balancer's rules go even while some other ENI is ambiguous). When a
// source itself could not be read (unresolved group reference), nothing is revoked. Authorizations go ahead.
import {
  AuthorizeSecurityGroupIngressCommand, RevokeSecurityGroupIngressCommand,
  type EC2Client, type IpPermission, type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { awsErrorCodeOf } from '../aws/errors.ts';
import { describeSecurityGroups } from '../aws/ec2.ts';
import { describeEnisByPrivateIps, describeInstancesByIds, primaryEni, type EniInfo } from '../aws/enis.ts';

/** upstream's label, carried in the rule description, that marks a permission as ours */
export const NETWORKING_LABEL_KEY = 'elbv2.k8s.aws/targetGroupBinding';
export const NETWORKING_LABEL_VALUE = 'shared';
export const NETWORKING_RULE_DESCRIPTION = `${NETWORKING_LABEL_KEY}=${NETWORKING_LABEL_VALUE}`;

export const clusterTagKey = (clusterName: string): string => `kubernetes.io/cluster/${clusterName}`;

// ---------------------------------------------------------------------------------------------------------
// Inputs

/** TargetGroupBinding spec.networking, with security group IDs already resolved (the wire shape fits) */
export interface BindingNetworking {
  readonly ingress?: readonly {
    readonly from?: readonly ({ readonly securityGroup: { readonly groupID: string } } | { readonly ipBlock: { readonly cidr: string } })[];
    /** numbers only: resolveNetworkingPorts turns absent and named ports into the targets' ports first */
    readonly ports?: readonly { readonly protocol?: 'TCP' | 'UDP'; readonly port?: number | string }[];
  }[];
}

export interface NetworkingBinding {
  /** "namespace/name", used in error values */
  readonly key: string;
  readonly targetType: 'instance' | 'ip';
  readonly networking?: BindingNetworking | undefined;
  /** the binding's desired targets: instance IDs (instance mode) or pod IPs (ip mode) */
  readonly targets: readonly { readonly id: string; readonly port: number }[];
}

/** Instance ID → primary ENI, kept between calls (node ENIs and their groups rarely change). */
export class InstanceEniCache {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { eni: EniInfo; at: number }>();

  constructor(opts: { ttlMs?: number; now?: () => number } = {}) {
    this.#ttlMs = opts.ttlMs ?? 10 * 60_000;
    this.#now = opts.now ?? Date.now;
  }

  get(instanceId: string): EniInfo | undefined {
    const e = this.#entries.get(instanceId);
    if (!e) return undefined;
    if (this.#now() - e.at >= this.#ttlMs) {
      this.#entries.delete(instanceId);
      return undefined;
    }
    return e.eni;
  }

  set(instanceId: string, eni: EniInfo): void {
    this.#entries.set(instanceId, { eni, at: this.#now() });
  }

  /** forget one instance (e.g. its Node was deleted), or everything */
  invalidate(instanceId?: string): void {
    if (instanceId === undefined) this.#entries.clear();
    else this.#entries.delete(instanceId);
  }
}

export interface ReconcileNetworkingInput {
  readonly ec2: EC2Client;
  readonly clusterName: string;
  /** EVERY binding of the cluster that contributes rules (bindings being deleted left out) */
  readonly bindings: readonly NetworkingBinding[];
  /** restricts the ENI and tagged-group lookups to this VPC */
  readonly vpcId?: string;
  /** more groups to reconcile even when no binding reaches them and they lack the cluster tag */
  readonly extraSecurityGroupIds?: readonly string[];
  /** keep one per controller to skip DescribeInstances for known nodes */
  readonly instanceCache?: InstanceEniCache;
}

// ---------------------------------------------------------------------------------------------------------
// Permissions: one source and one port range each

export type PermissionSource =
  | { readonly groupId: string; readonly userId?: string }
  | { readonly cidr: string }
  | { readonly cidrIpv6: string }
  | { readonly prefixListId: string };

export interface IngressPermission {
  /** "tcp", "udp", or what AWS reports for other rules ("-1", "icmp") */
  readonly protocol: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly source: PermissionSource;
  readonly description?: string;
}

export const sourceKey = (s: PermissionSource): string =>
  'groupId' in s ? `sg:${s.groupId}` : 'cidr' in s ? `cidr:${s.cidr}` : 'cidrIpv6' in s ? `cidr6:${s.cidrIpv6}` : `pl:${s.prefixListId}`;

/** identity of a permission as EC2 sees it: the description does not count */
export const permissionKey = (p: IngressPermission): string =>
  `${p.protocol}|${p.fromPort ?? ''}|${p.toPort ?? ''}|${sourceKey(p.source)}`;

/** whether a description carries our label ("k=v" pairs separated by commas, as upstream encodes labels) */
export const isLabelled = (description: string | undefined): boolean =>
  (description ?? '').split(',').some((kv) => kv.trim() === NETWORKING_RULE_DESCRIPTION);

const PROTOCOLS: Readonly<Record<string, string>> = { tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp', all: '-1', '-1': '-1' };
const normProtocol = (p: string | undefined): string => PROTOCOLS[(p ?? '-1').toLowerCase()] ?? (p ?? '-1').toLowerCase();

/** the ingress permissions a security group has, one per source */
export function observedPermissions(sg: SecurityGroup): IngressPermission[] {
  const out: IngressPermission[] = [];
  for (const p of sg.IpPermissions ?? []) {
    const protocol = normProtocol(p.IpProtocol);
    const ports = protocol === '-1' ? {} : {
      ...(p.FromPort !== undefined ? { fromPort: p.FromPort } : {}),
      ...(p.ToPort !== undefined ? { toPort: p.ToPort } : {}),
    };
    const add = (source: PermissionSource, description: string | undefined): void => {
      out.push({ protocol, ...ports, source, ...(description !== undefined ? { description } : {}) });
    };
    for (const r of p.IpRanges ?? []) if (r.CidrIp) add({ cidr: r.CidrIp }, r.Description);
    for (const r of p.Ipv6Ranges ?? []) if (r.CidrIpv6) add({ cidrIpv6: r.CidrIpv6 }, r.Description);
    for (const g of p.UserIdGroupPairs ?? []) if (g.GroupId) add({ groupId: g.GroupId, ...(g.UserId ? { userId: g.UserId } : {}) }, g.Description);
    for (const l of p.PrefixListIds ?? []) if (l.PrefixListId) add({ prefixListId: l.PrefixListId }, l.Description);
  }
  return out;
}

export interface BindingPermissions {
  readonly permissions: IngressPermission[];
  /** why some rules could not be turned into permissions */
  readonly problems: string[];
  /** sourceKey of every source the rules name, including rules whose ports are a problem */
  readonly sources: Set<string>;
  /** some source could not be read (an unresolved group reference): it could be any group */
  readonly unknownSource: boolean;
}

/** the permissions one binding asks for (labelled), or why some of its rules cannot be turned into permissions */
export function bindingPermissions(networking: BindingNetworking | undefined): BindingPermissions {
  const permissions: IngressPermission[] = [];
  const problems: string[] = [];
  const sources = new Set<string>();
  let unknownSource = false;
  for (const [i, rule] of (networking?.ingress ?? []).entries()) {
    // unresolved (see resolveNetworkingPorts): nothing is opened, never every port
    const ports = rule.ports ?? [];
    for (const peer of rule.from ?? []) {
      let source: PermissionSource;
      if ('securityGroup' in peer) {
        const id = peer.securityGroup?.groupID;
        if (typeof id !== 'string' || !/^sg-[0-9a-z]+$/.test(id)) {
          problems.push(`ingress[${i}]: security group "${String(id)}" is not a resolved sg- ID`);
          unknownSource = true;
          continue;
        }
        source = { groupId: id };
      } else {
        const cidr = peer.ipBlock?.cidr;
        if (typeof cidr !== 'string' || !cidr.includes('/')) { problems.push(`ingress[${i}]: "${String(cidr)}" is not a CIDR`); continue; }
        source = cidr.includes(':') ? { cidrIpv6: cidr } : { cidr };
      }
      sources.add(sourceKey(source));
      for (const port of ports) {
        const protocol = (port.protocol ?? 'TCP').toLowerCase();
        const range = portRange(port.port);
        if (typeof range === 'string') { problems.push(`ingress[${i}]: ${range}`); continue; }
        permissions.push({ protocol, fromPort: range[0], toPort: range[1], source, description: NETWORKING_RULE_DESCRIPTION });
      }
    }
  }
  return { permissions, problems, sources, unknownSource };
}

function portRange(port: number | string | undefined): [number, number] | string {
  // never every port: a shared node security group would be open to the source on all of them
  if (port === undefined || port === '') return 'a rule without a port must be resolved to the targets\' ports before networking rules are applied';
  const n = typeof port === 'number' ? port : /^\d+$/.test(port) ? Number(port) : NaN;
  if (Number.isNaN(n)) return `named port "${String(port)}" must be resolved to a number before networking rules are applied`;
  if (!Number.isInteger(n) || n < 0 || n > 65535) return `port ${String(port)} is out of range`;
  return [n, n];
}

/**
 * spec.networking with every port a number. Upstream documents an empty `ports` (and a port entry without
 * `port`) as every TCP port; here they mean the ports the traffic uses: the targets' ports and the target
 * group's health-check port (`trafficPorts`). A named port becomes the targets' ports. No targets yet: no port.
 */
export function resolveNetworkingPorts(networking: BindingNetworking | undefined, targetPorts: readonly number[], trafficPorts: readonly number[] = targetPorts): BindingNetworking | undefined {
  if (!networking) return networking;
  const each = (protocol: 'TCP' | 'UDP' | undefined, ports: readonly number[]) => ports.map((port) => ({ protocol: protocol ?? 'TCP' as const, port }));
  return {
    ...networking,
    ingress: (networking.ingress ?? []).map((rule) => ({
      ...rule,
      ports: rule.ports?.length
        ? rule.ports.flatMap((p) => {
          if (p.port === undefined || p.port === '') return each(p.protocol, trafficPorts);
          if (typeof p.port === 'string' && !/^\d+$/.test(p.port)) return each(p.protocol, targetPorts);
          return [p];
        })
        : each('TCP', trafficPorts),
    })),
  };
}

/** the security group rules go to for one ENI, or why there is no single one */
export function selectSecurityGroup(eni: EniInfo, clusterTagged: ReadonlySet<string>): { groupId: string } | { error: string } {
  const groups = [...new Set(eni.securityGroupIds)];
  if (groups.length === 1) return { groupId: groups[0] as string };
  if (groups.length === 0) return { error: `ENI ${eni.networkInterfaceId} has no security group` };
  const tagged = groups.filter((g) => clusterTagged.has(g));
  if (tagged.length === 1) return { groupId: tagged[0] as string };
  return {
    error: tagged.length === 0
      ? `ENI ${eni.networkInterfaceId} has ${groups.length} security groups (${groups.join(', ')}) and none carries the cluster tag`
      : `ENI ${eni.networkInterfaceId} has ${tagged.length} security groups with the cluster tag (${tagged.join(', ')}); expected exactly one`,
  };
}

/**
 * Upstream's aggregation on one security group (computeRestrictedIngressPermissionsPerSG): the permissions from the
 * same source security group and protocol become one, from the lowest to the highest port any of them needs (all
 * ports when one needs all). Permissions from a CIDR or prefix list stay as they are.
 */
export function coalescePermissions(perms: readonly IngressPermission[]): IngressPermission[] {
  const out: IngressPermission[] = [];
  const bySource = new Map<string, IngressPermission>();
  for (const p of perms) {
    if (!('groupId' in p.source)) { out.push(p); continue; }
    const k = `${p.protocol}|${sourceKey(p.source)}`;
    const seen = bySource.get(k);
    const from = Math.min(p.fromPort ?? 0, seen?.fromPort ?? 65535);
    const to = Math.max(p.toPort ?? 65535, seen?.toPort ?? 0);
    bySource.set(k, { ...(seen ?? p), fromPort: from, toPort: to });
  }
  return [...out, ...[...bySource.values()].sort((a, b) => (permissionKey(a) < permissionKey(b) ? -1 : 1))];
}

/** what to write to one group: authorize desired permissions it lacks; revoke labelled ones nobody wants */
export function diffPermissions(desired: readonly IngressPermission[], observed: readonly IngressPermission[]): { authorize: IngressPermission[]; revoke: IngressPermission[] } {
  const have = new Set(observed.map(permissionKey));
  const want = new Map<string, IngressPermission>();
  for (const p of desired) if (!want.has(permissionKey(p))) want.set(permissionKey(p), p);
  return {
    // an identical unlabelled permission already lets the traffic in, and EC2 would refuse a second one
    authorize: [...want.entries()].filter(([k]) => !have.has(k)).map(([, p]) => p),
    revoke: observed.filter((p) => isLabelled(p.description) && !want.has(permissionKey(p))),
  };
}

/** SDK IpPermissions for a list of permissions, grouped by protocol and port range */
export function toIpPermissions(perms: readonly IngressPermission[]): IpPermission[] {
  const byRange = new Map<string, IpPermission>();
  for (const p of perms) {
    const k = `${p.protocol}|${p.fromPort ?? ''}|${p.toPort ?? ''}`;
    let ip = byRange.get(k);
    if (!ip) {
      ip = { IpProtocol: p.protocol, ...(p.fromPort !== undefined ? { FromPort: p.fromPort } : {}), ...(p.toPort !== undefined ? { ToPort: p.toPort } : {}) };
      byRange.set(k, ip);
    }
    const d = p.description !== undefined ? { Description: p.description } : {};
    const s = p.source;
    if ('groupId' in s) (ip.UserIdGroupPairs ??= []).push({ GroupId: s.groupId, ...(s.userId ? { UserId: s.userId } : {}), ...d });
    else if ('cidr' in s) (ip.IpRanges ??= []).push({ CidrIp: s.cidr, ...d });
    else if ('cidrIpv6' in s) (ip.Ipv6Ranges ??= []).push({ CidrIpv6: s.cidrIpv6, ...d });
    else (ip.PrefixListIds ??= []).push({ PrefixListId: s.prefixListId, ...d });
  }
  return [...byRange.values()];
}

// ---------------------------------------------------------------------------------------------------------
// Results

export interface NetworkingError {
  /** the binding, when the problem is one binding's */
  readonly binding?: string;
  readonly target?: string;
  readonly networkInterfaceId?: string;
  readonly securityGroupId?: string;
  /** set when an EC2 write to securityGroupId failed: which one */
  readonly operation?: 'authorize' | 'revoke';
  readonly message: string;
}

export interface SecurityGroupChange {
  readonly groupId: string;
  readonly authorized: readonly IngressPermission[];
  readonly revoked: readonly IngressPermission[];
}

export interface ReconcileNetworkingResult {
  /** every group looked at, sorted */
  readonly securityGroups: readonly string[];
  /** the groups that were written to */
  readonly changes: readonly SecurityGroupChange[];
  readonly authorized: number;
  readonly revoked: number;
  /** EC2 write calls made (Authorize/Revoke) */
  readonly writeCalls: number;
  /** targets that could not be placed behind one group, bad rules, failed writes; nothing is thrown for these */
  readonly errors: readonly NetworkingError[];
  /**
   * true when errors made the desired set incomplete: then only labelled permissions whose source no binding
   * names were revoked (none at all when a source could not be read); the others wait for a clean run
   */
  readonly revocationsHeld: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// The reconcile

export async function reconcileNetworking(input: ReconcileNetworkingInput): Promise<ReconcileNetworkingResult> {
  const { ec2, clusterName } = input;
  const errors: NetworkingError[] = [];

  // bindings with rules and targets; the rest contribute nothing and need no lookup
  const active: { binding: NetworkingBinding; permissions: IngressPermission[] }[] = [];
  const namedSources = new Set<string>();
  let unknownSource = false;
  for (const b of input.bindings) {
    const { permissions, problems, sources, unknownSource: unknown } = bindingPermissions(b.networking);
    for (const message of problems) errors.push({ binding: b.key, message });
    for (const k of sources) namedSources.add(k);
    unknownSource ||= unknown;
    if (permissions.length > 0 && b.targets.length > 0) active.push({ binding: b, permissions });
  }

  // 1. targets → ENIs, and the cluster-tagged groups, all reads at once
  const instanceIds = new Set<string>();
  const ips = new Set<string>();
  for (const { binding } of active) for (const t of binding.targets) (binding.targetType === 'ip' ? ips : instanceIds).add(t.id);
  const [byInstance, byIp, tagged] = await Promise.all([
    instanceEnis(ec2, [...instanceIds], input.instanceCache),
    ipEnis(ec2, [...ips], input.vpcId),
    describeSecurityGroups(ec2, { filters: [
      { Name: 'tag-key', Values: [clusterTagKey(clusterName)] },
      ...(input.vpcId ? [{ Name: 'vpc-id', Values: [input.vpcId] }] : []),
    ] }),
  ]);
  const groups = new Map<string, SecurityGroup>();
  for (const sg of tagged) if (sg.GroupId) groups.set(sg.GroupId, sg);
  const taggedIds = new Set(groups.keys());

  // 2-3. ENI → group, and the desired permissions per group
  const desired = new Map<string, IngressPermission[]>();
  for (const { binding, permissions } of active) {
    const reached = new Set<string>();
    for (const t of binding.targets) {
      const eni = (binding.targetType === 'ip' ? byIp : byInstance).get(t.id);
      if (!eni) {
        errors.push({ binding: binding.key, target: t.id, message: binding.targetType === 'ip' ? `no network interface holds IP ${t.id}` : `instance ${t.id} has no primary network interface` });
        continue;
      }
      const sel = selectSecurityGroup(eni, taggedIds);
      if ('error' in sel) errors.push({ binding: binding.key, target: t.id, networkInterfaceId: eni.networkInterfaceId, message: sel.error });
      else reached.add(sel.groupId);
    }
    for (const g of reached) {
      const list = desired.get(g) ?? [];
      list.push(...permissions);
      desired.set(g, list);
    }
  }

  for (const [g, list] of desired) desired.set(g, coalescePermissions(list));

  // groups reached or named but not tagged: one more read
  const missing = [...new Set([...desired.keys(), ...(input.extraSecurityGroupIds ?? [])])].filter((g) => !groups.has(g));
  if (missing.length > 0) {
    for (const sg of await describeSecurityGroups(ec2, { filters: [{ Name: 'group-id', Values: missing }] })) if (sg.GroupId) groups.set(sg.GroupId, sg);
  }
  for (const g of desired.keys()) if (!groups.has(g)) errors.push({ securityGroupId: g, message: `security group ${g} was not found` });

  // 4. per group: authorize the missing, revoke the stale labelled ones. After an error the desired set is
  // incomplete: only permissions from a source no binding names at all are sure to be stale.
  const revocationsHeld = errors.length > 0;
  const sureStale = (p: IngressPermission): boolean => !revocationsHeld || (!unknownSource && !namedSources.has(sourceKey(p.source)));
  const changes: SecurityGroupChange[] = [];
  let writeCalls = 0;
  for (const groupId of [...groups.keys()].sort()) {
    const sg = groups.get(groupId) as SecurityGroup;
    const diff = diffPermissions(desired.get(groupId) ?? [], observedPermissions(sg));
    const revoke = diff.revoke.filter(sureStale);
    if (diff.authorize.length === 0 && revoke.length === 0) continue;
    // the two writes are independent: a failed authorize does not hold back the revocation of stale rules
    const write = async (operation: 'authorize' | 'revoke', perms: readonly IngressPermission[]): Promise<readonly IngressPermission[]> => {
      if (perms.length === 0) return [];
      try {
        writeCalls += await writeIdempotent(ec2, operation, groupId, perms);
        return perms;
      } catch (err) {
        errors.push({ securityGroupId: groupId, operation, message: `${groupId}: ${operation}: ${awsErrorCodeOf(err)}: ${err instanceof Error ? err.message : String(err)}` });
        return [];
      }
    };
    const authorized = await write('authorize', diff.authorize);
    const revoked = await write('revoke', revoke);
    if (authorized.length > 0 || revoked.length > 0) changes.push({ groupId, authorized, revoked });
  }
  return {
    securityGroups: [...groups.keys()].sort(),
    changes,
    authorized: changes.reduce((n, c) => n + c.authorized.length, 0),
    revoked: changes.reduce((n, c) => n + c.revoked.length, 0),
    writeCalls,
    errors,
    revocationsHeld,
  };
}

async function instanceEnis(ec2: EC2Client, ids: readonly string[], cache: InstanceEniCache | undefined): Promise<Map<string, EniInfo>> {
  const out = new Map<string, EniInfo>();
  const unknown: string[] = [];
  for (const id of ids) {
    const hit = cache?.get(id);
    if (hit) out.set(id, hit);
    else unknown.push(id);
  }
  if (unknown.length === 0) return out;
  for (const inst of await describeInstancesByIds(ec2, unknown)) {
    const eni = primaryEni(inst);
    if (!inst.InstanceId || !eni) continue;
    out.set(inst.InstanceId, eni);
    cache?.set(inst.InstanceId, eni);
  }
  return out;
}

async function ipEnis(ec2: EC2Client, ips: readonly string[], vpcId: string | undefined): Promise<Map<string, EniInfo>> {
  const out = new Map<string, EniInfo>();
  if (ips.length === 0) return out;
  const wanted = new Set(ips);
  for (const eni of await describeEnisByPrivateIps(ec2, ips, vpcId)) {
    for (const ip of eni.privateIps) if (wanted.has(ip)) out.set(ip, eni);
  }
  return out;
}

/**
 * One Authorize/Revoke call for all the permissions of a group. EC2 rejects the whole call when one permission
 * is already there (InvalidPermission.Duplicate) or already gone (InvalidPermission.NotFound, or
 * InvalidGroup.NotFound: the group, or the source group of the rule, no longer exists); then each permission is
 * sent alone and that error counts as success. Returns the number of calls made.
 */
async function writeIdempotent(ec2: EC2Client, op: 'authorize' | 'revoke', groupId: string, perms: readonly IngressPermission[]): Promise<number> {
  const benign = new Set(op === 'authorize' ? ['InvalidPermission.Duplicate'] : ['InvalidPermission.NotFound', 'InvalidGroup.NotFound']);
  const send = (ps: readonly IngressPermission[]) => {
    const input = { GroupId: groupId, IpPermissions: toIpPermissions(ps) };
    return op === 'authorize'
      ? ec2.send(new AuthorizeSecurityGroupIngressCommand(input))
      : ec2.send(new RevokeSecurityGroupIngressCommand(input));
  };
  try {
    await send(perms);
    return 1;
  } catch (err) {
    if (!benign.has(awsErrorCodeOf(err))) throw err;
    if (perms.length === 1) return 1;
  }
  let calls = 1;
  for (const p of perms) {
    calls++;
    try {
      await send([p]);
    } catch (err) {
      if (!benign.has(awsErrorCodeOf(err))) throw err;
    }
  }
  return calls;
}

// ---------------------------------------------------------------------------------------------------------
// Teardown helpers

/** the bindings minus one (a binding being deleted), for the level-triggered call its finalizer makes */
export const bindingsWithout = (bindings: readonly NetworkingBinding[], key: string): NetworkingBinding[] =>
  bindings.filter((b) => b.key !== key);

export interface RevokeFromSourcesInput {
  readonly ec2: EC2Client;
  /** the groups about to be deleted (e.g. the managed load balancer security group) */
  readonly sourceGroupIds: readonly string[];
  readonly vpcId?: string;
}

/**
 * Revokes every labelled ingress permission, in any group, whose source is one of the given groups: what must
 * go before those groups can be deleted (else DependencyViolation). Unlabelled permissions stay. One
 * DescribeSecurityGroups (filter ip-permission.group-id), then one Revoke per group that has any.
 */
export async function revokeRulesFromSources(input: RevokeFromSourcesInput): Promise<{ revoked: number; writeCalls: number; securityGroups: string[] }> {
  const sources = new Set(input.sourceGroupIds);
  if (sources.size === 0) return { revoked: 0, writeCalls: 0, securityGroups: [] };
  const sgs = await describeSecurityGroups(input.ec2, { filters: [
    { Name: 'ip-permission.group-id', Values: [...sources] },
    ...(input.vpcId ? [{ Name: 'vpc-id', Values: [input.vpcId] }] : []),
  ] });
  let revoked = 0;
  let writeCalls = 0;
  const touched: string[] = [];
  for (const sg of sgs) {
    if (!sg.GroupId) continue;
    const stale = observedPermissions(sg).filter((p) => isLabelled(p.description) && 'groupId' in p.source && sources.has(p.source.groupId));
    if (stale.length === 0) continue;
    writeCalls += await writeIdempotent(input.ec2, 'revoke', sg.GroupId, stale);
    revoked += stale.length;
    touched.push(sg.GroupId);
  }
  return { revoked, writeCalls, securityGroups: touched.sort() };
}
