// Backends without kubelet, scheduler or kube-controller-manager: a NodePort Service, Pods bound to the
// seeded Nodes and marked Running/Ready through pods/status, and the EndpointSlice the endpointslice
// controller would have written. Optionally one moto ENI per pod IP (moto finds ENIs by primary IP only).
import * as k8s from '@kubernetes/client-node';
import { EC2Client, CreateNetworkInterfaceCommand } from '@aws-sdk/client-ec2';
import type { KubeClients } from '../../../src/k8s/client.ts';
import { backendNodes, createBackendPods, podIpIn, writeEndpointSlice, type BackendPod } from '../../../src/stand-ins/backends.ts';
import type { Service } from '../../../src/k8s/types.ts';
import { kube, seeded, awsConfig } from './stand-ins.ts';

// Pod IPs are handed out once per run from here, so no two suites' pods (and moto ENIs) share an address; suites
// that still choose a fixed `ipBase` for createBackendPods keep below 1,000.
let nextPodIndex = 1_000;
function podIndexes(count: number): number {
  const first = nextPodIndex;
  nextPodIndex += count;
  return first;
}

export interface BackendOptions {
  namespace: string;
  /** Service name; also the pods' `app` label and name prefix. */
  name: string;
  replicas?: number;
  /** Service port (default 80, named `http`). */
  port?: number;
  /** Container port (default 8080). */
  targetPort?: number;
  /** Create one ENI per pod IP in moto, with the node security group (default true). */
  podEnis?: boolean;
  /** Mark the endpoints ready (default true). */
  ready?: boolean;
}

export interface Backend {
  service: k8s.V1Service;
  pods: k8s.V1Pod[];
  endpointSlice: k8s.V1EndpointSlice;
  podIps: string[];
  nodePort: number;
}


export async function createBackend(opts: BackendOptions): Promise<Backend> {
  const { namespace, name } = opts;
  const replicas = opts.replicas ?? 2;
  const port = opts.port ?? 80;
  const targetPort = opts.targetPort ?? 8080;
  const ready = opts.ready ?? true;
  const core = kube().admin.makeApiClient(k8s.CoreV1Api);
  const discovery = kube().admin.makeApiClient(k8s.DiscoveryV1Api);
  const facts = seeded();

  const service = await core.createNamespacedService({
    namespace,
    body: {
      metadata: { name },
      spec: { type: 'NodePort', selector: { app: name }, ports: [{ name: 'http', port, targetPort, protocol: 'TCP' }] },
    },
  });

  const ec2 = (opts.podEnis ?? true) ? new EC2Client(awsConfig()) : undefined;
  const pods: k8s.V1Pod[] = [];
  const podIps: string[] = [];
  try {
    for (let i = 0; i < replicas; i++) {
      const node = facts.nodes[i % facts.nodes.length]!;
      const subnet = facts.subnets.private.find((s) => s.id === node.subnetId)!;
      const ip = podIpIn(subnet.cidr, podIndexes(1));
      podIps.push(ip);
      const podName = `${name}-${i}`;
      await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: podName, labels: { app: name } },
          spec: { nodeName: node.nodeName, containers: [{ name: 'app', image: 'registry.invalid/app:1', ports: [{ name: 'http', containerPort: targetPort }] }] },
        },
      });
      const pod = await core.readNamespacedPod({ namespace, name: podName });
      const now = new Date();
      const cond = (type: string, status: string): k8s.V1PodCondition => ({ type, status, lastTransitionTime: now });
      pod.status = {
        phase: 'Running', podIP: ip, podIPs: [{ ip }], hostIP: node.privateIp, startTime: now,
        conditions: [cond('PodScheduled', 'True'), cond('Initialized', 'True'), cond('ContainersReady', ready ? 'True' : 'False'), cond('Ready', ready ? 'True' : 'False')],
      };
      pods.push(await core.replaceNamespacedPodStatus({ namespace, name: podName, body: pod }));
      await ec2?.send(new CreateNetworkInterfaceCommand({
        SubnetId: node.subnetId, PrivateIpAddress: ip, Groups: [facts.nodeSecurityGroupId], Description: `pod ${namespace}/${podName}`,
      }));
    }
  } finally {
    ec2?.destroy();
  }

  const endpointSlice = await discovery.createNamespacedEndpointSlice({
    namespace,
    body: {
      metadata: {
        name: `${name}-e2e`,
        labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'e2e-harness' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: service.metadata!.uid!, controller: true, blockOwnerDeletion: true }],
      },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: targetPort, protocol: 'TCP' }],
      endpoints: pods.map((p, i) => ({
        addresses: [podIps[i]!],
        conditions: { ready, serving: ready, terminating: false },
        nodeName: p.spec!.nodeName!,
        zone: facts.nodes[i % facts.nodes.length]!.az,
        targetRef: { kind: 'Pod', namespace, name: p.metadata!.name!, uid: p.metadata!.uid! },
      })),
    },
  });
  return { service, pods, endpointSlice, podIps, nodePort: service.spec!.ports![0]!.nodePort! };
}

/**
 * The backend most suites need: a NodePort Service `name` (port 80 named http, to 8080) selecting `app: name`, with
 * `replicas` Ready pods on the seeded nodes, one moto ENI each in the node security group, and their EndpointSlice.
 */
export async function nodePortApp(admin: KubeClients, ec2: EC2Client, o: {
  readonly namespace: string; readonly name: string; readonly annotations?: Record<string, string>; readonly replicas?: number;
}): Promise<{ service: Service; pods: BackendPod[] }> {
  const { namespace, name } = o;
  const replicas = o.replicas ?? 1;
  const service = await admin.services.create({
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: { type: 'NodePort', selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  }, namespace);
  const pods = await createBackendPods(admin, {
    namespace, app: name, nodes: backendNodes(seeded()), indices: [...Array(replicas).keys()], ipBase: podIndexes(replicas),
    enis: { ec2, securityGroupId: seeded().nodeSecurityGroupId },
  });
  await writeEndpointSlice(admin, { namespace, service, pods });
  return { service, pods };
}
