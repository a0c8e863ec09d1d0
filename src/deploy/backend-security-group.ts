// The cluster's shared backend security group in AWS (upstream's `k8s-traffic-<cluster>-<hash>`): found by its
// tags in the VPC, created with them in the create call, its tags kept in step as upstream does, and deleted.
// Which stacks need it, and when it may go, is decided by the controller (controllers/backend-security-group.ts).
//
// Cost: find 1 DescribeSecurityGroups; create 1 CreateSecurityGroup; release 1 DescribeLoadBalancers per 400 load
// balancers + 1 DescribeSecurityGroups (rules that name it) + DeleteSecurityGroup.
import { CreateSecurityGroupCommand, CreateTagsCommand, DeleteSecurityGroupCommand, DeleteTagsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describeSecurityGroups } from '../aws/ec2.ts';
import { describeLoadBalancers } from '../aws/elbv2.ts';
import { BACKEND_SG_RESOURCE, TAG_CLUSTER, TAG_SHARED_RESOURCE, type Tags } from '../model/index.ts';
import { revokeRulesFromSources } from '../targets/networking.ts';
import { diffTags, fromSdkTags, isAwsError, toSdkTags } from './apply-support.ts';

export interface BackendSecurityGroupSpec {
  readonly clusterName: string;
  readonly vpcId: string;
  /** backendSecurityGroupName(clusterName) */
  readonly name: string;
  readonly description: string;
  /** backendSecurityGroupTags(clusterName, --default-tags) */
  readonly tags: Tags;
  /** --external-managed-tags: never added or removed */
  readonly externalManagedTags?: readonly string[];
}

export interface FoundBackendSecurityGroup {
  readonly groupId: string;
  readonly name: string;
  readonly tags: Tags;
}

/**
 * The group tagged as this cluster's backend group in the VPC, as upstream looks for it (by tags, not by name).
 * Two such groups should not exist; if they do, the one with the expected name wins, then the lowest ID.
 */
export async function findBackendSecurityGroup(ec2: EC2Client, spec: Pick<BackendSecurityGroupSpec, 'clusterName' | 'vpcId' | 'name'>): Promise<FoundBackendSecurityGroup | undefined> {
  const groups = await describeSecurityGroups(ec2, { filters: [
    { Name: 'vpc-id', Values: [spec.vpcId] },
    { Name: `tag:${TAG_CLUSTER}`, Values: [spec.clusterName] },
    { Name: `tag:${TAG_SHARED_RESOURCE}`, Values: [BACKEND_SG_RESOURCE] },
  ] });
  const found = groups
    .filter((g) => g.GroupId)
    .map((g) => ({ groupId: g.GroupId as string, name: g.GroupName ?? '', tags: fromSdkTags(g.Tags) }))
    .sort((a, b) => Number(b.name === spec.name) - Number(a.name === spec.name) || (a.groupId < b.groupId ? -1 : 1));
  return found[0];
}

/** a security group of the backend group's name exists in the VPC without the tags that make it ours */
export class BackendSecurityGroupConflictError extends Error {
  readonly code = 'BackendSecurityGroupConflict';
  constructor(name: string, vpcId: string, groupId: string | undefined) {
    super(`security group ${name}${groupId ? ` (${groupId})` : ''} exists in ${vpcId} but does not carry ${TAG_CLUSTER} and ${TAG_SHARED_RESOURCE}=${BACKEND_SG_RESOURCE}; `
      + 'tag it so (it becomes the shared backend group), delete it, or give --backend-security-group');
    this.name = 'BackendSecurityGroupConflictError';
  }
}

/**
 * The backend group's ID: the tagged one if it exists (its tags brought in step, as upstream), else a new one with
 * the tags in the create call, so a crash right after leaves a group the next call finds.
 */
export async function ensureBackendSecurityGroup(ec2: EC2Client, spec: BackendSecurityGroupSpec): Promise<{ groupId: string; created: boolean }> {
  const found = await findBackendSecurityGroup(ec2, spec);
  if (found) {
    await syncTags(ec2, found, spec);
    return { groupId: found.groupId, created: false };
  }
  try {
    const out = await ec2.send(new CreateSecurityGroupCommand({
      GroupName: spec.name, Description: spec.description, VpcId: spec.vpcId,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: toSdkTags(spec.tags) }],
    }));
    if (!out.GroupId) throw new Error(`CreateSecurityGroup ${spec.name} returned no GroupId`);
    return { groupId: out.GroupId, created: true };
  } catch (err) {
    if (!isAwsError(err, 'InvalidGroup.Duplicate')) throw err;
    // created meanwhile (found by tags now), or a group of that name that is not ours
    const again = await findBackendSecurityGroup(ec2, spec);
    if (again) return { groupId: again.groupId, created: false };
    const named = await describeSecurityGroups(ec2, { filters: [{ Name: 'vpc-id', Values: [spec.vpcId] }, { Name: 'group-name', Values: [spec.name] }] });
    throw new BackendSecurityGroupConflictError(spec.name, spec.vpcId, named[0]?.GroupId);
  }
}

async function syncTags(ec2: EC2Client, found: FoundBackendSecurityGroup, spec: BackendSecurityGroupSpec): Promise<void> {
  const d = diffTags(found.tags, spec.tags, spec.clusterName, spec.externalManagedTags);
  if (Object.keys(d.add).length > 0) await ec2.send(new CreateTagsCommand({ Resources: [found.groupId], Tags: toSdkTags(d.add) }));
  if (d.remove.length > 0) await ec2.send(new DeleteTagsCommand({ Resources: [found.groupId], Tags: d.remove.map((Key) => ({ Key })) }));
}

/** the load balancers in the VPC that carry the group (any controller's: none of them may lose it) */
export async function loadBalancersUsing(elbv2: ElasticLoadBalancingV2Client, groupId: string, vpcId: string): Promise<string[]> {
  return (await describeLoadBalancers(elbv2))
    .filter((lb) => lb.VpcId === vpcId && (lb.SecurityGroups ?? []).includes(groupId))
    .map((lb) => lb.LoadBalancerArn ?? '')
    .sort();
}

export type BackendSecurityGroupDeletion =
  | { readonly outcome: 'deleted' | 'gone' }
  /** EC2 refused: something still uses it (an ENI, a rule without our label); try again later */
  | { readonly outcome: 'in-use'; readonly message: string };

/**
 * Deletes the group: first every labelled rule (ours, upstream's) that still names it as a source, as the managed
 * group's delete does; a rule someone added by hand stays, and then EC2 refuses the delete (DependencyViolation).
 * One attempt: the caller decides when to try again, so nobody waits on a group that is still in use.
 */
export async function deleteBackendSecurityGroup(ec2: EC2Client, groupId: string, vpcId: string): Promise<BackendSecurityGroupDeletion> {
  await revokeRulesFromSources({ ec2, sourceGroupIds: [groupId], vpcId });
  try {
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
    return { outcome: 'deleted' };
  } catch (err) {
    if (isAwsError(err, 'InvalidGroup.NotFound')) return { outcome: 'gone' };
    if (isAwsError(err, 'DependencyViolation')) return { outcome: 'in-use', message: err instanceof Error ? err.message : String(err) };
    throw err;
  }
}
