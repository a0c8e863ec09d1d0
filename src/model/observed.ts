// What exists in AWS for one stack, as read by deploy/observe (live) or loaded from a JSON file (the
// plan command). Specs use the same types as the desired ones, with every reference already an ARN.
// Listeners and rules are read through their load balancer, so they belong to it whether or not they
// carry tags; everything else here carried this cluster's and this stack's tags when read.
import type { ListenerRuleSpec, ListenerSpec, LoadBalancerSpec, SecurityGroupSpec, TargetGroupSpec, Tags } from './elbv2.ts';

export interface Observed<S> {
  readonly arn: string;
  /** all tags on the resource, including the ownership tags */
  readonly tags: Tags;
  readonly spec: S;
}

export interface ObservedLoadBalancer extends Observed<LoadBalancerSpec> {
  readonly dnsName: string;
  readonly canonicalHostedZoneId?: string;
  /** every attribute AWS reported, not only the ones a user set */
  readonly attributes: Readonly<Record<string, string>>;
  /** the Shield Advanced protection of the load balancer, read only when the desired stack sets shield-advanced-protection */
  readonly shieldProtection?: { readonly id: string; readonly name: string };
}

export interface ObservedListener extends Observed<ListenerSpec> {
  readonly loadBalancerArn: string;
}

export interface ObservedListenerRule extends Observed<ListenerRuleSpec> {
  readonly listenerArn: string;
}

export interface ObservedTargetGroup extends Observed<TargetGroupSpec> {
  /** every attribute AWS reported */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface ObservedSecurityGroup extends Observed<SecurityGroupSpec> {
  /** the group ID (sg-…); `arn` holds the same for uniformity */
  readonly groupId: string;
}

export interface ObservedState {
  readonly loadBalancers: readonly ObservedLoadBalancer[];
  readonly listeners: readonly ObservedListener[];
  /** non-default rules only */
  readonly rules: readonly ObservedListenerRule[];
  readonly targetGroups: readonly ObservedTargetGroup[];
  readonly securityGroups: readonly ObservedSecurityGroup[];
}

export const emptyObservedState = (): ObservedState => ({ loadBalancers: [], listeners: [], rules: [], targetGroups: [], securityGroups: [] });
