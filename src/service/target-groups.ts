// One target group and one TargetGroupBinding per listener (upstream's model_build_target_group.go): target type,
// port, health check, attributes, and the binding's networking rules for the node and pod security groups.
import type { V1ServicePort } from '@kubernetes/client-node';
import {
  type ArnOrRef, type HealthCheck, type Known, LABEL_SERVICE_STACK_NAME, LABEL_SERVICE_STACK_NAMESPACE, type NetworkProtocol, type Scheme,
  type TargetGroup, type TargetGroupBinding, type TargetGroupBindingSpec, type TargetType, ref, stackTags, unknown,
} from '../model/index.ts';
import { compareStrings } from '../ingress/snapshot.ts';
import { bool } from '../ingress/annotations/values.ts';
import { TEMPLATED, readTemplated, targetGroupAttributes, templated } from './annotations.ts';
import { type ServiceContext, report, servicePorts } from './context.ts';
import type { ChosenSubnets, IpAddressType, SecurityGroupPlan } from './load-balancer.ts';
import { nlbTargetGroupId, nlbTargetGroupName } from './naming.ts';

/** instance or ip for every port of the Service, or undefined after an Issue */
export function targetTypeOf(ctx: ServiceContext): TargetType | undefined {
  const { a, config, svc } = ctx;
  const wanted = a.targetType ?? config.defaultTargetType;
  if (wanted === 'ip' && !config.gates.enableIPTargetType) {
    report(ctx, 'aws-load-balancer-nlb-target-type', 'InvalidAnnotation', 'ip targets are switched off (feature gate EnableIPTargetType=false)');
    return undefined;
  }
  if (a.loadBalancerType === 'nlb-ip' || wanted === 'ip') return 'ip';
  const type = svc.spec?.type ?? 'ClusterIP';
  if (type === 'ClusterIP') {
    report(ctx, 'spec.type', 'InvalidServiceType', 'instance targets need type NodePort or LoadBalancer; set aws-load-balancer-nlb-target-type: ip for a ClusterIP Service');
    return undefined;
  }
  return 'instance';
}

const isUdpLike = (p: NetworkProtocol): boolean => p === 'UDP' || p === 'TCP_UDP' || p === 'QUIC' || p === 'TCP_QUIC';
const isDual = (p: NetworkProtocol): boolean => p === 'TCP_UDP' || p === 'TCP_QUIC';

/** the health-check defaults, and the "Local" set for instance targets of a LoadBalancer Service with externalTrafficPolicy Local */
function healthCheckOf(ctx: ServiceContext, targetType: TargetType): HealthCheck | undefined {
  const { a, svc, config } = ctx;
  const local = targetType === 'instance' && svc.spec?.externalTrafficPolicy === 'Local' && svc.spec?.type === 'LoadBalancer';
  let defaultPort = 'traffic-port';
  if (local) {
    const hcNodePort = svc.spec?.healthCheckNodePort;
    if (!hcNodePort) {
      if (a.healthcheckPort === undefined) {
        report(ctx, 'spec.healthCheckNodePort', 'NodePortNotAllocated', 'externalTrafficPolicy Local needs spec.healthCheckNodePort for the health check; it is not allocated yet');
        return undefined;
      }
    } else defaultPort = String(hcNodePort);
  }
  const protocol = a.healthcheckProtocol ?? (local ? 'HTTP' : 'TCP');
  const port = healthCheckPortOf(ctx, a.healthcheckPort ?? defaultPort, targetType);
  if (port === undefined) return undefined;
  const advanced = config.gates.nlbHealthCheckAdvancedConfig;
  const defaultTimeout = local ? 6 : 10;
  return {
    enabled: true,
    port,
    protocol,
    ...(protocol === 'TCP' ? {} : { path: a.healthcheckPath ?? (local ? '/healthz' : '/') }),
    intervalSeconds: a.healthcheckInterval ?? 10,
    timeoutSeconds: advanced ? a.healthcheckTimeout ?? defaultTimeout : defaultTimeout,
    healthyThresholdCount: a.healthcheckHealthyThreshold ?? (local ? 2 : 3),
    unhealthyThresholdCount: a.healthcheckUnhealthyThreshold ?? (local ? 2 : 3),
    ...(protocol !== 'TCP' && advanced ? { matcher: { httpCode: a.healthcheckSuccessCodes ?? '200-399' } } : {}),
  };
}

