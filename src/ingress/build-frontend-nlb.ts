// The frontend NLB of a group's ALB (enable-frontend-nlb, upstream's model_build_frontend_nlb.go): a network load
// balancer with one TCP listener per ALB listener port (or per frontend-nlb-listener-port-mapping entry), each
// forwarding to a target group of type alb whose one target is the ALB on the mapped port. Built with the Service
// path's NLB pieces (src/service: the network load balancer, the forwarding listener, the NLB value shapes).
// The settings come from the group as one exclusive value (the senior member that sets them keeps them, ADR 6).
import {
  type ArnOrRef, type HealthCheck, type Known, type Listener, type LoadBalancer, type Note, type Resource, type SubnetMapping, type TargetGroup,
  isUnknown, ref, stackTags, unknown,
} from '../model/index.ts';
import { forwardingListener } from '../service/listeners.ts';
import { networkLoadBalancer } from '../service/load-balancer.ts';
import { DEFAULTS, PREFIX } from './annotations/index.ts';
import type { FrontendNlbAnnotations } from './annotations/frontend-nlb.ts';
import { resolveSecurityGroups } from './build-load-balancer.ts';
import type { BuildContext } from './context.ts';
import type { GroupState } from './merge.ts';
import { FRONTEND_NLB_ID, LOAD_BALANCER_ID, frontendNlbName, frontendNlbResourceId, frontendNlbTargetGroupName } from './naming.ts';
import { compareStrings, gateOn } from './snapshot.ts';
import { resolveSubnets } from './subnets.ts';

/** the annotation a group-wide failure is reported on, the code and the reason: the whole group is then held */
export interface FrontendNlbFailure { readonly field: string; readonly code: string; readonly reason: string }

export type FrontendNlbBuild = { readonly resources: readonly Resource[]; readonly notes: readonly Note[] } | { readonly failure: FrontendNlbFailure };

/** the NLB's listener ports and the ALB port each forwards to, in NLB port order */
export function frontendNlbPorts(settings: FrontendNlbAnnotations, albPorts: readonly number[]): { pairs: [number, number][]; skipped: [number, number][] } {
  const mapping = settings.listenerPortMapping;
  const wanted: [number, number][] = mapping ? Object.entries(mapping).map(([nlb, alb]) => [Number(nlb), alb]) : albPorts.map((p) => [p, p]);
  const listened = new Set(albPorts);
  const sorted = wanted.sort(([x], [y]) => x - y);
  return { pairs: sorted.filter(([, alb]) => listened.has(alb)), skipped: sorted.filter(([, alb]) => !listened.has(alb)) };
}

/** upstream's health check for a frontend NLB target group: HTTP on the traffic port, `/`, 15 s, 5 s, 2 / 2, 200 */
export function frontendNlbHealthCheck(s: FrontendNlbAnnotations): HealthCheck {
  return {
    enabled: true,
    port: s.healthcheckPort ?? DEFAULTS.healthcheckPort,
    protocol: s.healthcheckProtocol ?? 'HTTP',
    path: s.healthcheckPath ?? DEFAULTS.healthcheckPath,
    intervalSeconds: s.healthcheckIntervalSeconds ?? DEFAULTS.healthcheckIntervalSeconds,
    timeoutSeconds: s.healthcheckTimeoutSeconds ?? DEFAULTS.healthcheckTimeoutSeconds,
    healthyThresholdCount: s.healthyThresholdCount ?? DEFAULTS.healthyThresholdCount,
    unhealthyThresholdCount: s.unhealthyThresholdCount ?? DEFAULTS.unhealthyThresholdCount,
    matcher: { httpCode: s.successCodes ?? DEFAULTS.successCodes },
  };
}

/**
 * The frontend NLB's resources, or nothing when the group does not enable it. `alb` is the group's ALB,
 * `albListeners` its listeners, `albTags` the user tags the ALB carries (the NLB's when frontend-nlb-tags is unset).
 */
