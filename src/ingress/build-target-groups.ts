// One target group (and its TargetGroupBinding) per (Ingress, Service, port).
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import {
  type HealthCheck, LABEL_STACK, LABEL_STACK_NAME, LABEL_STACK_NAMESPACE, type TargetGroupBindingSpec, type TargetGroupSpec, type TargetType,
  ref, stackTags, unknown,
} from '../model/index.ts';
import { type BackendAnnotations, DEFAULTS, PREFIX, parseBackendAnnotations } from './annotations/index.ts';
import { has, port as portShape, readOne } from './annotations/values.ts';
import { UNSUPPORTED } from './annotations/unsupported.ts';
import { LIMIT_CODE, tagCountProblem } from './aws-limits.ts';
import { type MemberScope, keyValueMap, mergeTags, withDefaultTags } from './context.ts';
import { targetGroupId, targetGroupName } from './naming.ts';
import { problems } from './normalize.ts';
import { annotatedService, gateOn, issue } from './snapshot.ts';

export interface TargetGroupPlan {
  readonly id: string;
  /** the member that owns it ("namespace/name") */
  readonly member: string;
  /** where the backend is written, for Issues found later (e.g. an IPv6 Service on an IPv4 load balancer) */
  readonly field: string;
  readonly spec: TargetGroupSpec;
  readonly binding: Omit<TargetGroupBindingSpec, 'networking'>;
  /** ports on the targets the load balancer must reach: the traffic port, and the health-check port if different */
  readonly targetPorts: readonly (number | string)[];
}

export type TargetGroupResult =
  | { readonly kind: 'ok'; readonly tg: TargetGroupPlan }
  | { readonly kind: 'missing-service' }
  | { readonly kind: 'error' };

const findPort = (svc: V1Service, port: number | string): V1ServicePort | undefined =>
  (svc.spec?.ports ?? []).find((p) => (typeof port === 'number' ? p.port === port : p.name === port));

const parseIntStrict = (s: string): number | undefined => (/^[0-9]+$/.test(s) ? Number(s) : undefined);
/** a port a target group (or its health check) can use: ELBv2 takes 1-65535 */
const isPort = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 65535;