/** traffic-port, a number, or a Service port name (its NodePort for instance targets, its numeric targetPort for ip) */
function healthCheckPortOf(ctx: ServiceContext, raw: string, targetType: TargetType): string | undefined {
  if (raw === 'traffic-port' || /^\d+$/.test(raw)) return raw;
  const key = 'aws-load-balancer-healthcheck-port';
  const named = servicePorts(ctx.svc).find((p) => p.name === raw);
  if (!named) {
    report(ctx, key, 'InvalidAnnotation', `"${raw}" is not the name of a port of this Service`);
    return undefined;
  }
  if (targetType === 'instance') {
    if (named.nodePort) return String(named.nodePort);
    report(ctx, key, 'NodePortNotAllocated', `port "${raw}" has no nodePort yet`);
    return undefined;
  }
  const tp = named.targetPort ?? named.port;
  if (typeof tp === 'number' || /^\d+$/.test(tp)) return String(tp);
  report(ctx, key, 'InvalidAnnotation', `port "${raw}" maps to the named targetPort "${tp}", which ip targets cannot use for health checks; give a number`);
  return undefined;
}

/** proxy_protocol_v2.enabled is always set (false unless asked); then global, per-port, proxy-protocol annotations */
function attributesOf(ctx: ServiceContext, port: V1ServicePort): Record<string, string> | undefined {
  const { a } = ctx;
  const attrs: Record<string, string> = { 'proxy_protocol_v2.enabled': 'false', ...(a.targetGroupAttributes ?? {}) };
  if (templated(ctx.obj, TEMPLATED.targetGroupAttributesPerPort).has(String(port.port))) {
    const perPort = readTemplated(ctx.obj, TEMPLATED.targetGroupAttributesPerPort, String(port.port), targetGroupAttributes);
    if (perPort.issue) { ctx.issues.push(perPort.issue); return undefined; }
    // an empty value keeps the Service-wide one
    for (const [k, v] of Object.entries(perPort.value ?? {})) if (v !== '') attrs[k] = v;
  }
  if (a.proxyProtocolPerTargetGroup) attrs['proxy_protocol_v2.enabled'] = String(a.proxyProtocolPerTargetGroup.includes(port.port));
  if (a.proxyProtocol === '*') attrs['proxy_protocol_v2.enabled'] = 'true';
  if (attrs['proxy_protocol_v2.enabled'] === '') delete attrs['proxy_protocol_v2.enabled'];
  return Object.fromEntries(Object.entries(attrs).sort(([x], [y]) => compareStrings(x, y)));
}

export interface TargetGroupInput {
  readonly port: V1ServicePort;
  readonly protocol: NetworkProtocol;
  readonly targetType: TargetType;
  readonly scheme: Scheme;
  readonly ipType: IpAddressType;
  readonly subnets: ChosenSubnets;
  readonly securityGroups: SecurityGroupPlan;
  readonly sourceRanges: readonly string[];
}

export interface BuiltTargetGroup {
  readonly targetGroup: TargetGroup;
  readonly binding: TargetGroupBinding;
}

