// Desired targets of a TargetGroupBinding, from plain Kubernetes objects (no I/O):
// - ip mode: ready endpoints of the Service's EndpointSlices, on the slice port that matches the ServicePort;
// - instance mode: eligible, Ready nodes, each as its EC2 instance ID on the Service's NodePort.
import type { V1EndpointSlice, V1Node, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { selectorMatches } from '../ingress/class-match.ts';
import type { DesiredTarget } from './reconcile.ts';

export interface DesiredTargets {
  readonly targets: readonly DesiredTarget[];
  /** why no target could be computed (missing port, no NodePort); targets is then empty */
  readonly problem?: string;
}

/** The ServicePort a binding names: by name for a string, by port number for a number. */
export function findServicePort(service: V1Service, port: number | string): V1ServicePort | undefined {
  return (service.spec?.ports ?? []).find((p) => (typeof port === 'number' ? p.port === port : p.name === port));
}

export interface IpTargetsInput {
  readonly service: V1Service;
  /** TargetGroupBinding spec.serviceRef.port */
  readonly servicePort: number | string;
  readonly endpointSlices: readonly V1EndpointSlice[];
  readonly ipAddressType?: 'ipv4' | 'ipv6';
  /** VPC CIDRs (IPv4): an endpoint outside them is registered with AvailabilityZone "all" */
  readonly vpcCidrs?: readonly string[];
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export function ipTargets(input: IpTargetsInput): DesiredTargets {
  const { service } = input;
  const svcPort = findServicePort(service, input.servicePort);
  if (!svcPort) return { targets: [], problem: `Service ${service.metadata?.name} has no port ${input.servicePort}` };
  const family = input.ipAddressType === 'ipv6' ? 'IPv6' : 'IPv4';
  const out: DesiredTarget[] = [];
  for (const slice of input.endpointSlices) {
    const owner = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if ((owner !== undefined && owner !== service.metadata?.name) || slice.addressType !== family) continue;
    for (const sp of slice.ports ?? []) {
      if ((sp.name ?? '') !== (svcPort.name ?? '') || sp.port === undefined) continue;
      for (const ep of slice.endpoints ?? []) {
        // ready, or readiness not reported; a not-ready endpoint is left out
        if (ep.conditions?.ready === false) continue;
        for (const ip of ep.addresses.slice(0, 1)) {
          const outside = input.vpcCidrs?.length && family === 'IPv4' && !input.vpcCidrs.some((c) => ipv4InCidr(ip, c));
          out.push({ id: ip, port: sp.port, ...(outside ? { availabilityZone: 'all' } : {}) });
        }
      }
    }
  }
  return { targets: sortUnique(out) };
}

export interface InstanceTargetsInput {
  readonly service: V1Service;
  readonly servicePort: number | string;
  readonly nodes: readonly V1Node[];
  /** TargetGroupBinding spec.nodeSelector: a full LabelSelector, ANDed with the default node selector */
  readonly nodeSelector?: NodeSelector;
  /** feature gate EndpointsFailOpen (default true): when no node is Ready, use those whose readiness is Unknown */
  readonly failOpen?: boolean;
}

/** a Kubernetes LabelSelector: every matchLabels entry and every matchExpressions requirement must hold */
export interface NodeSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

export function instanceTargets(input: InstanceTargetsInput): DesiredTargets {
  const { service } = input;
  const svcPort = findServicePort(service, input.servicePort);
  if (!svcPort) return { targets: [], problem: `Service ${service.metadata?.name} has no port ${input.servicePort}` };
  const type = service.spec?.type ?? 'ClusterIP';
  if ((type !== 'NodePort' && type !== 'LoadBalancer') || !svcPort.nodePort) {
    return { targets: [], problem: `Service ${service.metadata?.name} port ${input.servicePort} has no NodePort (type ${type}); instance targets need one` };
  }
  const eligible = input.nodes.filter((n) => isEligibleNode(n) && nodeMatches(n, input.nodeSelector));
  // fail open (EndpointsFailOpen): when no node is Ready, nodes whose readiness is Unknown still serve
  let chosen = eligible.filter((n) => nodeReady(n) === 'True');
  if (chosen.length === 0 && (input.failOpen ?? true)) chosen = eligible.filter((n) => nodeReady(n) === 'Unknown');
  const targets: DesiredTarget[] = [];
  for (const n of chosen) {
    const id = instanceIdFromProviderId(n.spec?.providerID);
    if (id) targets.push({ id, port: svcPort.nodePort });
  }
  return { targets: sortUnique(targets) };
}

const EXCLUDE_LABELS = [
  'node-role.kubernetes.io/master',
  'node-role.kubernetes.io/control-plane',
  'node.kubernetes.io/exclude-from-external-load-balancers',
  'alpha.service-controller.kubernetes.io/exclude-balancer',
];

const DELETION_TAINTS = ['ToBeDeletedByClusterAutoscaler', 'karpenter.sh/disrupted'];

/** Upstream's default node selector, plus nodes on their way out. */
export function isEligibleNode(node: V1Node): boolean {
  const labels = node.metadata?.labels ?? {};
  if (EXCLUDE_LABELS.some((l) => l in labels)) return false;
  if (labels['eks.amazonaws.com/compute-type'] === 'fargate') return false;
  return !(node.spec?.taints ?? []).some((t) => DELETION_TAINTS.includes(t.key) && (t.key !== 'karpenter.sh/disrupted' || t.effect === 'NoSchedule'));
}

/** whether a node's labels satisfy the selector; an unknown operator matches nothing (as the apiserver would reject it) */
export const nodeMatches = (node: V1Node, selector: NodeSelector | undefined): boolean =>
  !selector || selectorMatches(selector as Parameters<typeof selectorMatches>[0], node.metadata?.labels ?? {});

const nodeReady = (node: V1Node): string | undefined => node.status?.conditions?.find((c) => c.type === 'Ready')?.status;

/**
 * The EC2 instance ID in a Node's spec.providerID: "aws:///us-east-1a/i-0abc…" or, without the zone,
 * "aws:///i-0abc…". Undefined for anything else: hybrid ("eks-hybrid://…", "mi-…"), Fargate
 * ("aws:///us-east-1a/fargate-ip-…"), other clouds, malformed.
 */
export function instanceIdFromProviderId(providerId: string | undefined): string | undefined {
  const m = /^aws:\/\/\/(?:[^/]+\/)?(i-[0-9a-f]+)$/.exec(providerId?.trim() ?? '');
  return m?.[1];
}

export function ipv4InCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? '32');
  const a = ipv4ToInt(ip);
  const b = ipv4ToInt(base ?? '');
  if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  if (bits === 0) return true;
  const mask = (~0 << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d{1,3}$/.test(p) || v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

function sortUnique(targets: DesiredTarget[]): DesiredTarget[] {
  const seen = new Map(targets.map((t) => [`${t.id}:${t.port}`, t]));
  return [...seen.values()].sort((a, b) => (a.id === b.id ? a.port - b.port : a.id < b.id ? -1 : 1));
}
