// TargetGroup: create (health check, matcher and tags in the call), in-place updates, delete with
// retries while a listener or rule still uses it, adoption after DuplicateTargetGroupName.
import {
  CreateTargetGroupCommand, DeleteTargetGroupCommand, DeregisterTargetsCommand, RegisterTargetsCommand, DescribeTagsCommand, DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand, ModifyTargetGroupAttributesCommand, ModifyTargetGroupCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ProtocolEnum, TargetGroup as SdkTargetGroup, TargetGroupIpAddressTypeEnum, TargetTypeEnum } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Attributes, HealthCheck, TargetGroupSpec } from '../model/index.ts';
import { ApplyError } from './apply-types.ts';
import type { ApplyChange } from './apply-types.ts';
import type { ApplyContext } from './apply-context.ts';
import { existingArn, keyOf, observedBefore, remember, resolvedAfter, tagDiff } from './apply-context.ts';
import { assertAdoptable, assertOwned, differsFor, fromSdkTags, isAwsError, retryWhile, sameValue, toSdkTags, unless } from './apply-support.ts';
import type { Differs, Resolved } from './apply-support.ts';
import { differingAttributes, syncElbTags } from './apply-load-balancer.ts';
import { toSdkHealthCheck } from './sdk-shapes.ts';

type Spec = Resolved<TargetGroupSpec>;

// The name is not compared: matching is by resource tag, so a group upstream named differently is kept.
const IMMUTABLE = ['targetType', 'port', 'protocol', 'protocolVersion', 'vpcId', 'ipAddressType'] as const;

export async function applyTargetGroup(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  switch (change.action) {
    case 'noop': return;
    case 'create': return createTargetGroup(change, ctx);
    case 'update': return updateTargetGroup(change, ctx);
    case 'delete': return deleteTargetGroup(change, ctx, existingArn(change));
    case 'replace': return replaceTargetGroup(change, ctx);
  }
}

async function createTargetGroup(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  const spec = resolvedAfter<TargetGroupSpec>(ctx, change);
  let arn: string | undefined;
  try {
    const out = await ctx.elbv2.send(new CreateTargetGroupCommand({
      Name: spec.name,
      TargetType: spec.targetType as TargetTypeEnum,
      Protocol: spec.protocol as ProtocolEnum,
      ...(spec.protocolVersion ? { ProtocolVersion: spec.protocolVersion } : {}),
      Port: spec.port,
      VpcId: spec.vpcId,
      IpAddressType: spec.ipAddressType as TargetGroupIpAddressTypeEnum,
      ...toSdkHealthCheck(spec.healthCheck),
      ...(spec.targetControlPort !== undefined ? { TargetControlPort: spec.targetControlPort } : {}),
      Tags: toSdkTags(spec.tags),
    }));
    const created = out.TargetGroups?.[0];
    arn = created?.TargetGroupArn;
    if (created && arn) ctx.onTargetGroupCreated?.(created, spec.tags);
    if (arn && Object.keys(spec.attributes).length) await modifyAttributes(ctx, arn, spec.attributes);
    if (arn && spec.albTarget) await registerAlb(ctx, arn, spec.albTarget);
  } catch (err) {
    if (!isAwsError(err, 'DuplicateTargetGroupName')) throw err;
    arn = await adoptTargetGroup(change, spec, ctx);
  }
  if (!arn) throw new ApplyError('AwsError', `${keyOf(change)}: CreateTargetGroup returned no ARN`, { resource: keyOf(change) });
  remember(ctx, change, { arn });
}

/** A crashed earlier apply created it: take it over if it carries our tags, then converge it. */
async function adoptTargetGroup(change: ApplyChange, spec: Spec, ctx: ApplyContext): Promise<string> {
  const key = keyOf(change);
  const found = (await ctx.elbv2.send(new DescribeTargetGroupsCommand({ Names: [spec.name] }))).TargetGroups?.[0];
  if (!found?.TargetGroupArn) throw new ApplyError('AdoptionConflict', `${key}: DuplicateTargetGroupName, but no target group named ${spec.name} was found`, { resource: key });
  const arn = found.TargetGroupArn;
  const tags = fromSdkTags((await ctx.elbv2.send(new DescribeTagsCommand({ ResourceArns: [arn] }))).TagDescriptions?.[0]?.Tags);
  assertAdoptable(tags, ctx.clusterName, ctx.stackId, change.id, key);
  const current = fromSdkTargetGroup(found, spec);
  for (const f of IMMUTABLE) {
    if (!sameValue(current[f], spec[f])) {
      throw new ApplyError('AdoptionConflict', `${key}: target group ${spec.name} exists with ${f}=${String(current[f])}, wanted ${String(spec[f])}`, { resource: key });
    }
  }
  ctx.log.info('adopting target group left by an earlier apply', { resource: key, arn });
  const attrs = await ctx.elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }));
  const currentAttrs = Object.fromEntries((attrs.Attributes ?? []).filter((a) => a.Key).map((a) => [a.Key as string, a.Value ?? '']));
  await converge(ctx, arn, { ...current, attributes: currentAttrs, tags }, spec, differsFor(undefined));
  return arn;
}

