// Target group: target type, protocol, protocol version, port, VPC and IP family force a new group
// (upstream replaces on the first three; AWS cannot modify the others). Health check, attributes and tags
// are changed in place. The name is not compared: matching is by resource tag.
import type { ObservedTargetGroup } from '../../model/observed.ts';
import type { TargetGroupSpec } from '../../model/elbv2.ts';
import { diffAttributes, diffFields, diffTags, type FieldRule } from '../compare.ts';
import { RANK, type TaggedKind } from './kind.ts';

const REPLACE_FIELDS = ['targetType', 'protocol', 'protocolVersion', 'port', 'vpcId', 'ipAddressType'] as const;

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
    return [...diffFields(rules, resolve), ...diffAttributes('attributes', d.attributes, o.attributes), ...diffTags(d.tags, o.tags, tags)];
  },
  before: (o) => ({ ...o.spec, attributes: o.attributes, tags: o.tags }),
  refValue: (o, field) => (field === 'arn' ? o.arn : undefined),
};
