// One Service of type LoadBalancer → one Stack: the NLB, its managed security group, a listener, target group and
// TargetGroupBinding per port. Pure: no I/O, no clock; a user mistake is an Issue on the Service and the Service then
// gets no stack at all (nothing in AWS changes for it).
import type { V1Service } from '@kubernetes/client-node';
import type { AnnotatedObject } from '../ingress/annotations/index.ts';
import { bool } from '../ingress/annotations/values.ts';
import { type Issue, type ObjectRef, type ObservedState, type Resource, type Stack, TAG_SERVICE_RESOURCE } from '../model/index.ts';
import { LOAD_BALANCER_ID } from '../ingress/naming.ts';
import { SERVICE_PREFIX, parseServiceAnnotations } from './annotations.ts';
import type { ServiceContext } from './context.ts';
import { report, servicePorts } from './context.ts';
import { listenersOf } from './listeners.ts';
import {
  type IpAddressType, loadBalancerOf, managedSecurityGroupOf, schemeOf, securityGroupsOf, sourceRangesOf, subnetMappingsOf, subnetsOf,
} from './load-balancer.ts';
import { serviceManagement } from './match.ts';
import { type ServiceId, serviceStackId } from './naming.ts';
import { targetTypeOf } from './target-groups.ts';
import type { ExistingLoadBalancer, ServiceBuildConfig, ServiceBuildInput, ServiceBuildResult } from './types.ts';

export const serviceIdOf = (svc: V1Service): ServiceId => ({
  namespace: svc.metadata?.namespace || 'default', name: svc.metadata?.name ?? '', uid: svc.metadata?.uid ?? '',
});
export const serviceRef = (svc: V1Service): ObjectRef => ({ kind: 'Service', namespace: svc.metadata?.namespace || 'default', name: svc.metadata?.name ?? '' });
const annotated = (svc: V1Service): AnnotatedObject => ({ ref: serviceRef(svc), annotations: svc.metadata?.annotations ?? {} });

/** the empty stack of a Service: planning it deletes everything the Service's stack owns */
export const emptyServiceStack = (svc: V1Service): Stack => ({ id: serviceStackId(serviceIdOf(svc)), family: 'service', members: [], resources: [] });

export function buildServiceStack(input: ServiceBuildInput): ServiceBuildResult {
  const { service: svc, config } = input;
  const m = serviceManagement(svc, { loadBalancerClass: config.loadBalancerClass, serviceTypeLoadBalancerOnly: config.gates.serviceTypeLoadBalancerOnly });
  if (!m.managed && !m.finalizer) return { action: 'ignored', why: m.why };
  if (!m.managed) return teardown(svc);
  const ctxOrIssues = context(input);
  if (!('svc' in ctxOrIssues)) return { action: 'build', issues: ctxOrIssues.issues, notes: [] };
  const ctx = ctxOrIssues;
  const stack = build(ctx);
  return ctx.issues.length > 0 ? { action: 'build', issues: ctx.issues, notes: ctx.notes } : { action: 'build', stack, issues: [], notes: ctx.notes };
}

/**
 * The Issues a managed Service has whatever AWS holds (its annotations' values, its own shape): the controller asks
 * this first and reports them without reading AWS at all. buildServiceStack finds the same ones and more.
 */
export function serviceInputIssues(svc: V1Service, config: ServiceBuildConfig): readonly Issue[] {
  const r = context({ service: svc, config, facts: {} });
  return 'svc' in r ? [] : r.issues;
}

/** deletion protection in aws-load-balancer-attributes holds the teardown (as upstream): the NLB stays, and says why */
function teardown(svc: V1Service): ServiceBuildResult {
  const key = `${SERVICE_PREFIX}aws-load-balancer-attributes`;
  const raw = svc.metadata?.annotations?.[key];
  const parsed = raw === undefined ? undefined : parseServiceAnnotations({ ref: serviceRef(svc), annotations: { [key]: raw } });
  const protectedValue = parsed?.value.loadBalancerAttributes?.['deletion_protection.enabled'];
  const on = protectedValue !== undefined && (() => { const b = bool(protectedValue); return b.ok && b.value; })();
  if (on) {
    const issue: Issue = {
      object: serviceRef(svc), field: key, code: 'DeletionProtected',
      reason: 'deletion_protection.enabled=true: the NLB and its target groups are kept; set it to false (or remove it) to let the controller delete them',
    };
    return { action: 'teardown', issues: [issue], notes: [] };
  }
  return { action: 'teardown', stack: emptyServiceStack(svc), issues: [], notes: [] };
}

