// State shared by the per-kind appliers during one applyPlan call.
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { resourceKey } from '../model/index.ts';
import type { Ref, ResourceKind } from '../model/index.ts';
import { ApplyError } from './apply-types.ts';
import type { ApplyChange, ApplyLogger, BindingWriter, OidcClientReader, TargetGroupCreated } from './apply-types.ts';
import { diffTags, resolveRefs } from './apply-support.ts';
import type { Resolved, ResolvedResource, ResolvedTiming, TagDiff } from './apply-support.ts';
import type { Tags } from '../model/index.ts';
import type { RulePriorityBook } from './apply-listener-rule.ts';
import type { AddonClients } from '../aws/clients.ts';

export interface ApplyContext {
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly ec2: EC2Client;
  readonly clusterName: string;
  /** --external-managed-tags: never added or removed */
  readonly externalManagedTags: readonly string[];
  readonly stackId: string;
  readonly kube?: BindingWriter;
  readonly log: ApplyLogger;
  readonly timing: ResolvedTiming;
  /** resource key → what Refs to it resolve to */
  readonly resources: Map<string, ResolvedResource>;
  readonly rules: RulePriorityBook;
  readonly oidcClients?: OidcClientReader;
  /** WAF and Shield clients (each built on first use); required when a plan sets a web ACL or protection */
  readonly addons?: AddonClients;
  /** delete this controller's Shield protection of a load balancer before deleting it (--enable-shield) */
  readonly shieldOnDelete?: boolean;
  /** what apply skipped and the members should hear about (a Warning Event each) */
  readonly warnings: string[];
  readonly onTargetGroupCreated?: TargetGroupCreated;
  /** deletes of replaced resources, run after every other change (create-before-destroy) */
  readonly deferred: { readonly resource: string; readonly run: () => Promise<void> }[];
}

export const keyOf = (c: { kind: ResourceKind; id: string }): string => resourceKey(c);

export function lookupRef(ctx: ApplyContext, ref: Ref): string | undefined {
  const r = ctx.resources.get(resourceKey(ref.$ref));
  if (!r) return undefined;
  if (ref.field === 'dnsName') return r.dnsName;
  if (ref.field === 'groupId') return r.groupId ?? r.arn;
  return r.arn;
}

/** The change's desired spec with Refs resolved. */
export function resolvedAfter<S>(ctx: ApplyContext, change: ApplyChange): Resolved<S> {
  const key = keyOf(change);
  if (change.after === undefined) throw new ApplyError('InvalidChange', `${key}: ${change.action} without a desired spec`, { resource: key });
  return resolveRefs(change.after as S, (r) => lookupRef(ctx, r), key);
}

/** The change's observed spec (ARNs only). */
export function observedBefore<S>(change: ApplyChange): S {
  const key = keyOf(change);
  if (change.before === undefined) throw new ApplyError('InvalidChange', `${key}: ${change.action} without the observed spec`, { resource: key });
  return change.before as S;
}

export function existingArn(change: ApplyChange): string {
  if (!change.arn) {
    const key = keyOf(change);
    throw new ApplyError('InvalidChange', `${key}: ${change.action} without the ARN of the existing resource`, { resource: key });
  }
  return change.arn;
}

export function remember(ctx: ApplyContext, change: { kind: ResourceKind; id: string }, r: ResolvedResource): void {
  ctx.resources.set(keyOf(change), r);
}

export const tagDiff = (ctx: ApplyContext, current: Tags | undefined, desired: Tags | undefined): TagDiff =>
  diffTags(current, desired, ctx.clusterName, ctx.externalManagedTags);
