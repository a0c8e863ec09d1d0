// Shared inputs of the Service builder tests: a VPC with two public and two private subnets, the default
// config, and a Service factory.
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { DiscoveredFacts, Resource, Stack } from '../../../src/model/index.ts';
import { buildServiceStack, DEFAULT_SERVICE_GATES, type ServiceBuildConfig, type ServiceBuildInput, type ServiceBuildResult } from '../../../src/service/index.ts';

export const S = 'service.beta.kubernetes.io/';

export const FACTS: DiscoveredFacts = {
  vpcId: 'vpc-1',
  vpcCidrs: ['10.0.0.0/16'],
  subnets: [
    { id: 'subnet-pub-a', availabilityZone: 'us-east-1a', cidrBlock: '10.0.0.0/19', ipv6CidrBlocks: ['2600:1f13:0:100::/56'], vpcId: 'vpc-1', availableIpAddressCount: 100, tags: { 'kubernetes.io/role/elb': '1', Name: 'public-a' } },
    { id: 'subnet-pub-b', availabilityZone: 'us-east-1b', cidrBlock: '10.0.32.0/19', ipv6CidrBlocks: ['2600:1f13:0:200::/56'], vpcId: 'vpc-1', availableIpAddressCount: 100, tags: { 'kubernetes.io/role/elb': '1', Name: 'public-b' } },
    { id: 'subnet-priv-a', availabilityZone: 'us-east-1a', cidrBlock: '10.0.128.0/19', vpcId: 'vpc-1', availableIpAddressCount: 100, tags: { 'kubernetes.io/role/internal-elb': '1' } },
    { id: 'subnet-priv-b', availabilityZone: 'us-east-1b', cidrBlock: '10.0.160.0/19', vpcId: 'vpc-1', availableIpAddressCount: 100, tags: { 'kubernetes.io/role/internal-elb': '1' } },
  ],
  securityGroups: [{ id: 'sg-web', name: 'web', vpcId: 'vpc-1', tags: { Name: 'web-sg' } }],
};

export const CONFIG: ServiceBuildConfig = {
  clusterName: 'prod', loadBalancerClass: 'service.k8s.aws/nlb', defaultScheme: 'internal', defaultTargetType: 'instance',
  defaultSslPolicy: 'ELBSecurityPolicy-2016-08', defaultTags: {}, externalManagedTags: [], gates: DEFAULT_SERVICE_GATES,
};

export const TCP80: V1ServicePort = { name: 'tcp', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080 };

/** a Service of type LoadBalancer with our class, the given annotations (suffixes after the prefix) and ports */
export function svc(annotations: Record<string, string> = {}, spec: Partial<V1Service['spec']> = {}, name = 'echo'): V1Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace: 'shop', uid: 'uid-1', annotations: Object.fromEntries(Object.entries(annotations).map(([k, v]) => [k.includes('/') ? k : S + k, v])) },
    spec: { type: 'LoadBalancer', loadBalancerClass: 'service.k8s.aws/nlb', selector: { app: name }, ports: [TCP80], ...spec },
  };
}

export function build(service: V1Service, more: Partial<Omit<ServiceBuildInput, 'service'>> = {}): ServiceBuildResult {
  return buildServiceStack({ service, facts: FACTS, config: CONFIG, ...more });
}

/** the stack of a build that must succeed */
export function stackOf(r: ServiceBuildResult): Stack {
  if (r.action === 'ignored') throw new Error(`ignored: ${r.why}`);
  if (!r.stack) throw new Error(`no stack: ${r.issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`);
  return r.stack;
}

export const issuesOf = (r: ServiceBuildResult): { field: string; code: string; reason: string }[] =>
  r.action === 'ignored' ? [] : r.issues.map((i) => ({ field: i.field, code: i.code, reason: i.reason }));

type SpecOf<K extends Resource['kind']> = Extract<Resource, { kind: K }>['spec'];

export function one<K extends Resource['kind']>(stack: Stack, kind: K, id?: string): SpecOf<K> {
  const found = stack.resources.filter((r) => r.kind === kind && (id === undefined || r.id === id));
  if (found.length !== 1) throw new Error(`expected one ${kind}${id ? ` ${id}` : ''}, found ${found.length}`);
  const spec: unknown = found[0]?.spec;
  return spec as SpecOf<K>;
}
