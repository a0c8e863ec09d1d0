// TargetGroupBinding (a Kubernetes object, matched by namespace/name among the stack's bindings).
// Target group ARN, target type, IP address type and VPC are immutable (upstream's validating webhook),
// so a change there replaces the binding: delete first, since the new one has the same name (and the
// deletion deregisters its targets, so a replacement is planned only when it must be).
// vpcID: bindings made by older upstream versions have none, and upstream accepts setting an empty vpcID;
// it is immutable only once set. So it forces replacement only when both sides have one and they differ;
// filling it in is an ordinary update, and a desired spec without one leaves it alone.
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
      // bindings older than upstream's ipAddressType field have none, which upstream reads as ipv4
      { path: 'ipAddressType', desired: d.ipAddressType, observed: o.ipAddressType ?? 'ipv4', forcesReplacement: true },
      { path: 'vpcID', desired: d.vpcID, observed: d.vpcID === undefined ? undefined : o.vpcID, forcesReplacement: o.vpcID !== undefined },
      { path: 'serviceRef', desired: d.serviceRef, observed: o.serviceRef },
      { path: 'nodeSelector', desired: d.nodeSelector, observed: o.nodeSelector },
      { path: 'multiClusterTargetGroup', desired: d.multiClusterTargetGroup ?? false, observed: o.multiClusterTargetGroup ?? false },
      ...(d.targetGroupProtocol !== undefined ? [{ path: 'targetGroupProtocol', desired: d.targetGroupProtocol, observed: o.targetGroupProtocol }] : []),
      { path: 'networking', desired: d.networking, observed: o.networking },
    ], resolve),
    // labels others add are left alone
    ...diffAttributes('labels', d.labels, o.labels ?? {}),
  ];
}
