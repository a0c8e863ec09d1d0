// Managed security group: found by resource tag; the VPC cannot change in place, ingress rules and tags can.
import type { ObservedSecurityGroup } from '../../model/observed.ts';
import type { SecurityGroupSpec } from '../../model/elbv2.ts';
import { diffFields, diffTags, sortedCopy } from '../compare.ts';
import { RANK, type TaggedKind } from './kind.ts';

export const securityGroupKind: TaggedKind<SecurityGroupSpec, ObservedSecurityGroup> = {
  kind: 'SecurityGroup',
  rank: RANK.SecurityGroup,
  replaceOrder: 'create-first',
  observed: (s) => s.securityGroups,
  // groupName and description are immutable and not used for matching (as upstream): not compared
  diff: (d, o, resolve, tags) => [
    ...diffFields([
      { path: 'vpcId', desired: d.vpcId, observed: o.spec.vpcId, forcesReplacement: true },
      { path: 'ingress', desired: d.ingress, observed: o.spec.ingress, normalize: sortedCopy },
    ], resolve),
    ...diffTags(d.tags, o.tags, tags),
  ],
  before: (o) => ({ ...o.spec, tags: o.tags }),
  refValue: (o, field) => (field === 'groupId' ? o.groupId : field === 'arn' ? o.arn : undefined),
};