export function buildFrontendNlb(ctx: BuildContext, state: GroupState, alb: LoadBalancer, albListeners: readonly Listener[],
  albTags: Readonly<Record<string, string>>): FrontendNlbBuild {
  const owned = state.frontendNlb;
  const s = owned?.excl.value;
  if (!owned || !s?.enabled) return { resources: [], notes: [] };
  const fail = (suffix: string, code: string, reason: string): FrontendNlbBuild => ({ failure: { field: PREFIX + suffix, code, reason } });
  const { config, facts } = ctx;
  // upstream: the controller's default scheme, not the ALB's
  const scheme = s.scheme ?? config.defaultScheme;
  if (alb.spec.ipAddressType === 'dualstack-without-public-ipv4') {
    return fail('enable-frontend-nlb', 'InvalidAnnotation', 'the ALB is dualstack-without-public-ipv4, which a network load balancer cannot be (AWS: ipv4 or dualstack)');
  }
  const subnets = resolveSubnets(s.subnets ? { kind: 'explicit', nameOrIds: s.subnets } : { kind: 'discover' }, scheme, facts.subnets, {
    clusterName: config.clusterName, clusterTagCheck: gateOn(config, 'SubnetsClusterTagCheck'), minZones: 1, loadBalancer: 'an NLB',
  });
  if (!subnets.ok) return fail('frontend-nlb-subnets', 'SubnetsNotFound', subnets.reason);
  let mappings: SubnetMapping[] | undefined;
  if (s.eipAllocations) {
    if (scheme !== 'internet-facing') return fail('frontend-nlb-eip-allocations', 'InvalidAnnotation', 'Elastic IPs can only be set on an internet-facing NLB');
    if (!isUnknown(subnets.subnets)) {
      const ids = [...subnets.subnets].sort(compareStrings);
      if (ids.length !== s.eipAllocations.length) {
        return fail('frontend-nlb-eip-allocations', 'InvalidAnnotation',
          `gives ${s.eipAllocations.length} Elastic IP(s) for ${ids.length} subnet(s) (${ids.join(', ')}); AWS takes one per subnet`);
      }
      mappings = ids.map((subnetId, i) => ({ subnetId, allocationId: s.eipAllocations?.[i] as string }));
    }
  }
  let securityGroups: readonly Known<ArnOrRef>[] = alb.spec.securityGroups;
  if (s.securityGroups) {
    const r = resolveSecurityGroups(ctx, s.securityGroups);
    if (!r.ok) return fail('frontend-nlb-security-groups', 'SecurityGroupNotFound', r.reason);
    securityGroups = r.groups;
  }
  const userTags = s.tags ?? albTags;
  const tagged = (id: string): Record<string, string> => ({ ...userTags, ...stackTags(config.clusterName, ctx.stackId, id) });
  const nlb = networkLoadBalancer(FRONTEND_NLB_ID, {
    name: frontendNlbName(alb.spec.name),
    scheme, ipAddressType: alb.spec.ipAddressType,
    subnets: isUnknown(subnets.subnets) ? subnets.subnets : [...subnets.subnets].sort(compareStrings),
    securityGroups,
    attributes: Object.fromEntries(Object.entries(s.attributes ?? {}).sort(([x], [y]) => compareStrings(x, y))),
    tags: tagged(FRONTEND_NLB_ID),
    ...(mappings ? { subnetMappings: mappings } : {}),
  });

  const albPorts = albListeners.map((l) => l.spec.port);
  const { pairs, skipped } = frontendNlbPorts(s, albPorts);
  const notes: Note[] = skipped.map(([nlbPort, albPort]) => ({
    object: state.accepted.find((c) => c.member.key === owned.by)?.member.ref ?? { kind: 'Ingress', namespace: '', name: owned.by },
    subject: `${PREFIX}frontend-nlb-listener-port-mapping`,
    message: `NLB port ${nlbPort} is skipped: the ALB does not listen on port ${albPort} (as upstream)`,
  }));
  if (pairs.length === 0) return fail('enable-frontend-nlb', 'InvalidAnnotation', 'the frontend NLB would have no listener: no NLB port maps to a port the ALB listens on');
  const healthCheck = frontendNlbHealthCheck(s);
  const targetGroups: TargetGroup[] = [];
  const listeners: Listener[] = [];
  for (const [nlbPort, albPort] of pairs) {
    const tgId = frontendNlbResourceId('tg', nlbPort);
    const albListener = albListeners.find((l) => l.spec.port === albPort);
    targetGroups.push({
      kind: 'TargetGroup', id: tgId,
      spec: {
        name: frontendNlbTargetGroupName(config.clusterName, ctx.group, nlbPort, healthCheck),
        targetType: 'alb', port: nlbPort, protocol: 'TCP', ipAddressType: 'ipv4',
        vpcId: facts.vpcId ?? unknown('discovery:vpc'),
        healthCheck, attributes: {}, tags: tagged(tgId),
        albTarget: { loadBalancer: ref('LoadBalancer', LOAD_BALANCER_ID), port: albPort, ...(albListener ? { listener: ref('Listener', albListener.id) } : {}) },
      },
    });
    const lsId = frontendNlbResourceId('ls', nlbPort);
    listeners.push(forwardingListener(lsId, { loadBalancer: ref('LoadBalancer', FRONTEND_NLB_ID), port: nlbPort, protocol: 'TCP', targetGroupId: tgId, tags: tagged(lsId) }));
  }
  return { resources: [nlb, ...listeners, ...targetGroups], notes };
}