/** Builds (or returns the already built) target group for a backend; Issues go to `sink`. */
export function buildTargetGroup(s: MemberScope, svcName: string, port: number | string, field: string): TargetGroupResult {
  const { ctx, m, tgs: built, sink } = s;
  const ns = m.ref.namespace ?? 'default';
  const id = targetGroupId(ns, m.ref.name, svcName, port);
  const done = built.get(id);
  if (done) return { kind: 'ok', tg: done };
  const svc = ctx.services.get(`${ns}/${svcName}`);
  if (!svc) return { kind: 'missing-service' };
  const broken = problems(svc);
  if (broken.length > 0) {
    for (const p of broken) sink.issues.push(issue(m.ref, field, 'InvalidService', `Service ${ns}/${svcName}: ${p.field}: ${p.reason}`));
    return { kind: 'error' };
  }
  const svcPort = findPort(svc, port);
  if (!svcPort) {
    sink.issues.push(issue(m.ref, field, 'ServicePortNotFound', `Service ${ns}/${svcName} has no port ${typeof port === 'number' ? port : `named "${port}"`}`));
    return { kind: 'error' };
  }
  const parsed = parseBackendAnnotations(m.obj, annotatedService(svc));
  const before = sink.issues.length;
  for (const i of parsed.issues) {
    sink.issues.push(i);
    if (i.object.kind !== 'Ingress') {
      const code = i.code === UNSUPPORTED ? 'UnsupportedServiceAnnotation' : 'InvalidServiceAnnotation';
      sink.issues.push(issue(m.ref, field, code, `Service ${ns}/${svcName}: ${i.field}: ${i.reason}`));
    }
  }
  const b = parsed.value;
  const targetType: TargetType = m.params?.spec.targetType ?? b.targetType ?? ctx.config.defaultTargetType;
  if (targetType === 'ip' && !gateOn(ctx.config, 'EnableIPTargetType')) {
    const from = m.params?.spec.targetType ? `IngressClassParams ${m.params.metadata.name} targetType` : b.targetType ? `${PREFIX}target-type` : '--default-target-type';
    sink.issues.push(issue(m.ref, field, 'InvalidTargetType', `target type ip (from ${from}) is turned off by the feature gate EnableIPTargetType=false; use instance targets`));
    return { kind: 'error' };
  }
  const protocol = b.backendProtocol ?? DEFAULTS.backendProtocol;
  const protocolVersion = b.backendProtocolVersion ?? DEFAULTS.backendProtocolVersion;
  let tgPort: number;
  let trafficPort: number | string;
  if (targetType === 'instance') {
    const type = svc.spec?.type ?? 'ClusterIP';
    if (type !== 'NodePort' && type !== 'LoadBalancer') {
      sink.issues.push(issue(m.ref, field, 'InvalidServiceType',
        `Service ${ns}/${svcName} is of type ${type}; instance targets need type NodePort or LoadBalancer (or set ${PREFIX}target-type: ip)`));
      return { kind: 'error' };
    }
    if (svcPort.nodePort === undefined) {
      sink.issues.push(issue(m.ref, field, 'NodePortNotAllocated', `Service ${ns}/${svcName} port ${port} has no nodePort yet; instance targets need one`));
      return { kind: 'error' };
    }
    tgPort = svcPort.nodePort;
    trafficPort = svcPort.nodePort;
  } else {
    const tp = svcPort.targetPort ?? svcPort.port;
    tgPort = typeof tp === 'number' ? tp : parseIntStrict(tp) ?? 1;
    trafficPort = typeof tp === 'number' ? tp : parseIntStrict(tp) ?? tp;
  }
  if (!isPort(tgPort)) {
    const which = targetType === 'instance' ? 'nodePort' : svcPort.targetPort !== undefined ? 'targetPort' : 'port';
    sink.issues.push(issue(m.ref, field, 'InvalidService',
      `Service ${ns}/${svcName} port ${port} has ${which} ${tgPort}; a target group port must be in [1, 65535] (ELBv2 CreateTargetGroup)`));
    return { kind: 'error' };
  }
  const hcPort = healthCheckPort(s, b, svc, targetType, field);
  const controlPort = targetControlPort(s, svc, port, targetType);
  if (sink.issues.length > before || hcPort === undefined || controlPort === null) return { kind: 'error' };
  const grpc = protocolVersion === 'GRPC';
  const healthCheck: HealthCheck = {
    enabled: true,
    port: hcPort,
    protocol: b.healthcheckProtocol ?? protocol,
    path: b.healthcheckPath ?? (grpc ? DEFAULTS.healthcheckPathGrpc : DEFAULTS.healthcheckPath),
    intervalSeconds: b.healthcheckIntervalSeconds ?? DEFAULTS.healthcheckIntervalSeconds,
    timeoutSeconds: b.healthcheckTimeoutSeconds ?? DEFAULTS.healthcheckTimeoutSeconds,
    healthyThresholdCount: b.healthyThresholdCount ?? DEFAULTS.healthyThresholdCount,
    unhealthyThresholdCount: b.unhealthyThresholdCount ?? DEFAULTS.unhealthyThresholdCount,
    matcher: grpc ? { grpcCode: b.successCodes ?? DEFAULTS.successCodesGrpc } : { httpCode: b.successCodes ?? DEFAULTS.successCodes },
  };
  const ipv6 = (svc.spec?.ipFamilies ?? []).includes('IPv6');
  const name = targetGroupName({
    clusterName: ctx.config.clusterName, group: ctx.group, ingressNamespace: ns, ingressName: m.ref.name,
    serviceNamespace: ns, serviceName: svcName, serviceUid: svc.metadata?.uid ?? '', servicePort: port,
    targetGroupPort: tgPort, targetType, protocol, protocolVersion, ...(controlPort !== undefined ? { targetControlPort: controlPort } : {}),
  });
  const paramsTags = keyValueMap(m.params?.spec.tags);
  const tooManyTags = tagCountProblem(Object.keys(mergeTags(b.tags, paramsTags, ctx.config.defaultTags)), `target group of Service ${ns}/${svcName} port ${port}`);
  if (tooManyTags) {
    sink.issues.push(issue(m.ref, `${PREFIX}tags`, LIMIT_CODE, tooManyTags));
    return { kind: 'error' };
  }
  const spec: TargetGroupSpec = {
    name, targetType, port: tgPort, protocol, protocolVersion, ipAddressType: ipv6 ? 'ipv6' : 'ipv4',
    vpcId: ctx.facts.vpcId ?? unknown('discovery:vpc'),
    healthCheck,
    attributes: { ...(b.targetGroupAttributes ?? {}) },
    tags: { ...withDefaultTags(ctx.config, mergeTags(b.tags, paramsTags)), ...stackTags(ctx.config.clusterName, ctx.stackId, id) },
    ...(controlPort !== undefined ? { targetControlPort: controlPort } : {}),
  };
  const labels: Record<string, string> = ctx.group.explicit
    ? { [LABEL_STACK]: ctx.group.name }
    : { [LABEL_STACK_NAMESPACE]: ctx.group.namespace, [LABEL_STACK_NAME]: ctx.group.name };
  const binding: Omit<TargetGroupBindingSpec, 'networking'> = {
    name, namespace: ns, labels,
    targetGroupARN: ref('TargetGroup', id),
    targetType,
    serviceRef: { name: svcName, port },
    ...(targetType === 'instance' && b.targetNodeLabels && Object.keys(b.targetNodeLabels).length > 0
      ? { nodeSelector: { matchLabels: { ...b.targetNodeLabels } } } : {}),
    ipAddressType: ipv6 ? 'ipv6' : 'ipv4',
    ...(ctx.facts.vpcId ? { vpcID: ctx.facts.vpcId } : {}),
    ...(b.multiClusterTargetGroup ? { multiClusterTargetGroup: true } : {}),
  };
  const targetPorts: (number | string)[] = [trafficPort];
  if (hcPort !== 'traffic-port' && String(hcPort) !== String(trafficPort)) targetPorts.push(parseIntStrict(hcPort) ?? hcPort);
  // the load balancer talks to the target optimizer's agent there (upstream opens it on the targets too)
  if (controlPort !== undefined && !targetPorts.some((p) => String(p) === String(controlPort))) targetPorts.push(controlPort);
  const tg: TargetGroupPlan = { id, member: m.key, field, spec, binding, targetPorts };
  built.set(id, tg);
  return { kind: 'ok', tg };
}