function context(input: ServiceBuildInput): ServiceContext | { issues: Issue[] } {
  const { service: svc, config } = input;
  const obj = annotated(svc);
  const parsed = parseServiceAnnotations(obj);
  const issues: Issue[] = [...parsed.issues, ...shapeIssues(svc)];
  const a = parsed.value;
  const extra = a.additionalResourceTags ?? {};
  const external = Object.keys(extra).filter((k) => config.externalManagedTags.includes(k));
  if (external.length > 0) {
    issues.push({ object: obj.ref, field: `${SERVICE_PREFIX}aws-load-balancer-additional-resource-tags`, code: 'InvalidAnnotation',
      reason: `tag key${external.length > 1 ? 's' : ''} ${external.join(', ')} ${external.length > 1 ? 'are' : 'is'} managed outside the controller (--external-managed-tags)` });
  }
  if (issues.length > 0) return { issues };
  const id = serviceIdOf(svc);
  const userTags = config.gates.enableDefaultTagsLowPriority ? { ...config.defaultTags, ...extra } : { ...extra, ...config.defaultTags };
  return {
    svc, id, stackId: serviceStackId(id), ref: obj.ref, obj, a, config, facts: input.facts,
    ...(input.existing ? { existing: input.existing } : {}),
    userTags, issues: [], notes: [],
  };
}

/** what the builder reads from the Service object itself, checked once (manifests given to `plan` may be anything) */
function shapeIssues(svc: V1Service): Issue[] {
  const issue = (field: string, reason: string): Issue => ({ object: serviceRef(svc), field, code: 'InvalidSpec', reason });
  const ports = svc.spec?.ports;
  if (!Array.isArray(ports) || ports.length === 0) return [issue('spec.ports', 'a Service of type LoadBalancer needs at least one port')];
  const out: Issue[] = [];
  ports.forEach((p, i) => {
    if (typeof p !== 'object' || p === null || !Number.isInteger(p.port) || p.port < 1 || p.port > 65535) out.push(issue(`spec.ports[${i}].port`, 'expected a port in [1, 65535]'));
    else if (p.nodePort !== undefined && p.nodePort !== null && !Number.isInteger(p.nodePort)) out.push(issue(`spec.ports[${i}].nodePort`, 'expected an integer'));
  });
  return out;
}

function build(ctx: ServiceContext): Stack | undefined {
  const scheme = schemeOf(ctx);
  const ipType: IpAddressType = ctx.a.ipAddressType ?? 'ipv4';
  const targetType = targetTypeOf(ctx);
  const subnets = subnetsOf(ctx, scheme);
  const securityGroups = securityGroupsOf(ctx);
  const sourceRanges = sourceRangesOf(ctx, ipType);
  if (!targetType || !subnets || !securityGroups || !sourceRanges) return undefined;
  if (securityGroups.legacy && ctx.a.inboundSgRulesOnPrivateLinkTraffic !== undefined) {
    report(ctx, 'aws-load-balancer-inbound-sg-rules-on-private-link-traffic', 'InvalidAnnotation', 'the NLB has no security groups to enforce on PrivateLink traffic');
  }
  const mappings = subnetMappingsOf(ctx, scheme, ipType, subnets);
  const built = listenersOf(ctx, { targetType, scheme, ipType, subnets, securityGroups, sourceRanges });
  if (!built || ctx.issues.length > 0 || servicePorts(ctx.svc).length === 0) return undefined;
  const resources: Resource[] = [];
  if (securityGroups.managed) resources.push(managedSecurityGroupOf(ctx, ipType, sourceRanges));
  resources.push(loadBalancerOf(ctx, { scheme, ipType, subnets, ...(mappings ? { mappings } : {}), securityGroups }));
  resources.push(...built.listeners);
  const tgs = [...built.targetGroups].sort((x, y) => (x.targetGroup.id < y.targetGroup.id ? -1 : 1));
  resources.push(...tgs.map((t) => t.targetGroup), ...tgs.map((t) => t.binding));
  return { id: ctx.stackId, family: 'service', members: [ctx.stackId], resources };
}

/** what the builder needs to know about the live NLB (upstream reads the same by stack tags before it builds) */
export function existingLoadBalancerOf(observed: ObservedState): ExistingLoadBalancer | undefined {
  const lb = observed.loadBalancers.find((l) => l.tags[TAG_SERVICE_RESOURCE] === LOAD_BALANCER_ID);
  if (!lb) return undefined;
  const subnets = Array.isArray(lb.spec.subnets) ? lb.spec.subnets as readonly string[] : [];
  const securityGroups = lb.spec.securityGroups.filter((g): g is string => typeof g === 'string');
  return { scheme: lb.spec.scheme, subnets, securityGroups };
}
