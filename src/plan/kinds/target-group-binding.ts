// TargetGroupBinding (a Kubernetes object, matched by namespace/name among the stack's bindings).
// Target group ARN, target type, IP address type and VPC are immutable (upstream's validating webhook),
// so a change there replaces the binding: delete first, since the new one has the same name. The webhook
// fills vpcID in, so it is compared only when the desired spec sets it.
import type { TargetGroupBindingSpec } from '../../model/k8s.ts';
import { diffAttributes, diffFields } from '../compare.ts';
import type { FieldDiff } from '../types.ts';
import type { Resolver } from '../values.ts';

export const bindingKey = (s: Pick<TargetGroupBindingSpec, 'namespace' | 'name'>): string => `${s.namespace}/${s.name}`;

export function bindingDiffs(d: TargetGroupBindingSpec, o: TargetGroupBindingSpec, resolve: Resolver): FieldDiff[] {
  return [
    ...diffFields([
      { path: 'targetGroupARN', desired: d.targetGroupARN, observed: o.targetGroupARN, forcesReplacement: true },
      { path: 'targetType', desired: d.targetType, observed: o.targetType, forcesReplacement: true },
      { path: 'ipAddressType', desired: d.ipAddressType, observed: o.ipAddressType, forcesReplacement: true },
      { path: 'vpcID', desired: d.vpcID, observed: d.vpcID === undefined ? undefined : o.vpcID, forcesReplacement: true },
      { path: 'serviceRef', desired: d.serviceRef, observed: o.serviceRef },
      { path: 'nodeSelector', desired: d.nodeSelector, observed: o.nodeSelector },
      { path: 'networking', desired: d.networking, observed: o.networking },
    ], resolve),
    // labels others add are left alone
    ...diffAttributes('labels', d.labels, o.labels ?? {}),
  ];
}