function fromSdkTargetGroup(tg: SdkTargetGroup, fallback: Spec): Spec {
  const hc: HealthCheck = {
    enabled: tg.HealthCheckEnabled ?? fallback.healthCheck.enabled,
    port: tg.HealthCheckPort ?? fallback.healthCheck.port,
    protocol: (tg.HealthCheckProtocol ?? fallback.healthCheck.protocol) as HealthCheck['protocol'],
    ...(tg.HealthCheckPath ?? fallback.healthCheck.path ? { path: tg.HealthCheckPath ?? fallback.healthCheck.path } : {}),
    intervalSeconds: tg.HealthCheckIntervalSeconds ?? fallback.healthCheck.intervalSeconds,
    timeoutSeconds: tg.HealthCheckTimeoutSeconds ?? fallback.healthCheck.timeoutSeconds,
    healthyThresholdCount: tg.HealthyThresholdCount ?? fallback.healthCheck.healthyThresholdCount,
    unhealthyThresholdCount: tg.UnhealthyThresholdCount ?? fallback.healthCheck.unhealthyThresholdCount,
    ...(fallback.healthCheck.matcher
      ? { matcher: { ...(tg.Matcher?.HttpCode ? { httpCode: tg.Matcher.HttpCode } : {}), ...(tg.Matcher?.GrpcCode ? { grpcCode: tg.Matcher.GrpcCode } : {}) } } : {}),
  };
  return {
    ...fallback,
    name: tg.TargetGroupName ?? fallback.name,
    targetType: (tg.TargetType ?? fallback.targetType) as Spec['targetType'],
    port: tg.Port ?? fallback.port,
    protocol: (tg.Protocol ?? fallback.protocol) as Spec['protocol'],
    ...(tg.ProtocolVersion ?? fallback.protocolVersion ? { protocolVersion: (tg.ProtocolVersion ?? fallback.protocolVersion) as Spec['protocolVersion'] } : {}),
    vpcId: tg.VpcId ?? fallback.vpcId,
    ipAddressType: (tg.IpAddressType ?? fallback.ipAddressType) as Spec['ipAddressType'],
    healthCheck: hc,
  };
}

async function updateTargetGroup(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  const key = keyOf(change);
  const arn = existingArn(change);
  const before = observedBefore<TargetGroupSpec>(change) as Spec;
  assertOwned(before.tags, ctx.clusterName, key, 'update it');
  const after = resolvedAfter<TargetGroupSpec>(ctx, change);
  for (const f of IMMUTABLE) {
    if (!sameValue(before[f], after[f])) {
      throw new ApplyError('ImmutableField', `${key}: ${f} cannot change in place (${String(before[f])} → ${String(after[f])}); the plan should replace it`, { resource: key });
    }
  }
  await converge(ctx, arn, before, after, differsFor(change.fields));
  remember(ctx, change, { arn });
}

async function converge(ctx: ApplyContext, arn: string, current: Spec, desired: Spec, differs: Differs): Promise<void> {
  if (differs('healthCheck', () => !sameValue(current.healthCheck, desired.healthCheck))) {
    await ctx.elbv2.send(new ModifyTargetGroupCommand({ TargetGroupArn: arn, ...toSdkHealthCheck(desired.healthCheck) }));
  }
  const changed = differingAttributes(current.attributes, desired.attributes);
  if (Object.keys(changed).length && differs('attributes', () => true)) await modifyAttributes(ctx, arn, changed);
  if (differs('tags', () => true)) await syncElbTags(ctx, arn, tagDiff(ctx, current.tags, desired.tags));
  if (desired.albTarget && differs('albTarget', () => !sameAlbTarget(current.albTarget, desired.albTarget))) {
    if (current.albTarget) await ctx.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [albTargetDescription(current.albTarget)] }));
    await registerAlb(ctx, arn, desired.albTarget);
  }
}

type ResolvedAlbTarget = NonNullable<Spec['albTarget']>;
const albTargetDescription = (t: ResolvedAlbTarget): { Id: string; Port: number } => ({ Id: String(t.loadBalancer), Port: t.port });
const sameAlbTarget = (a: ResolvedAlbTarget | undefined, b: ResolvedAlbTarget | undefined): boolean =>
  a?.loadBalancer === b?.loadBalancer && a?.port === b?.port;

/** a frontend NLB's target group: its one target is the ALB, on an ALB listener port (the plan ordered the listener first) */
async function registerAlb(ctx: ApplyContext, arn: string, target: ResolvedAlbTarget): Promise<void> {
  await ctx.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [albTargetDescription(target)] }));
}

async function deleteTargetGroup(change: ApplyChange, ctx: ApplyContext, arn: string): Promise<void> {
  const key = keyOf(change);
  const before = observedBefore<TargetGroupSpec>(change);
  assertOwned(before.tags, ctx.clusterName, key, 'delete it');
  // already gone (deleted by hand, or by an apply that stopped after the call) is what was asked for
  await unless(() => retryWhile(() => ctx.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn })), ['ResourceInUse'], ctx.timing.targetGroupDeleteTimeoutMs, ctx.timing, key), 'TargetGroupNotFound');
  if (ctx.resources.get(key)?.arn === arn) ctx.resources.delete(key);
}

/** Create-before-destroy: the old group is deleted after every other change has moved off it. */
async function replaceTargetGroup(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  const oldArn = existingArn(change);
  const before = observedBefore<TargetGroupSpec>(change);
  assertOwned(before.tags, ctx.clusterName, keyOf(change), 'replace it');
  const after = change.after as TargetGroupSpec | undefined;
  if (after && after.name === before.name) {
    // Same name: AWS cannot hold both, so the old one must go first (the plan put this after its users moved).
    await deleteTargetGroup(change, ctx, oldArn);
    return createTargetGroup(change, ctx);
  }
  await createTargetGroup(change, ctx);
  ctx.deferred.push({ resource: keyOf(change), run: () => deleteTargetGroup(change, ctx, oldArn) });
}

async function modifyAttributes(ctx: ApplyContext, arn: string, attrs: Attributes): Promise<void> {
  await ctx.elbv2.send(new ModifyTargetGroupAttributesCommand({
    TargetGroupArn: arn,
    Attributes: Object.entries(attrs).map(([Key, Value]) => ({ Key, Value })),
  }));
}
