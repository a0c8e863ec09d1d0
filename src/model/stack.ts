// A Stack is the desired state of one IngressGroup (an ALB) or one Service (an NLB): every resource, keyed
// by kind and logical ID. The logical ID is also the value of the resource tag (`ingress.k8s.aws/resource`,
// or `service.k8s.aws/resource` for a Service stack), which is how observed resources are matched to desired ones.
import type { ResourceKind } from './refs.ts';
import type { ListenerRuleSpec, ListenerSpec, LoadBalancerSpec, SecurityGroupSpec, TargetGroupSpec } from './elbv2.ts';
import type { TargetGroupBindingSpec } from './k8s.ts';

interface ResourceOf<K extends ResourceKind, S> {
  readonly kind: K;
  /** logical ID, unique within kind: "LoadBalancer", "80", "80:1", "ns/ing-svc:80", "ManagedLBSecurityGroup" */
  readonly id: string;
  readonly spec: S;
}

export type LoadBalancer = ResourceOf<'LoadBalancer', LoadBalancerSpec>;
export type Listener = ResourceOf<'Listener', ListenerSpec>;
export type ListenerRule = ResourceOf<'ListenerRule', ListenerRuleSpec>;
export type TargetGroup = ResourceOf<'TargetGroup', TargetGroupSpec>;
export type TargetGroupBinding = ResourceOf<'TargetGroupBinding', TargetGroupBindingSpec>;
export type SecurityGroup = ResourceOf<'SecurityGroup', SecurityGroupSpec>;

export type Resource = LoadBalancer | Listener | ListenerRule | TargetGroup | TargetGroupBinding | SecurityGroup;

/** whose stack it is: an IngressGroup's or a Service's. Their tag keys differ; their IDs may be equal ("ns/name"). */
export type StackFamily = 'ingress' | 'service';

export interface Stack {
  /** IngressGroup ID: the explicit group name, or "namespace/name" for an implicit group; Service: "namespace/name" */
  readonly id: string;
  /** absent: 'ingress' */
  readonly family?: StackFamily;
  /** members in group order, as "namespace/name" */
  readonly members: readonly string[];
  readonly resources: readonly Resource[];
}

export const resourceKey = (r: { kind: ResourceKind; id: string }): string => `${r.kind}/${r.id}`;

export function findResource<K extends Resource['kind']>(stack: Stack, kind: K, id: string): Extract<Resource, { kind: K }> | undefined {
  return stack.resources.find((r): r is Extract<Resource, { kind: K }> => r.kind === kind && r.id === id);
}
