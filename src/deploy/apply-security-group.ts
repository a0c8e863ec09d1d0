// SecurityGroup (the managed frontend group): create with TagSpecifications, ingress by rule diff,
// delete with retries while ENIs still use it, adoption after InvalidGroup.Duplicate.
import {
  AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, CreateTagsCommand, DeleteSecurityGroupCommand,
  DeleteTagsCommand, DescribeSecurityGroupsCommand, RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { revokeRulesFromSources } from '../targets/networking.ts';
import type { SecurityGroupRule, SecurityGroupSpec } from '../model/index.ts';
import { ApplyError } from './apply-types.ts';
import type { ApplyChange } from './apply-types.ts';
import type { ApplyContext } from './apply-context.ts';
import { existingArn, keyOf, observedBefore, remember, resolvedAfter, tagDiff } from './apply-context.ts';
import { assertAdoptable, assertOwned, differsFor, fromSdkTags, isAwsError, retryWhile, toSdkTags, unless } from './apply-support.ts';
import type { Resolved } from './apply-support.ts';
import { fromIpPermissions, ruleKey, toIpPermission } from './sdk-shapes.ts';

type Spec = Resolved<SecurityGroupSpec>;

export async function applySecurityGroup(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  switch (change.action) {
    case 'noop': return;
    case 'create': return createSecurityGroup(change, ctx);
    case 'update': return updateSecurityGroup(change, ctx);
    case 'delete': return deleteSecurityGroup(change, ctx, existingArn(change));
    case 'replace': {
      const oldId = existingArn(change);
      assertOwned(observedBefore<SecurityGroupSpec>(change).tags, ctx.clusterName, keyOf(change), 'replace it');
      await createSecurityGroup(change, ctx);
      ctx.deferred.push({ resource: keyOf(change), run: () => deleteSecurityGroup(change, ctx, oldId) });
      return;
    }
  }
}

async function createSecurityGroup(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  const spec = resolvedAfter<SecurityGroupSpec>(ctx, change);
  let groupId: string | undefined;
  try {
    const out = await ctx.ec2.send(new CreateSecurityGroupCommand({
      GroupName: spec.groupName,
      Description: spec.description,
      VpcId: spec.vpcId,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: toSdkTags(spec.tags) }],
    }));
    groupId = out.GroupId;
    if (groupId) await syncIngress(ctx, groupId, [], spec.ingress);
  } catch (err) {
    if (!isAwsError(err, 'InvalidGroup.Duplicate')) throw err;
    groupId = await adoptSecurityGroup(change, spec, ctx);
  }
  if (!groupId) throw new ApplyError('AwsError', `${keyOf(change)}: CreateSecurityGroup returned no GroupId`, { resource: keyOf(change) });
  remember(ctx, change, { arn: groupId, groupId });
}

async function adoptSecurityGroup(change: ApplyChange, spec: Spec, ctx: ApplyContext): Promise<string> {
  const key = keyOf(change);
  const out = await ctx.ec2.send(new DescribeSecurityGroupsCommand({
    Filters: [{ Name: 'group-name', Values: [spec.groupName] }, { Name: 'vpc-id', Values: [spec.vpcId] }],
  }));
  const found = out.SecurityGroups?.[0];
  if (!found?.GroupId) throw new ApplyError('AdoptionConflict', `${key}: InvalidGroup.Duplicate, but no group named ${spec.groupName} was found`, { resource: key });
  const tags = fromSdkTags(found.Tags);
  assertAdoptable(tags, ctx.clusterName, ctx.stackId, change.id, key);
  ctx.log.info('adopting security group left by an earlier apply', { resource: key, groupId: found.GroupId });
  await syncIngress(ctx, found.GroupId, fromIpPermissions(found.IpPermissions), spec.ingress);
  await syncTags(ctx, found.GroupId, tags, spec);
  return found.GroupId;
}

async function updateSecurityGroup(change: ApplyChange, ctx: ApplyContext): Promise<void> {
  const key = keyOf(change);
  const groupId = existingArn(change);
  const before = observedBefore<SecurityGroupSpec>(change) as Spec;
  assertOwned(before.tags, ctx.clusterName, key, 'update it');
  const after = resolvedAfter<SecurityGroupSpec>(ctx, change);
  for (const f of ['vpcId'] as const) {
    if (before[f] !== after[f]) throw new ApplyError('ImmutableField', `${key}: ${f} cannot change in place; the plan should replace it`, { resource: key });
  }
  const differs = differsFor(change.fields);
  if (differs('ingress', () => true)) await syncIngress(ctx, groupId, before.ingress, after.ingress);
  if (differs('tags', () => true)) await syncTags(ctx, groupId, before.tags, after);
  remember(ctx, change, { arn: groupId, groupId });
}

async function syncIngress(ctx: ApplyContext, groupId: string, current: readonly SecurityGroupRule[], desired: readonly SecurityGroupRule[]): Promise<void> {
  const have = new Set(current.map(ruleKey));
  const want = new Set(desired.map(ruleKey));
  const add = desired.filter((r) => !have.has(ruleKey(r)));
  const drop = current.filter((r) => !want.has(ruleKey(r)));
  if (add.length) {
    await unless(() => ctx.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: add.map(toIpPermission) })), 'InvalidPermission.Duplicate');
  }
  if (drop.length) {
    await unless(() => ctx.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: drop.map(toIpPermission) })), 'InvalidPermission.NotFound');
  }
}

async function syncTags(ctx: ApplyContext, groupId: string, current: Spec['tags'], desired: Spec): Promise<void> {
  const d = tagDiff(ctx, current, desired.tags);
  if (Object.keys(d.add).length) await ctx.ec2.send(new CreateTagsCommand({ Resources: [groupId], Tags: toSdkTags(d.add) }));
  if (d.remove.length) await ctx.ec2.send(new DeleteTagsCommand({ Resources: [groupId], Tags: d.remove.map((Key) => ({ Key })) }));
}

async function deleteSecurityGroup(change: ApplyChange, ctx: ApplyContext, groupId: string): Promise<void> {
  const key = keyOf(change);
  assertOwned(observedBefore<SecurityGroupSpec>(change).tags, ctx.clusterName, key, 'delete it');
  // node/pod groups still allow traffic from this group through our labelled rules; while they do, EC2 refuses the delete
  await revokeRulesFromSources({ ec2: ctx.ec2, sourceGroupIds: [groupId] });
  try {
    await retryWhile(() => ctx.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })), ['DependencyViolation'], ctx.timing.securityGroupDeleteTimeoutMs, ctx.timing, key);
  } catch (err) {
    if (!isAwsError(err, 'InvalidGroup.NotFound')) throw err;
  }
  if (ctx.resources.get(key)?.arn === groupId) ctx.resources.delete(key);
}
