// Small builders for Ingress-builder tests: plain objects shaped like the Kubernetes API's.
import type { V1HTTPIngressPath, V1Ingress, V1IngressClass, V1IngressRule, V1Service } from '@kubernetes/client-node';
import type { DiscoveredFacts, DiscoveredSubnet, Resource, Stack } from '../../../src/model/index.ts';
import type { BuildConfig, IngressClassParamsObject, Snapshot } from '../../../src/ingress/index.ts';

export const CONFIG: BuildConfig = {
  clusterName: 'demo',
  ingressClass: 'alb',
  defaultScheme: 'internal',
  defaultTargetType: 'instance',
  defaultSslPolicy: 'ELBSecurityPolicy-2016-08',
  defaultTags: {},
};

export const A = (suffix: string): string => `alb.ingress.kubernetes.io/${suffix}`;

export const albClass = (name = 'alb', extra: Partial<V1IngressClass['spec']> = {}, annotations: Record<string, string> = {}): V1IngressClass => ({
  metadata: { name, annotations },
  spec: { controller: 'ingress.k8s.aws/alb', ...extra },
});

export interface IngOpts {
  ns?: string;
  annotations?: Record<string, string>;
  className?: string | null;
  rules?: V1IngressRule[];
  defaultBackend?: { service: string; port: number | string };
  tls?: { hosts: string[] }[];
  finalizers?: string[];
  deleting?: boolean;
}

export function ingress(name: string, o: IngOpts = {}): V1Ingress {
  return {
    metadata: {
      name, namespace: o.ns ?? 'default', annotations: o.annotations ?? {},
      ...(o.finalizers ? { finalizers: o.finalizers } : {}),
      ...(o.deleting ? { deletionTimestamp: new Date('2025-01-01T00:00:00Z') } : {}),
    },
    spec: {
      ...(o.className === null ? {} : { ingressClassName: o.className ?? 'alb' }),
      rules: o.rules ?? [],
      ...(o.defaultBackend ? { defaultBackend: { service: { name: o.defaultBackend.service, port: portOf(o.defaultBackend.port) } } } : {}),
      ...(o.tls ? { tls: o.tls } : {}),
    },
  };
}

const portOf = (p: number | string) => (typeof p === 'number' ? { number: p } : { name: p });

export const path = (p: string | undefined, service: string, port: number | string = 80, pathType = 'Prefix'): V1HTTPIngressPath => ({
  ...(p === undefined ? {} : { path: p }), pathType, backend: { service: { name: service, port: portOf(port) } },
});

export const rule = (host: string | undefined, ...paths: V1HTTPIngressPath[]): V1IngressRule => ({
  ...(host ? { host } : {}), http: { paths },
});

export interface SvcOpts {
  ns?: string;
  type?: string;
  port?: number;
  portName?: string;
  nodePort?: number;
  targetPort?: number | string;
  annotations?: Record<string, string>;
  uid?: string;
  ipv6?: boolean;
}

export function service(name: string, o: SvcOpts = {}): V1Service {
  return {
    metadata: { name, namespace: o.ns ?? 'default', annotations: o.annotations ?? {}, ...(o.uid ? { uid: o.uid } : {}) },
    spec: {
      type: o.type ?? 'NodePort',
      ...(o.ipv6 ? { ipFamilies: ['IPv6'] } : {}),
      ports: [{
        port: o.port ?? 80, protocol: 'TCP', targetPort: o.targetPort ?? 8080,
        ...(o.portName ? { name: o.portName } : {}),
        ...((o.type ?? 'NodePort') === 'ClusterIP' ? {} : { nodePort: o.nodePort ?? 30080 }),
      }],
    },
  };
}

export const snapshot = (p: Partial<Snapshot> & { ingresses: V1Ingress[] }): Snapshot => ({
  ingressClasses: [albClass()], ingressClassParams: [] as IngressClassParamsObject[], services: [], ...p,
});

const subnet = (id: string, az: string, tags: Record<string, string>, free = 200): DiscoveredSubnet => ({
  id, availabilityZone: az, cidrBlock: '10.0.0.0/24', vpcId: 'vpc-1', availableIpAddressCount: free, tags,
});

/** Two public and two private subnets in two AZs, tagged for their roles. */
export const BACKEND_SG = 'sg-0backend00000001';

export const FACTS: DiscoveredFacts = {
  vpcId: 'vpc-1',
  vpcCidrs: ['10.0.0.0/16'],
  backendSecurityGroupId: BACKEND_SG,
  subnets: [
    subnet('subnet-pub-a', 'us-east-1a', { 'kubernetes.io/role/elb': '1', Name: 'public-a' }),
    subnet('subnet-pub-b', 'us-east-1b', { 'kubernetes.io/role/elb': '' , Name: 'public-b' }),
    subnet('subnet-priv-a', 'us-east-1a', { 'kubernetes.io/role/internal-elb': '1' }),
    subnet('subnet-priv-b', 'us-east-1b', { 'kubernetes.io/role/internal-elb': '1' }),
  ],
  securityGroups: [{ id: 'sg-0web', name: 'web', vpcId: 'vpc-1', tags: { Name: 'web-sg' } }],
  certificates: [],
};

export const byKind = <K extends Resource['kind']>(stack: Stack, kind: K): Extract<Resource, { kind: K }>[] =>
  stack.resources.filter((r): r is Extract<Resource, { kind: K }> => r.kind === kind);

export const one = <T>(xs: readonly T[] | undefined, what = 'item'): T => {
  if (!xs || xs.length !== 1) throw new Error(`expected exactly one ${what}, got ${xs?.length ?? 0}`);
  return xs[0] as T;
};
