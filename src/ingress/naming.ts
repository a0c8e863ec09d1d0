// AWS names, bit-compatible with the upstream controller so that resources it created are adopted.
// Each hash is SHA-256 over the plain concatenation of its inputs (no separators), hex, first 10 characters.
import { createHash } from 'node:crypto';
import type { Scheme, TargetType } from '../model/index.ts';

export interface GroupId {
  /** explicit group: the group name; implicit: the Ingress namespace and name */
  readonly explicit: boolean;
  readonly namespace: string;
  readonly name: string;
}

/** "name" for an explicit group, "namespace/name" for an implicit one: the stack ID. */
export const groupIdString = (g: GroupId): string => (g.explicit ? g.name : `${g.namespace}/${g.name}`);

/** SHA-256 of the concatenated parts, hex, first 10 characters (upstream's name hash) */
export const hash10 = (...parts: readonly string[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p, 'utf8');
  return h.digest('hex').slice(0, 10);
};

/** drops every character that is not an ASCII letter or digit */
export const sanitize = (s: string): string => s.replace(/[^A-Za-z0-9]/g, '');

function shapedName(g: GroupId, hash: string): string {
  if (g.explicit) return `k8s-${sanitize(g.name).slice(0, 17)}-${hash}`;
  return `k8s-${sanitize(g.namespace).slice(0, 8)}-${sanitize(g.name).slice(0, 8)}-${hash}`;
}

/** Generated ALB name: hash of cluster name + group ID + scheme. */
export const loadBalancerName = (clusterName: string, g: GroupId, scheme: Scheme): string =>
  shapedName(g, hash10(clusterName, groupIdString(g), scheme));

/**
 * The cluster's shared backend security group: `k8s-traffic-<sanitized cluster name, at most 232 characters>-<hash>`,
 * hash of the cluster name alone (security group names may be 255 characters long).
 */
export const backendSecurityGroupName = (clusterName: string): string =>
  `k8s-traffic-${sanitize(clusterName).slice(0, 232)}-${hash10(clusterName)}`;

/** what a build leaves in place of the backend group's ID while it is not known (offline, or not created yet) */
export const backendSecurityGroupUnknown = (clusterName: string): string => `discovery:backend-security-group:${backendSecurityGroupName(clusterName)}`;

/** Managed frontend security group name: hash of cluster name + group ID (no scheme). */
export const managedSecurityGroupName = (clusterName: string, g: GroupId): string =>
  shapedName(g, hash10(clusterName, groupIdString(g)));

export interface TargetGroupNameInput {
  readonly clusterName: string;
  readonly group: GroupId;
  readonly ingressNamespace: string;
  readonly ingressName: string;
  readonly serviceNamespace: string;
  readonly serviceName: string;
  /** metadata.uid of the Service ("" when unknown) */
  readonly serviceUid: string;
  /** the Ingress backend's port as written: a number or a port name */
  readonly servicePort: number | string;
  readonly targetGroupPort: number;
  readonly targetType: TargetType;
  readonly protocol: string;
  readonly protocolVersion: string;
  /** target-control-port: hashed only when set (as upstream), so a new port makes a new target group */
  readonly targetControlPort?: number;
}

export function targetGroupName(i: TargetGroupNameInput): string {
  const hash = hash10(i.clusterName, groupIdString(i.group), i.ingressNamespace, i.ingressName, i.serviceUid,
    String(i.servicePort), String(i.targetGroupPort), i.targetType, i.protocol, i.protocolVersion,
    ...(i.targetControlPort !== undefined ? [String(i.targetControlPort)] : []));
  return `k8s-${sanitize(i.serviceNamespace).slice(0, 8)}-${sanitize(i.serviceName).slice(0, 8)}-${hash}`;
}

/** Logical ID of an Ingress target group: "<ingNs>/<ingName>-<svcName>:<svcPort>". */
export const targetGroupId = (ingressNamespace: string, ingressName: string, serviceName: string, servicePort: number | string): string =>
  `${ingressNamespace}/${ingressName}-${serviceName}:${servicePort}`;

export const LOAD_BALANCER_ID = 'LoadBalancer';
export const MANAGED_SG_ID = 'ManagedLBSecurityGroup';
export const MANAGED_SG_DESCRIPTION = '[k8s] Managed SecurityGroup for LoadBalancer';
export const BACKEND_SG_DESCRIPTION = '[k8s] Shared Backend SecurityGroup for LoadBalancer';

/** the frontend NLB's logical ID (upstream's resource ID, so an NLB upstream made is adopted) */
export const FRONTEND_NLB_ID = 'FrontendNlb';
/** a frontend NLB listener's or target group's logical ID: "FrontendNlb-ls-TCP-80", "FrontendNlb-tg-TCP-80" */
export const frontendNlbResourceId = (kind: 'ls' | 'tg', port: number): string => `${FRONTEND_NLB_ID}-${kind}-TCP-${port}`;

/** the frontend NLB's name: the ALB's name, cut to 28 characters, then "-nlb" (upstream; the ALB always has a name) */
export const frontendNlbName = (albName: string): string => `${albName.slice(0, 28)}-nlb`;

/** a frontend NLB target group's name: hash of cluster, group ID, NLB port, "alb", "TCP", health-check port and protocol */
export const frontendNlbTargetGroupName = (clusterName: string, g: GroupId, port: number, hc: { readonly port: string; readonly protocol: string }): string =>
  shapedName(g, hash10(clusterName, groupIdString(g), String(port), 'alb', 'TCP', hc.port, hc.protocol));
