// Names and logical IDs of a Service's NLB stack, bit-compatible with the upstream controller so that an NLB,
// target groups and security group it created are found under the same names and adopted in place.
// Each hash is SHA-256 over the plain concatenation of its inputs (no separators), hex, first 10 characters.
import type { Scheme } from '../model/index.ts';
import { hash10, sanitize } from '../ingress/naming.ts';

export interface ServiceId {
  readonly namespace: string;
  readonly name: string;
  /** metadata.uid ("" when unknown, e.g. a manifest that was never applied) */
  readonly uid: string;
}

const shaped = (s: ServiceId, hash: string): string => `k8s-${sanitize(s.namespace).slice(0, 8)}-${sanitize(s.name).slice(0, 8)}-${hash}`;

/** generated NLB name: cluster name, Service UID and scheme (a scheme change gives a new name) */
export const nlbName = (clusterName: string, s: ServiceId, scheme: Scheme): string => shaped(s, hash10(clusterName, s.uid, scheme));

/** managed frontend security group: cluster name, Service name, namespace and UID */
export const nlbSecurityGroupName = (clusterName: string, s: ServiceId): string => shaped(s, hash10(clusterName, s.name, s.namespace, s.uid));

export interface NlbTargetGroupNameInput {
  readonly clusterName: string;
  readonly service: ServiceId;
  /** instance: the NodePort; ip: the numeric targetPort, or 1 for a named one */
  readonly targetGroupPort: number;
  readonly servicePort: number;
  readonly targetType: string;
  readonly protocol: string;
  readonly healthCheckProtocol: string;
  readonly healthCheckIntervalSeconds: number;
}

export const nlbTargetGroupName = (i: NlbTargetGroupNameInput): string => shaped(i.service, hash10(
  i.clusterName, i.service.uid, String(i.targetGroupPort), String(i.servicePort), i.targetType, i.protocol,
  i.healthCheckProtocol, String(i.healthCheckIntervalSeconds)));

/** stack ID and TargetGroupBinding namespace: "namespace/name" */
export const serviceStackId = (s: Pick<ServiceId, 'namespace' | 'name'>): string => `${s.namespace}/${s.name}`;
/** logical ID of the target group (and its binding) of one Service port: "namespace/name:port" */
export const nlbTargetGroupId = (s: Pick<ServiceId, 'namespace' | 'name'>, servicePort: number): string => `${s.namespace}/${s.name}:${servicePort}`;
/** logical ID of a listener: its port */
export const nlbListenerId = (port: number): string => String(port);