export function targetGroupOf(ctx: ServiceContext, t: TargetGroupInput): BuiltTargetGroup | undefined {
  const { svc, config } = ctx;
  const { port } = t;
  const before = ctx.issues.length;
  let tgPort: number;
  /** the port on the targets, as the binding gives it: a NodePort, or the targetPort (possibly a name) */
  let bindingPort: number | string;
  if (t.targetType === 'instance') {
    if (!port.nodePort) {
      const unallocated = svc.spec?.allocateLoadBalancerNodePorts === false;
      report(ctx, 'spec.ports', 'NodePortNotAllocated', `port ${port.port} has no nodePort${unallocated ? ' (allocateLoadBalancerNodePorts is false: set one by hand)' : ' yet'}; instance targets need one`);
      return undefined;
    }
    tgPort = port.nodePort;
    bindingPort = port.nodePort;
  } else {
    const tp = port.targetPort ?? port.port;
    bindingPort = typeof tp === 'string' && /^\d+$/.test(tp) ? Number(tp) : tp;
    // a named targetPort is resolved per pod; the target group's own port is not on the data path (upstream uses 1)
    tgPort = typeof bindingPort === 'number' ? bindingPort : 1;
  }
  const healthCheck = healthCheckOf(ctx, t.targetType);
  const attributes = attributesOf(ctx, port);
  const ipv6 = (svc.spec?.ipFamilies ?? []).includes('IPv6');
  if (ipv6 && t.ipType !== 'dualstack') report(ctx, 'spec.ipFamilies', 'InvalidSpec', 'an IPv6 Service needs a dualstack NLB: set aws-load-balancer-ip-address-type: dualstack');
  if (!healthCheck || !attributes || ctx.issues.length > before) return undefined;
  const id = nlbTargetGroupId(ctx.id, port.port);
  const name = nlbTargetGroupName({
    clusterName: config.clusterName, service: ctx.id, targetGroupPort: tgPort, servicePort: port.port, targetType: t.targetType,
    protocol: t.protocol, healthCheckProtocol: healthCheck.protocol, healthCheckIntervalSeconds: healthCheck.intervalSeconds,
  });
  const ipAddressType = ipv6 ? 'ipv6' : 'ipv4';
  const targetGroup: TargetGroup = {
    kind: 'TargetGroup', id,
    spec: {
      name, targetType: t.targetType, port: tgPort, protocol: t.protocol, ipAddressType,
      vpcId: ctx.facts.vpcId ?? unknown('discovery:vpc'),
      healthCheck, attributes,
      tags: { ...ctx.userTags, ...stackTags(config.clusterName, ctx.stackId, id, 'service') },
    },
  };
  // checked to be a Go boolean by the attribute parser
  const preserveAttr = attributes['preserve_client_ip.enabled'];
  const preserve = preserveAttr === undefined ? undefined : bool(preserveAttr);
  const preserveClientIp = preserve ? preserve.ok && preserve.value : t.targetType === 'instance';
  const networking = t.securityGroups.legacy
    ? legacyNetworking(ctx, t, { tgPort: bindingPort, hcPort: healthCheck.port, preserveClientIp, ipType: ipAddressType })
    : t.securityGroups.peer ? peerNetworking(t.securityGroups.peer, t.protocol, bindingPort, healthCheck.port) : undefined;
  const labels = { [LABEL_SERVICE_STACK_NAMESPACE]: ctx.id.namespace, [LABEL_SERVICE_STACK_NAME]: ctx.id.name };
  const targetNodeLabels = ctx.a.targetNodeLabels;
  const spec: TargetGroupBindingSpec = {
    name, namespace: ctx.id.namespace, labels,
    targetGroupARN: ref('TargetGroup', id),
    targetType: t.targetType,
    serviceRef: { name: ctx.id.name, port: port.port },
    ...(t.targetType === 'instance' && targetNodeLabels && Object.keys(targetNodeLabels).length > 0 ? { nodeSelector: { matchLabels: { ...targetNodeLabels } } } : {}),
    ipAddressType,
    ...(ctx.facts.vpcId ? { vpcID: ctx.facts.vpcId } : {}),
    targetGroupProtocol: t.protocol,
    ...(ctx.a.multiClusterTargetGroup ? { multiClusterTargetGroup: true } : {}),
    ...(networking ? { networking } : {}),
  };
  return { targetGroup, binding: { kind: 'TargetGroupBinding', id, spec } };
}

