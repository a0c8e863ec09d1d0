// Target group: target type, protocol, protocol version, VPC and IP family force a new group (upstream
// replaces on the first three; AWS cannot modify the others). Health check, attributes and tags are changed
// in place. The name is not compared: matching is by resource tag. A new target control port replaces it too (upstream).
//
// The port is not compared at all: AWS cannot modify it, but targets are registered with their own ports
// (as upstream does), so the target group's port is not on the data path. Replacing on it would create an
// empty group and answer 503 until targets register again, for no benefit; upstream does not replace either.
//
// A replacement is create-first, and target group names are unique per account and region. The name hash
// covers target type, protocol and protocol version (and the ports), so those changes get a new name; a
// change of VPC or IP family alone does not, and the new group could not be created (DuplicateTargetGroupName)
// while its binding, replaced delete-first under the same name, would already have deregistered every target.
// Deleting the old group first is no better: listener rules forward to it and the binding drains it, so traffic
// would stop. The safest plan is none: leave the group as it is and warn, so a person can recreate it.
import type { ObservedTargetGroup } from '../../model/observed.ts';
import type { TargetGroupSpec } from '../../model/elbv2.ts';
import { diffAttributes, diffFields, diffTags, type FieldRule } from '../compare.ts';
import { RANK, type TaggedKind } from './kind.ts';

const REPLACE_FIELDS = ['targetType', 'protocol', 'protocolVersion', 'vpcId', 'ipAddressType'] as const;

/**
 * The target optimizer's control port is set at creation only (AWS cannot modify it), so a change replaces the group,
 * as upstream. The name hashes the port (naming.ts), so a group named as desired was created with the desired port:
 * one AWS does not report (moto never does) is not a difference then, and the group is not replaced on every pass.
 */
function controlPortDiffers(d: TargetGroupSpec, o: ObservedTargetGroup): boolean {
  if (d.targetControlPort === o.spec.targetControlPort) return false;
  return !(o.spec.targetControlPort === undefined && d.name === o.spec.name);
}

export const targetGroupKind: TaggedKind<TargetGroupSpec, ObservedTargetGroup> = {
  kind: 'TargetGroup',
  rank: RANK.TargetGroup,
  replaceOrder: 'create-first',
  observed: (s) => s.targetGroups,
  diff: (d, o, resolve, tags) => {
    const rules: FieldRule[] = REPLACE_FIELDS.map((f) => ({ path: f, desired: d[f], observed: o.spec[f], forcesReplacement: true }));
    for (const key of Object.keys(d.healthCheck).sort() as (keyof TargetGroupSpec['healthCheck'])[]) {
      rules.push({ path: `healthCheck.${key}`, desired: d.healthCheck[key], observed: o.spec.healthCheck[key] });
    }
    if (controlPortDiffers(d, o)) {
      rules.push({ path: 'targetControlPort', desired: d.targetControlPort, observed: o.spec.targetControlPort, forcesReplacement: true });
    }
    // a frontend NLB's target group: the registered ALB and port (observe reads them only when desired names one)
    if (d.albTarget) {
      rules.push({ path: 'albTarget.loadBalancer', desired: d.albTarget.loadBalancer, observed: o.spec.albTarget?.loadBalancer });
      rules.push({ path: 'albTarget.port', desired: d.albTarget.port, observed: o.spec.albTarget?.port });
    }
    return [...diffFields(rules, resolve), ...diffAttributes('attributes', d.attributes, o.attributes), ...diffTags(d.tags, o.tags, tags)];
  },
  replaceBlocked: (d, o) => (d.name === o.spec.name
    ? `a new target group would have the same name (${d.name}), which AWS refuses while the old one exists`
    : undefined),
  before: (o) => ({ ...o.spec, attributes: o.attributes, tags: o.tags }),
  refValue: (o, field) => (field === 'arn' ? o.arn : undefined),
};
