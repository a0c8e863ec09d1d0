// Checkpoints: what a successful reconcile of a stack converged to, as one hash, so a later reconcile that
// would compute the same hash can skip reading the stack in full (ADR 0013).
//
// A stack's checkpoint covers what decides its plan and what the inventory shows of it for free:
//   - the controller (format and package version) and the settings the planner takes (cluster, external tags);
//   - the desired stack, every resource and value (facts such as subnets and certificates included);
//   - the identity of what it owns: the load balancer, target group and security group ARNs the inventory
//     lists for it, and its TargetGroupBindings (name → target group ARN).
// After an apply the same identity is computed from the apply's result, so the next reconcile of an unchanged
// stack matches without reading anything below the load balancer. A hand edit of what the inventory lists (a
// deleted load balancer or target group, a new one) changes the identity; an edit below it (a listener, a rule,
// an attribute) is found by the drift rotation. The descriptions the listing shows (load balancer subnets and
// security groups, target group health checks, security group rules) are compared in memory between listings
// (listedDigest), which catches edits of those every pass.
import { createHash } from 'node:crypto';
import pkg from '../../package.json' with { type: 'json' };
import type { Stack } from '../model/index.ts';
import { isRef } from '../model/refs.ts';
import type { ListedResources, StackInventory } from './inventory.ts';

/** bump when the builder, the planner or apply would act differently on the same inputs */
export const CHECKPOINT_FORMAT = 1;

/** what a stack owns, by kind, each list sorted */
export interface StackIdentity {
  readonly loadBalancerArns: readonly string[];
  readonly targetGroupArns: readonly string[];
  readonly securityGroupIds: readonly string[];
  /** "namespace/name=targetGroupARN" of each binding that is not being deleted */
  readonly bindings: readonly string[];
}

export interface CheckpointSettings {
  readonly clusterName: string;
  readonly externalManagedTags: readonly string[];
}

const sorted = (xs: Iterable<string>): string[] => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** JSON with object keys sorted, so equal values always hash alike */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : stableJson(x))).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('base64url');

/** the checkpoint of a desired stack over what it owns */
export function stackCheckpoint(stack: Stack, identity: StackIdentity, settings: CheckpointSettings): string {
  const version = `${CHECKPOINT_FORMAT}/${pkg.version}`;
  return `${version}/${sha256(stableJson([settings.clusterName, sorted(settings.externalManagedTags), stack, identity]))}`;
}

/** a binding as the identity names it */
export const bindingIdentity = (namespace: string, name: string, targetGroupArn: string): string => `${namespace}/${name}=${targetGroupArn}`;

/** what the inventory and the cluster show a stack to own now */
export function observedIdentity(entry: StackInventory, bindings: readonly string[]): StackIdentity {
  return {
    loadBalancerArns: sorted(entry.loadBalancerArns), targetGroupArns: sorted(entry.targetGroupArns), securityGroupIds: sorted(entry.securityGroupIds),
    bindings: sorted(bindings),
  };
}

/**
 * what a stack owns after a successful apply: `arns` is the apply result's "Kind/id" → ARN (group ID for security
 * groups) of every resource that exists afterwards; the bindings are the desired ones with their target group
 * references resolved
 */
export function appliedIdentity(stack: Stack, arns: ReadonlyMap<string, string>): StackIdentity {
  const ofKind = (kind: string): string[] => [...arns].filter(([k]) => k.startsWith(`${kind}/`)).map(([, arn]) => arn);
  const bindings: string[] = [];
  for (const r of stack.resources) {
    if (r.kind !== 'TargetGroupBinding') continue;
    const target = r.spec.targetGroupARN;
    const arn = isRef(target) ? arns.get(`${target.$ref.kind}/${target.$ref.id}`) : target;
    if (typeof arn === 'string') bindings.push(bindingIdentity(r.spec.namespace, r.spec.name, arn));
  }
  return {
    loadBalancerArns: sorted(ofKind('LoadBalancer')), targetGroupArns: sorted(ofKind('TargetGroup')),
    securityGroupIds: sorted(ofKind('SecurityGroup')), bindings: sorted(bindings),
  };
}

/**
 * A digest of the descriptions a listing shows of a stack, fields that only change when someone changes them:
 * load balancer scheme, subnets and security groups; target group protocol, port and health check, and the load
 * balancers that use it; security group rules. Volatile fields (state, created time) are left out.
 */
export function listedDigest(listed: ListedResources): string {
  const lbs = listed.loadBalancers.map((l) => ({
    arn: l.LoadBalancerArn, scheme: l.Scheme, type: l.Type, ip: l.IpAddressType,
    subnets: sorted((l.AvailabilityZones ?? []).map((z) => z.SubnetId ?? '')), sgs: sorted(l.SecurityGroups ?? []),
  }));
  const tgs = listed.targetGroups.map((t) => ({
    arn: t.TargetGroupArn, protocol: t.Protocol, port: t.Port, version: t.ProtocolVersion, type: t.TargetType, ip: t.IpAddressType,
    hc: [t.HealthCheckEnabled, t.HealthCheckProtocol, t.HealthCheckPort, t.HealthCheckPath, t.HealthCheckIntervalSeconds,
      t.HealthCheckTimeoutSeconds, t.HealthyThresholdCount, t.UnhealthyThresholdCount, t.Matcher?.HttpCode, t.Matcher?.GrpcCode],
    lbs: sorted(t.LoadBalancerArns ?? []),
  }));
  const sgs = listed.securityGroups.map((s) => ({ id: s.GroupId, rules: sorted((s.IpPermissions ?? []).map(stableJson)) }));
  const byKey = <T extends { arn?: string | undefined; id?: string | undefined }>(xs: T[]): T[] => xs.sort((a, b) => ((a.arn ?? a.id ?? '') < (b.arn ?? b.id ?? '') ? -1 : 1));
  return sha256(stableJson([byKey(lbs), byKey(tgs), byKey(sgs)]));
}
