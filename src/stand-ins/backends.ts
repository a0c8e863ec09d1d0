// Backends without a kubelet, for the demo, the end-to-end tests and the benchmark: Pods bound to the seeded
// Nodes and marked Running/Ready, the EndpointSlice the endpointslice controller would write, and (optionally)
// one moto ENI per pod IP. This emulates the cluster; nothing here is the controller's own behaviour.
import { CreateNetworkInterfaceCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { KubeClients } from '../k8s/client.ts';
import type { EndpointSlice, Pod, Service } from '../k8s/types.ts';

export interface BackendNode { readonly nodeName: string; readonly az: string; readonly subnetId: string; readonly subnetCidr: string }

/** the seeded Nodes, with the private subnet each sits in */
export function backendNodes(seeded: { nodes: readonly { nodeName: string; az: string; subnetId: string }[]; subnets: { private: readonly { id: string; cidr: string }[] } }): BackendNode[] {
  return seeded.nodes.map((n) => ({ nodeName: n.nodeName, az: n.az, subnetId: n.subnetId, subnetCidr: seeded.subnets.private.find((x) => x.id === n.subnetId)?.cidr ?? '' }));
}

/**
 * An ENI per pod IP, in the node's subnet and security group. VPC CNI gives pods secondary IPs of node ENIs;
 * moto finds ENIs by primary IP only, so each pod gets its own. This is what lets the controller open the
 * node security group to the load balancer for ip targets.
 */
export interface PodEnis { readonly ec2: EC2Client; readonly securityGroupId: string }

/** the n-th usable address of a CIDR's second /24 (e.g. 10.0.128.0/19, 5 → 10.0.129.5) */
export function podIpIn(cidr: string, n: number): string {
  const [a, b, c] = (cidr.split('/')[0] ?? '').split('.').map(Number) as [number, number, number];
  return `${a}.${b}.${c + 1 + Math.floor(n / 250)}.${(n % 250) + 4}`;
}

export interface BackendPod { readonly name: string; readonly ip: string; readonly nodeName: string; readonly zone: string; readonly uid: string }

/** creates Pods `<app>-<i>` on the given nodes and marks them Running/Ready with IPs inside the nodes' subnets */
export async function createBackendPods(kube: KubeClients, o: {
  namespace: string; app: string; nodes: readonly BackendNode[]; indices: readonly number[]; ipBase: number; containerPort?: number; ready?: boolean;
  enis?: PodEnis;
}): Promise<BackendPod[]> {
  const out: BackendPod[] = [];
  for (const i of o.indices) {
    const node = o.nodes[i % o.nodes.length] as BackendNode;
    const ip = podIpIn(node.subnetCidr, o.ipBase + i);
    const name = `${o.app}-${i}`;
    const created = await kube.pods.create({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, namespace: o.namespace, labels: { app: o.app } },
      spec: { nodeName: node.nodeName, containers: [{ name: 'app', image: 'registry.invalid/demo:1', ports: [{ name: 'http', containerPort: o.containerPort ?? 8080 }] }] },
    } as Pod, o.namespace);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const ready = o.ready ?? true ? 'True' : 'False';
    await kube.pods.mergePatch(name, o.namespace, {
      status: {
        phase: 'Running', podIP: ip, podIPs: [{ ip }], startTime: now,
        conditions: [['PodScheduled', 'True'], ['Initialized', 'True'], ['ContainersReady', ready], ['Ready', ready]].map(([type, status]) => ({ type, status, lastTransitionTime: now })),
      },
    }, 'status');
    await o.enis?.ec2.send(new CreateNetworkInterfaceCommand({
      SubnetId: node.subnetId, PrivateIpAddress: ip, Groups: [o.enis.securityGroupId], Description: `pod ${o.namespace}/${name}`,
    }));
    out.push({ name, ip, nodeName: node.nodeName, zone: node.az, uid: created.metadata?.uid ?? '' });
  }
  return out;
}

/**
 * writes (creates or replaces) the EndpointSlice `<service>-demo` the endpointslice controller would keep; one port
 * named `http` (8080, or `port`) unless `ports` names them
 */
export async function writeEndpointSlice(kube: KubeClients, o: {
  namespace: string; service: Service; pods: readonly BackendPod[]; port?: number; ports?: readonly { name: string; port: number; protocol?: string }[]; ready?: boolean;
}): Promise<void> {
  const svcName = o.service.metadata?.name ?? '';
  const name = `${svcName}-demo`;
  const ready = o.ready ?? true;
  const body: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      name, namespace: o.namespace,
      labels: { 'kubernetes.io/service-name': svcName, 'endpointslice.kubernetes.io/managed-by': 'aws-lb-controller-demo' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svcName, uid: o.service.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    ports: (o.ports ?? [{ name: 'http', port: o.port ?? 8080 }]).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP' })),
    endpoints: o.pods.map((p) => ({
      addresses: [p.ip], conditions: { ready, serving: ready, terminating: false }, nodeName: p.nodeName, zone: p.zone,
      targetRef: { kind: 'Pod', namespace: o.namespace, name: p.name, uid: p.uid },
    })),
  };
  const existing = await kube.endpointSlices.get(name, o.namespace);
  if (existing) await kube.endpointSlices.replace({ ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion } });
  else await kube.endpointSlices.create(body, o.namespace);
}