/** target-control-port.<service>.<port>: the family of keys, one per backend (the port as the Ingress names it) */
export const TARGET_CONTROL_PORT_PREFIX = 'target-control-port.';

/**
 * The target optimizer's control port of one backend, from the Service when it has the key, else from the Ingress
 * (upstream merges the two maps, Service first). Read whatever ALBTargetControlAgent says, as upstream: that gate
 * only switches on injecting the agent into pods. undefined: not set; null: refused (the Issue is in the sink).
 */
function targetControlPort(s: MemberScope, svc: V1Service, port: number | string, targetType: TargetType): number | undefined | null {
  const { m, sink } = s;
  const suffix = `${TARGET_CONTROL_PORT_PREFIX}${svc.metadata?.name ?? ''}.${port}`;
  const key = PREFIX + suffix;
  const holder = [annotatedService(svc), m.obj].find((o) => has(o, key));
  if (!holder) return undefined;
  const where = holder.ref.kind === 'Ingress' ? '' : `${holder.ref.kind} ${holder.ref.namespace ?? ''}/${holder.ref.name}: `;
  const refuse = (code: string, reason: string): null => {
    sink.issues.push(issue(m.ref, key, code, `${where}${reason}`));
    return null;
  };
  const parsed = readOne(holder, suffix, portShape);
  if (!parsed.ok) return refuse('InvalidAnnotation', parsed.reason);
  // as upstream: AWS takes it for instance targets too, upstream refuses it there
  if (targetType === 'instance') return refuse('InvalidAnnotation', 'a target control port needs ip targets (target-type: ip), as upstream');
  return parsed.value;
}

function healthCheckPort(s: MemberScope, b: BackendAnnotations, svc: V1Service, targetType: TargetType, field: string): string | undefined {
  const { m, sink } = s;
  const raw = b.healthcheckPort ?? DEFAULTS.healthcheckPort;
  if (raw === 'traffic-port' || parseIntStrict(raw) !== undefined) return raw;
  const named = findPort(svc, raw);
  const key = `${PREFIX}healthcheck-port`;
  if (!named) {
    sink.issues.push(issue(m.ref, key, 'InvalidAnnotation', `health-check port "${raw}" is not a port of Service ${svc.metadata?.name ?? ''} (used by ${field})`));
    return undefined;
  }
  const checked = (n: number): string | undefined => {
    if (isPort(n)) return String(n);
    sink.issues.push(issue(m.ref, key, 'InvalidService', `health-check port "${raw}" maps to port ${n} of Service ${svc.metadata?.name ?? ''}; a health check port must be in [1, 65535] (used by ${field})`));
    return undefined;
  };
  if (targetType === 'instance') {
    if (named.nodePort === undefined) {
      sink.issues.push(issue(m.ref, key, 'NodePortNotAllocated', `health-check port "${raw}" has no nodePort (used by ${field})`));
      return undefined;
    }
    return checked(named.nodePort);
  }
  const tp = named.targetPort ?? named.port;
  if (typeof tp === 'number') return checked(tp);
  if (parseIntStrict(tp) !== undefined) return checked(Number(tp));
  sink.issues.push(issue(m.ref, key, 'InvalidAnnotation',
    `health-check port "${raw}" maps to the named targetPort "${tp}", which ip targets cannot use; give a number (used by ${field})`));
  return undefined;
}