type Networking = NonNullable<TargetGroupBindingSpec['networking']>;
type NetworkingPort = Networking['ingress'][number]['ports'][number];

const numeric = (p: number | string): number | undefined => (typeof p === 'number' ? p : /^\d+$/.test(p) ? Number(p) : undefined);

/** the NLB has security groups: admit its group on the traffic port (TCP and/or UDP) and on a separate health-check port */
function peerNetworking(peer: ArnOrRef, protocol: NetworkProtocol, tgPort: number | string, hcPort: string): Networking {
  const ports: NetworkingPort[] = [];
  const hcIsTraffic = hcPort === 'traffic-port' || numeric(hcPort) === numeric(tgPort);
  if (!isUdpLike(protocol)) ports.push({ protocol: 'TCP', port: tgPort });
  else {
    ports.push({ protocol: 'UDP', port: tgPort });
    if (isDual(protocol) || hcIsTraffic) ports.push({ protocol: 'TCP', port: tgPort });
  }
  if (!hcIsTraffic) ports.push({ protocol: 'TCP', port: Number(hcPort) });
  return { ingress: [{ from: [{ securityGroup: { groupID: peer } }], ports }] };
}

/**
 * The NLB has no security groups (upstream's legacy mode): the traffic comes from the NLB's subnets, or from the
 * clients themselves when the client IP is preserved (UDP-like protocols always, TCP/TLS when the attribute or
 * instance targets say so): then from the source ranges, else anywhere (internet-facing) or the VPC (internal).
 * A separate health-check rule from the NLB's subnets follows upstream's conditions.
 */
function legacyNetworking(ctx: ServiceContext, t: TargetGroupInput,
  p: { tgPort: number | string; hcPort: string; preserveClientIp: boolean; ipType: 'ipv4' | 'ipv6' }): Networking | undefined {
  const { tgPort, hcPort, preserveClientIp, ipType } = p;
  if (ctx.a.manageBackendSecurityGroupRules === false) return undefined;
  const v6 = ipType === 'ipv6';
  const subnetCidrs: Known<string>[] = t.subnets.facts
    ? t.subnets.facts.flatMap((s) => (v6 ? [...(s.ipv6CidrBlocks ?? [])] : [s.cidrBlock]))
    : [unknown('discovery:subnets')];
  const clientIpKept = isUdpLike(t.protocol) || preserveClientIp;
  let source: Known<string>[] = subnetCidrs;
  let defaultRange = false;
  if (clientIpKept) {
    source = [...t.sourceRanges];
    if (source.length === 0) {
      defaultRange = true;
      if (t.scheme === 'internal') {
        const vpc = v6 ? undefined : ctx.facts.vpcCidrs;
        source = vpc ? [...vpc] : [unknown(v6 ? 'discovery:vpc-ipv6-cidrs' : 'discovery:vpc')];
      } else source = [v6 ? '::/0' : '0.0.0.0/0'];
    }
  }
  const trafficPorts: NetworkingPort[] = isDual(t.protocol) ? [{ protocol: 'TCP', port: tgPort }, { protocol: 'UDP', port: tgPort }]
    : [{ protocol: isUdpLike(t.protocol) ? 'UDP' : 'TCP', port: tgPort }];
  const peers = (cidrs: readonly Known<string>[]) => cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  const ingress: Networking['ingress'][number][] = [{ from: peers(source), ports: trafficPorts }];
  const hcOnTraffic = hcPort === 'traffic-port' || numeric(hcPort) === numeric(tgPort);
  const skipHealthRule = t.protocol !== 'UDP' && hcOnTraffic
    && (!preserveClientIp || defaultRange || source.some((s) => s === '0.0.0.0/0' || s === '::/0'));
  if (!skipHealthRule && subnetCidrs.length > 0) {
    ingress.push({ from: peers(subnetCidrs), ports: [{ protocol: 'TCP', port: hcPort === 'traffic-port' ? tgPort : Number(hcPort) }] });
  }
  return { ingress };
}
