// `npm run bench -- [--ingresses 40] [--group-size 10] [--pods 3] [--quiet 10] [--timeout 600] [--no-pod-enis] [--json FILE]
//                  [--hostile-ports 4000] [--hostile-members 2000] [--hostile-timeout 300] [--no-hostile | --hostile-only]`
//
// Measures (never asserts) what the controller costs in AWS calls, time and memory at a modest scale, against
// the local stand-ins (moto + etcd + kube-apiserver). N Ingresses: N - group-size implicit groups (one ALB
// each) and one explicit group of group-size members sharing an ALB; each Ingress has its own NodePort Service
// (target-type ip) with --pods backend Pods and their EndpointSlice, and (by default) one moto ENI per pod IP
// carrying the node security group, as the VPC CNI would. The controller runs as its own process (the demo's
// launcher); every number comes from its /metrics (aws_lb_controller_aws_api_calls_total) read before and
// after each phase, and its VmHWM from /proc.
//
// Phases: 1 cold converge, 2 steady state, 3 controller restart, 3b a restart with one new Ingress created right
// after it (time until served), 4 pod rollout, 5 one annotation change, 6 delete everything, 7 hostile inputs
// (scripts/bench/hostile.ts). Each phase also reports the rules the controller holds on the node security group.
// See docs/benchmarks.md.
//
// Every wait is bounded by --timeout; every process is stopped by PID (the controller by the demo's
// launcher, the stand-ins by their own handle); everything binds to 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DescribeTagsCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client,
  paginateDescribeLoadBalancers, paginateDescribeTargetGroups, type LoadBalancer, type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CreateNetworkInterfaceCommand, CreateSubnetCommand, DeleteNetworkInterfaceCommand, DescribeSecurityGroupsCommand, EC2Client,
  paginateDescribeSecurityGroups, type IpPermission,
} from '@aws-sdk/client-ec2';
import { startControllerProcess, type ControllerProcess } from '../../src/cli/demo-command.ts';
import { backendNodes, createBackendPods, writeEndpointSlice, type BackendNode, type BackendPod } from '../../src/stand-ins/backends.ts';
import { createKubeClients, type KubeClients } from '../../src/k8s/client.ts';
import type { Ingress, Service } from '../../src/k8s/types.ts';
import { isWriteOperation } from '../../src/aws/metrics.ts';
import { mapLimit } from '../../src/aws/util.ts';
import { parseMetrics, type Sample } from '../../src/server/metrics.ts';
import { TAG_CLUSTER } from '../../src/model/tags.ts';
import { startStandIns, MOTO_VERSION, type StandIns, type SeededFacts } from '../../src/stand-ins/index.ts';
import { sleep, waitFor } from '../../src/stand-ins/wait.ts';
import { hostilePhase, type HealthStats } from './hostile.ts';

const USAGE = `Usage: npm run bench -- [--ingresses N] [--group-size G] [--pods P] [--quiet S] [--timeout S] [--no-pod-enis] [--sync-period S] [--drift-check-budget N] [--json FILE]
                       [--hostile-ports N] [--hostile-members N] [--hostile-timeout S] [--no-hostile | --hostile-only]

  --ingresses N    Ingresses in total (default 40): N-G implicit groups + one explicit group of G members
  --group-size G   members of the explicit group (default 10)
  --pods P         backend pods per Service (default 3)
  --quiet S        the steady-state window, seconds (default 10)
  --timeout S      upper bound of every wait, seconds (default 600, or 3 per Ingress above 200 Ingresses)
  --no-pod-enis    do not create a moto ENI per pod IP (targets then cannot be placed behind a security group)
  --sync-period S  the controller's --sync-period, seconds (default: the controller's, 10h); with --quiet longer
                   than S the steady state shows what resync passes cost
  --drift-check-budget N  the controller's --drift-check-budget, reads per minute (default: the controller's)
  --json FILE      also write the results as JSON
  --hostile-ports N     listen ports of the hostile Ingress in phase 7 (default 4000)
  --hostile-members N   members of the hostile group in phase 7 (default 2000)
  --hostile-timeout S   upper bound of phase 7, seconds (default 300)
  --no-hostile          skip phase 7
  --hostile-only        run phase 7 alone (no workload, phases 1-6 skipped)
`;

const NS = 'default';
const CLUSTER = 'bench';
const GROUP = 'bench-shared';
const HC_PATH = '/bench-healthz';
const POLL_MS = 1_000;
const SETTLE_MS = 3_000;
/** requests the bench keeps in flight while it builds the workload (its own setup, not what it measures) */
const SETUP_CONCURRENCY = 8;
/** the Ingress phase 3b creates while the controller restarts */
const NEW_INGRESS = 'bench-new';

const say = (m: string): void => { process.stderr.write(`bench: ${m}\n`); };

// ---------------------------------------------------------------------------------------------------------
// options

interface Options {
  readonly ingresses: number;
  readonly groupSize: number;
  readonly pods: number;
  readonly quietMs: number;
  readonly timeoutMs: number;
  /** the controller's --sync-period, when given */
  readonly syncPeriodMs: number | undefined;
  readonly podEnis: boolean;
  /** flags passed on to the controller */
  readonly controllerArgs: readonly string[];
  readonly json: string | undefined;
  readonly hostile: { readonly ports: number; readonly members: number; readonly timeoutMs: number } | undefined;
  readonly hostileOnly: boolean;
}

function options(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv], strict: true,
    options: {
      ingresses: { type: 'string' }, 'group-size': { type: 'string' }, pods: { type: 'string' }, quiet: { type: 'string' },
      timeout: { type: 'string' }, 'no-pod-enis': { type: 'boolean' }, 'sync-period': { type: 'string' },
      'drift-check-budget': { type: 'string' }, json: { type: 'string' }, help: { type: 'boolean' },
      'hostile-ports': { type: 'string' }, 'hostile-members': { type: 'string' }, 'hostile-timeout': { type: 'string' },
      'no-hostile': { type: 'boolean' }, 'hostile-only': { type: 'boolean' },
    },
  });
  if (values.help) { process.stdout.write(USAGE); process.exit(0); }
  const int = (v: string | undefined, d: number, what: string, min: number): number => {
    const n = v === undefined ? d : Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${what} must be an integer >= ${min}\n${USAGE}`);
    return n;
  };
  const ingresses = int(values.ingresses, 40, 'ingresses', 1);
  const groupSize = int(values['group-size'], Math.min(10, ingresses), 'group-size', 0);
  if (groupSize > ingresses) throw new Error('--group-size cannot exceed --ingresses');
  const pods = int(values.pods, 3, 'pods', 1);
  if (pods > 100) throw new Error('--pods is at most 100');
  if (values['no-hostile'] && values['hostile-only']) throw new Error('give either --no-hostile or --hostile-only');
  const hostile = values['no-hostile'] ? undefined : {
    ports: int(values['hostile-ports'], 4000, 'hostile-ports', 1), members: int(values['hostile-members'], 2000, 'hostile-members', 1),
    timeoutMs: int(values['hostile-timeout'], 300, 'hostile-timeout', 10) * 1000,
  };
  const syncPeriod = values['sync-period'] !== undefined ? int(values['sync-period'], 0, 'sync-period', 1) : undefined;
  return {
    ingresses, groupSize, pods, syncPeriodMs: syncPeriod !== undefined ? syncPeriod * 1000 : undefined, quietMs: int(values.quiet, 10, 'quiet', 1) * 1000, timeoutMs: int(values.timeout, Math.max(600, 3 * ingresses), 'timeout', 10) * 1000,
    podEnis: !values['no-pod-enis'], json: values.json, hostile, hostileOnly: values['hostile-only'] === true,
    controllerArgs: [
      ...(syncPeriod !== undefined ? [`--sync-period=${syncPeriod}s`] : []),
      ...(values['drift-check-budget'] !== undefined ? [`--drift-check-budget=${int(values['drift-check-budget'], 0, 'drift-check-budget', 0)}`] : []),
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------
// reading the controller

interface Snapshot {
  /** "service/Operation/outcome" → count */
  readonly calls: Map<string, number>;
  /** "controller/outcome" → count */
  readonly reconciles: Map<string, number>;
  /** Ingress names with at least one group reconcile counted */
  readonly ingressesReconciled: Set<string>;
  readonly queueDepth: number;
  readonly leader: number;
  /** the controller's CPU time so far (user + system) */
  readonly cpuSeconds: number;
}

function snapshotOf(samples: readonly Sample[]): Snapshot {
  const calls = new Map<string, number>();
  const reconciles = new Map<string, number>();
  const ingressesReconciled = new Set<string>();
  let queueDepth = 0;
  let leader = 0;
  let cpuSeconds = 0;
  for (const s of samples) {
    if (s.name === 'aws_lb_controller_aws_api_calls_total') {
      const k = `${s.labels.service}/${s.labels.operation}/${s.labels.outcome}`;
      calls.set(k, (calls.get(k) ?? 0) + s.value);
    } else if (s.name === 'aws_lb_controller_reconcile_total') {
      const k = `${s.labels.controller}/${s.labels.outcome}`;
      reconciles.set(k, (reconciles.get(k) ?? 0) + s.value);
    } else if (s.name === 'aws_lb_controller_ingress_reconcile_total' && s.value > 0) {
      ingressesReconciled.add(`${s.labels.namespace}/${s.labels.ingress}`);
    } else if (s.name === 'aws_lb_controller_workqueue_depth') {
      queueDepth += s.value;
    } else if (s.name === 'aws_lb_controller_leader') {
      leader = s.value;
    } else if (s.name === 'process_cpu_seconds_total') {
      cpuSeconds = s.value;
    }
  }
  return { calls, reconciles, ingressesReconciled, queueDepth, leader, cpuSeconds };
}

const EMPTY: Snapshot = { calls: new Map(), reconciles: new Map(), ingressesReconciled: new Set(), queueDepth: 0, leader: 0, cpuSeconds: 0 };

async function snapshot(c: ControllerProcess): Promise<Snapshot> {
  return snapshotOf(parseMetrics(await c.metrics()));
}

const sum = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

function diff(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d > 0) out.set(k, d);
  }
  return out;
}

/** VmHWM / VmRSS of a process and its anonymous / file-backed resident pages, in MiB */
function memoryOf(pid: number): { hwmMiB: number; rssMiB: number; anonMiB: number; fileMiB: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const mib = (key: string): number => Math.round(Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024);
    return { hwmMiB: mib('VmHWM'), rssMiB: mib('VmRSS'), anonMiB: mib('RssAnon'), fileMiB: mib('RssFile') };
  } catch {
    return { hwmMiB: NaN, rssMiB: NaN, anonMiB: NaN, fileMiB: NaN };
  }
}

/**
 * Peaks, per phase, of what the controller's VmHWM is made of, sampled every second: its V8 heap (used and
 * committed, from prom-client's nodejs_heap_* gauges on /metrics), the memory held outside the heap by JS objects
 * (Buffers: nodejs_external_memory_bytes), and from /proc its anonymous and file-backed (the node binary's code)
 * resident pages. Separates garbage the GC has not yet collected from what the process holds.
 */
interface MemoryPeaks {
  readonly heapUsedMiB: number;
  readonly heapCommittedMiB: number;
  readonly externalMiB: number;
  readonly rssAnonMiB: number;
  readonly rssFileMiB: number;
}

class MemoryWatch {
  #peaks: Record<keyof MemoryPeaks, number> = MemoryWatch.#zero();
  readonly #timer: NodeJS.Timeout;

  constructor(current: () => ControllerProcess | undefined) {
    this.#timer = setInterval(() => { const c = current(); if (c) void this.#sample(c); }, POLL_MS);
  }

  static #zero(): Record<keyof MemoryPeaks, number> {
    return { heapUsedMiB: 0, heapCommittedMiB: 0, externalMiB: 0, rssAnonMiB: 0, rssFileMiB: 0 };
  }

  async #sample(c: ControllerProcess): Promise<void> {
    const mib = (bytes: number | undefined): number => Math.round((bytes ?? 0) / 1048576);
    let text: string;
    try { text = await c.metrics(); } catch { return; }
    const gauge = new Map(parseMetrics(text).filter((x) => Object.keys(x.labels).length === 0).map((x) => [x.name, x.value]));
    const proc = memoryOf(c.pid);
    const now: MemoryPeaks = {
      heapUsedMiB: mib(gauge.get('nodejs_heap_size_used_bytes')), heapCommittedMiB: mib(gauge.get('nodejs_heap_size_total_bytes')),
      externalMiB: mib(gauge.get('nodejs_external_memory_bytes')), rssAnonMiB: proc.anonMiB, rssFileMiB: proc.fileMiB,
    };
    for (const k of Object.keys(now) as (keyof MemoryPeaks)[]) if (Number.isFinite(now[k])) this.#peaks[k] = Math.max(this.#peaks[k], now[k]);
  }

  /** the peaks since the last take */
  take(): MemoryPeaks {
    const p = this.#peaks;
    this.#peaks = MemoryWatch.#zero();
    return p;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

// ---------------------------------------------------------------------------------------------------------
// phases

interface PhaseResult {
  readonly name: string;
  readonly seconds: number;
  /** named timings, seconds from the phase start */
  readonly timings: Record<string, number>;
  /** "service/Operation" or "service/Operation (outcome)" → calls in the phase */
  readonly calls: Record<string, number>;
  readonly reads: number;
  readonly writes: number;
  readonly failed: number;
  readonly reconciles: Record<string, number>;
  readonly controllerPid: number;
  readonly vmHwmMiB: number;
  readonly vmRssMiB: number;
  /** the controller's CPU seconds in the phase (less sensitive to the machine's load than the times) */
  readonly cpuSeconds: number;
  /** sampled peaks during the phase (what VmHWM is made of) */
  readonly memory: MemoryPeaks;
  readonly notes: string[];
  /** inbound rules the controller holds (labelled elbv2.k8s.aws/...) on the node security group, the pods' group here, at the phase end */
  readonly nodeSgRules: number;
  /** /healthz latency sampled during the phase (phase 7) */
  readonly health?: HealthStats;
}

function phaseResult(name: string, t0: number, timings: Record<string, number>, span: { before: Snapshot; after: Snapshot; ctrl: ControllerProcess; memory: MemoryWatch; nodeSgRules: number }, notes: string[]): PhaseResult {
  const { before, after, ctrl } = span;
  const d = diff(before.calls, after.calls);
  const calls: Record<string, number> = {};
  let reads = 0;
  let writes = 0;
  let failed = 0;
  for (const [k, v] of [...d].sort(([a], [b]) => a.localeCompare(b))) {
    const [svc, op, outcome] = k.split('/') as [string, string, string];
    calls[`${svc}/${op}${outcome === 'success' ? '' : ` (${outcome})`}`] = v;
    if (isWriteOperation(op)) writes += v; else reads += v;
    if (outcome !== 'success') failed += v;
  }
  const mem = memoryOf(ctrl.pid);
  return {
    name, seconds: (Date.now() - t0) / 1000, timings, calls, reads, writes, failed,
    reconciles: Object.fromEntries(diff(before.reconciles, after.reconciles)), controllerPid: ctrl.pid,
    vmHwmMiB: mem.hwmMiB, vmRssMiB: mem.rssMiB, cpuSeconds: Math.round((after.cpuSeconds - before.cpuSeconds) * 10) / 10, memory: span.memory.take(), notes,
    nodeSgRules: span.nodeSgRules,
  };
}


/**
 * waits until the AWS call and reconcile totals have not moved for SETTLE_MS with an empty work queue, records
 * timings.settled (the quiet SETTLE_MS not included) and returns the final snapshot. With --sync-period shorter than
 * a resync pass takes (at 60 s, from about 200 Ingresses on this machine) the passes follow each other without a
 * pause: it then gives up one sync period after it began and records `not settled` instead (the phase's counts then
 * include resync work).
 */
async function settle(ctrl: ControllerProcess, o: Options, t0: number, timings: Record<string, number>): Promise<Snapshot> {
  const limitMs = Math.min(o.timeoutMs, o.syncPeriodMs ?? Infinity);
  const deadline = Date.now() + limitMs;
  let prev = await snapshot(ctrl);
  let stableSince = Date.now();
  for (;;) {
    await sleep(500);
    const cur = await snapshot(ctrl);
    if (sum(cur.calls) !== sum(prev.calls) || sum(cur.reconciles) !== sum(prev.reconciles) || cur.queueDepth > 0) stableSince = Date.now();
    prev = cur;
    if (Date.now() - stableSince >= SETTLE_MS) { timings['settled'] = secs(t0) - SETTLE_MS / 1000; return cur; }
    if (Date.now() > deadline) {
      say(`warning: the controller did not settle within ${limitMs / 1000} s`);
      timings['not settled'] = secs(t0);
      return cur;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// the scenario

interface Backend {
  readonly ingress: string;
  readonly service: Service;
  pods: BackendPod[];
  enis: string[];
}

/** a subnet pods take their IPs from, and the next free slot of podIpIn in it */
interface PodSubnet { readonly id: string; readonly cidr: string; next: number }

interface World {
  readonly o: Options;
  readonly s: StandIns;
  readonly seeded: SeededFacts;
  readonly admin: KubeClients;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly ec2: EC2Client;
  readonly nodes: BackendNode[];
  readonly backends: Backend[];
  /** node name → the subnet its pods take IPs from */
  readonly podSubnets: Map<string, PodSubnet>;
  readonly logDir: string;
}

const ingressName = (i: number, o: Options): string =>
  (i < o.ingresses - o.groupSize ? `bench-${String(i).padStart(3, '0')}` : `bench-g-${String(i - (o.ingresses - o.groupSize)).padStart(3, '0')}`);

/** the addresses podIpIn gives out in a CIDR: 250 per /24, the first /24 left to the nodes */
const podSlots = (cidr: string): number => 250 * (2 ** (24 - Number(cidr.split('/')[1])) - 1);

/** /18s the seed leaves free in its VPC 10.0.0.0/16 (public /19s at .0 and .32, private /19s at .128 and .160) */
const POD_SUBNET_CIDRS = ['10.0.64.0/18', '10.0.192.0/18'];

/**
 * Chooses where pod IPs come from. Pods take the next free address of their node's subnet, so the run needs, per
 * node, two generations (initial and rollout) of its share of every Service's pods, the new Ingress of phase 3b
 * included. When a node subnet is too small for that (a /19 holds 7,750; 1,000 Ingresses of 10 pods need 10,010
 * per node), every node gets a pod subnet of its own in its AZ instead, as VPC CNI custom networking does; those
 * carry no role tag, so the controller never places a load balancer in them.
 */
async function planPodSubnets(w: World): Promise<void> {
  const perNode = (w.o.ingresses + 1) * 2 * Math.ceil(w.o.pods / w.nodes.length);
  const bySubnet = new Map<string, PodSubnet>();
  if (w.nodes.every((n) => podSlots(n.subnetCidr) >= perNode)) {
    for (const n of w.nodes) {
      const subnet = bySubnet.get(n.subnetId) ?? { id: n.subnetId, cidr: n.subnetCidr, next: 0 };
      bySubnet.set(n.subnetId, subnet);
      w.podSubnets.set(n.nodeName, subnet);
    }
    return;
  }
  if (w.nodes.length > POD_SUBNET_CIDRS.length || POD_SUBNET_CIDRS.some((c) => podSlots(c) < perNode)) {
    throw new Error(`${perNode} pod IPs per node do not fit the VPC's free space (${POD_SUBNET_CIDRS.join(', ')}); use fewer --pods or --ingresses`);
  }
  for (const [i, n] of w.nodes.entries()) {
    const cidr = POD_SUBNET_CIDRS[i] as string;
    const r = await w.ec2.send(new CreateSubnetCommand({
      VpcId: w.seeded.vpcId, CidrBlock: cidr, AvailabilityZone: n.az,
      TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'Name', Value: `bench-pods-${n.az}` }] }],
    }));
    w.podSubnets.set(n.nodeName, { id: r.Subnet?.SubnetId as string, cidr, next: 0 });
  }
  say(`  pods take their IPs from ${w.nodes.length} pod subnets (${POD_SUBNET_CIDRS.slice(0, w.nodes.length).join(', ')}): the node subnets hold fewer than ${perNode} per node`);
}

/**
 * creates the Pods `<app>-<i>` (pod i on node i mod nodes) with the next free IPs of their nodes' pod subnets and,
 * unless --no-pod-enis, one moto ENI per pod IP in that subnet with the node security group
 */
async function createPods(w: World, app: string, indices: readonly number[]): Promise<{ pods: BackendPod[]; enis: string[] }> {
  const pods: BackendPod[] = [];
  const enis: string[] = [];
  for (const i of indices) {
    const node = w.nodes[i % w.nodes.length] as BackendNode;
    const subnet = w.podSubnets.get(node.nodeName) as PodSubnet;
    const slot = subnet.next++;
    if (slot >= podSlots(subnet.cidr)) throw new Error(`subnet ${subnet.cidr} has no pod address left`);
    // createBackendPods puts pod i on nodes[i mod nodes] at podIpIn(subnetCidr, ipBase + i): one node, base shifted to the slot
    const [pod] = await createBackendPods(w.admin, { namespace: NS, app, nodes: [{ ...node, subnetCidr: subnet.cidr }], indices: [i], ipBase: slot - i });
    const p = pod as BackendPod;
    pods.push(p);
    if (!w.o.podEnis) continue;
    const r = await w.ec2.send(new CreateNetworkInterfaceCommand({
      SubnetId: subnet.id, PrivateIpAddress: p.ip, Groups: [w.seeded.nodeSecurityGroupId], Description: `pod ${NS}/${p.name}`,
    }));
    if (r.NetworkInterface?.NetworkInterfaceId) enis.push(r.NetworkInterface.NetworkInterfaceId);
  }
  return { pods, enis };
}

/** a NodePort Service `name` with --pods Pods, their ENIs and their EndpointSlice */
async function createBackend(w: World, name: string): Promise<Backend> {
  const service = await w.admin.services.create({
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS },
    spec: { type: 'NodePort', selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  } as Service, NS);
  const { pods, enis } = await createPods(w, name, [...Array(w.o.pods).keys()]);
  await writeEndpointSlice(w.admin, { namespace: NS, service, pods });
  return { ingress: name, service, pods, enis };
}

/** an internet-facing ip-target Ingress `name` routing to the Service `name`; with `order`, a member of the explicit group */
async function createIngress(w: World, name: string, order?: number): Promise<void> {
  const annotations: Record<string, string> = {
    'alb.ingress.kubernetes.io/scheme': 'internet-facing',
    'alb.ingress.kubernetes.io/target-type': 'ip',
    ...(order !== undefined ? { 'alb.ingress.kubernetes.io/group.name': GROUP, 'alb.ingress.kubernetes.io/group.order': String(order) } : {}),
  };
  await w.admin.ingresses.create({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: NS, annotations },
    spec: {
      ingressClassName: 'alb',
      rules: [{ http: { paths: [{ path: order !== undefined ? `/${name}` : '/', pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } }] } }],
    },
  } as Ingress, NS);
}

async function createWorkload(w: World): Promise<void> {
  const { o } = w;
  const firstGroupMember = o.ingresses - o.groupSize;
  let done = 0;
  const backends = await mapLimit([...Array(o.ingresses).keys()], SETUP_CONCURRENCY, async (i) => {
    const name = ingressName(i, o);
    const b = await createBackend(w, name);
    await createIngress(w, name, i >= firstGroupMember ? i - firstGroupMember + 1 : undefined);
    if (++done % 50 === 0) say(`  created ${done}/${o.ingresses} Ingresses with their Services, pods and EndpointSlices`);
    return b;
  });
  w.backends.push(...backends);
}

async function ingressesWithHostname(w: World): Promise<number> {
  const list = await w.admin.ingresses.list(NS);
  return list.items.filter((i) => i.status?.loadBalancer?.ingress?.[0]?.hostname).length;
}

/** service name → target group ARN, from the TargetGroupBindings the controller wrote */
async function targetGroupsByService(w: World): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const t of (await w.admin.targetGroupBindings.list(NS)).items) {
    if (t.spec.targetGroupARN) out.set(t.spec.serviceRef.name, t.spec.targetGroupARN);
  }
  return out;
}

/** whether the target group holds exactly the backend's current pod IPs */
async function holdsPods(w: World, arn: string, b: Backend): Promise<boolean> {
  const got = ((await w.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))).TargetHealthDescriptions ?? [])
    .map((d) => `${d.Target?.Id}:${d.Target?.Port}`).sort();
  const want = b.pods.map((p) => `${p.ip}:8080`).sort();
  return JSON.stringify(got) === JSON.stringify(want);
}

/** how many Services have exactly their current pods' IPs registered (checks only those not yet known to match) */
async function targetsMatching(w: World, matched: Set<string>): Promise<number> {
  const tgs = await targetGroupsByService(w);
  for (const b of w.backends) {
    const name = b.service.metadata?.name ?? '';
    if (matched.has(name)) continue;
    const arn = tgs.get(name);
    if (arn && await holdsPods(w, arn, b)) matched.add(name);
  }
  return matched.size;
}

/** what moto still holds that carries this cluster's tag: load balancers, target groups, security groups; and labelled SG rules */
async function ownedInMoto(w: World): Promise<{ lbs: number; tgs: number; sgs: number; labelledRules: number; lbArns: string[] }> {
  // every page: moto answers 50 per page by default
  const lbs: LoadBalancer[] = [];
  for await (const p of paginateDescribeLoadBalancers({ client: w.elbv2 }, {})) lbs.push(...(p.LoadBalancers ?? []));
  const tgs: TargetGroup[] = [];
  for await (const p of paginateDescribeTargetGroups({ client: w.elbv2 }, {})) tgs.push(...(p.TargetGroups ?? []));
  const arns = [...lbs.map((l) => l.LoadBalancerArn as string), ...tgs.map((t) => t.TargetGroupArn as string)];
  const owned = new Set<string>();
  for (let i = 0; i < arns.length; i += 20) {
    const out = await w.elbv2.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }));
    for (const d of out.TagDescriptions ?? []) if (d.Tags?.some((t) => t.Key === TAG_CLUSTER && t.Value === CLUSTER)) owned.add(d.ResourceArn ?? '');
  }
  let sgs = 0;
  for await (const p of paginateDescribeSecurityGroups({ client: w.ec2 }, { Filters: [{ Name: `tag:${TAG_CLUSTER}`, Values: [CLUSTER] }] })) sgs += p.SecurityGroups?.length ?? 0;
  const lbArns = lbs.map((l) => l.LoadBalancerArn as string).filter((a) => owned.has(a)).sort();
  return { lbs: lbArns.length, tgs: tgs.filter((t) => owned.has(t.TargetGroupArn as string)).length, sgs, labelledRules: await nodeSgRules(w), lbArns };
}

/**
 * the inbound rules the controller holds on the node security group (which the pods' ENIs carry here): those whose
 * description carries its label (elbv2.k8s.aws/targetGroupBinding=...). One rule per source (group, CIDR or prefix
 * list) and port range, as AWS counts them against the rules-per-group quota.
 */
async function nodeSgRules(w: World): Promise<number> {
  const ours = (d: string | undefined): boolean => d?.startsWith('elbv2.k8s.aws/') ?? false;
  const count = (p: IpPermission): number => [...p.UserIdGroupPairs ?? [], ...p.IpRanges ?? [], ...p.Ipv6Ranges ?? [], ...p.PrefixListIds ?? []]
    .filter((x) => ours(x.Description)).length;
  const sg = (await w.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [w.seeded.nodeSecurityGroupId] }))).SecurityGroups?.[0];
  return (sg?.IpPermissions ?? []).reduce((n, p) => n + count(p), 0);
}

async function startController(w: World, name: string): Promise<ControllerProcess> {
  const c = await startControllerProcess({
    clusterName: w.s.clusterName, kubeconfig: w.s.controllerKubeconfigPath, region: w.s.region, vpcId: w.seeded.vpcId,
    awsEndpoint: w.s.motoUrl, logFile: join(w.logDir, `${name}.log`), extraArgs: w.o.controllerArgs,
  });
  say(`controller ${name} started as pid ${c.pid} (log ${join(w.logDir, `${name}.log`)})`);
  return c;
}

/** HEAD and how many files under src/ differ from it (the controller runs from the working tree) */
function gitState(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', 'src'], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
    return dirty ? `${head} + ${dirty} uncommitted file(s) under src/` : head;
  } catch {
    return 'unknown';
  }
}

/**
 * moto's answers with a 5xx status, from its access log: an unhandled exception in moto (the SDK retries them, and
 * the attempt counts as a failed call with outcome `Error` when the body is not XML). The log is kept with the
 * controller's, since the stand-ins' run directory goes when they stop.
 */
function motoServerErrors(s: StandIns): string[] {
  try {
    return readFileSync(join(s.runDir, 'logs', 'moto.log'), 'utf8').split('\n').filter((l) => /" 5\d\d /.test(l));
  } catch {
    return [];
  }
}

const secs = (t0: number): number => Math.round((Date.now() - t0) / 100) / 10;

async function run(o: Options): Promise<void> {
  const implicit = o.ingresses - o.groupSize;
  const groups = implicit + (o.groupSize > 0 ? 1 : 0);
  const logDir = join(tmpdir(), `aws-lb-controller-bench-${process.pid}`);
  mkdirSync(logDir, { recursive: true });
  const machine = {
    date: new Date().toISOString(),
    nproc: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    node: process.version,
    moto: MOTO_VERSION,
    commit: gitState(),
    loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    controllerArgs: o.controllerArgs.join(' '),
  };
  say(`${o.ingresses} Ingresses (${implicit} implicit groups + 1 group of ${o.groupSize}) = ${groups} ALBs, ${o.pods} pods each; `
    + `machine: ${machine.nproc} cores, node ${machine.node}, load ${machine.loadavgAtStart.join(' ')}; logs in ${logDir}`);
  say('starting the stand-ins');
  const s = await startStandIns({ clusterName: CLUSTER, log: (m) => say(`  ${m}`) });
  let ctrl: ControllerProcess | undefined;
  const elbv2 = new ElasticLoadBalancingV2Client({ ...s.aws });
  const ec2 = new EC2Client({ ...s.aws });
  const onSignal = (): void => {
    say('interrupted; stopping the controller and the stand-ins');
    void (async () => { await ctrl?.stop(5_000); await s.stop(); process.exit(130); })();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results: PhaseResult[] = [];
  const memory = new MemoryWatch(() => ctrl);
  try {
    const seeded = s.seeded as SeededFacts;
    const w: World = {
      o, s, seeded, elbv2, ec2, logDir, backends: [], podSubnets: new Map(),
      admin: createKubeClients({ kubeconfig: s.adminKubeconfigPath }),
      nodes: backendNodes(seeded),
    };
    const tSetup = Date.now();
    if (!o.hostileOnly) {
      say('creating the workload (before the controller starts)');
      await planPodSubnets(w);
      await createWorkload(w);
      say(`workload created in ${secs(tSetup)} s`);
    }

    // 1. cold converge
    if (!o.hostileOnly) {
      say('phase 1: cold converge');
      const t0 = Date.now();
      ctrl = await startController(w, 'first');
      const c = ctrl;
      const timings: Record<string, number> = {};
      await waitFor('controller ready', () => c.ready(), o.timeoutMs);
      timings['ready'] = secs(t0);
      await waitFor('all hostnames', async () => (await ingressesWithHostname(w)) === o.ingresses, o.timeoutMs);
      timings['all hostnames'] = secs(t0);
      const matched = new Set<string>();
      await waitFor('all targets registered', async () => (await targetsMatching(w, matched)) === o.ingresses, o.timeoutMs, 2 * POLL_MS);
      timings['all targets'] = secs(t0);
      const after = await settle(c, o, t0, timings);
      const r = phaseResult('1 cold converge', t0, timings, { before: EMPTY, after, ctrl: c, memory, nodeSgRules: await nodeSgRules(w) }, []);
      r.notes.push(`${Math.round((r.reads + r.writes) / o.ingresses * 10) / 10} calls per Ingress (${Math.round(r.reads / o.ingresses * 10) / 10} reads, ${Math.round(r.writes / o.ingresses * 10) / 10} writes); ${Math.round((r.reads + r.writes) / groups * 10) / 10} per ALB`);
      results.push(r);
      printPhase(r);
    }
    const lbsBefore = ctrl ? (await ownedInMoto(w)).lbArns : [];

    // 2. steady state
    if (ctrl) {
      say(`phase 2: steady state (${o.quietMs / 1000} s, nothing changes)`);
      const c = ctrl;
      const before = await snapshot(c);
      const t0 = Date.now();
      await sleep(o.quietMs);
      const after = await snapshot(c);
      results.push(phaseResult('2 steady state', t0, { window: o.quietMs / 1000 }, { before, after, ctrl: c, memory, nodeSgRules: await nodeSgRules(w) }, []));
      printPhase(results.at(-1) as PhaseResult);
    }

    // 3. restart
    if (ctrl) {
      say('phase 3: controller restart (SIGTERM, start again)');
      const old = ctrl;
      const oldMem = memoryOf(old.pid);
      const t0 = Date.now();
      const code = await old.stop(o.timeoutMs);
      const timings: Record<string, number> = { stopped: secs(t0) };
      ctrl = undefined;
      const tStart = Date.now();
      ctrl = await startController(w, 'second');
      const c = ctrl;
      await waitFor('controller ready', () => c.ready(), o.timeoutMs);
      timings['ready'] = secs(t0);
      await waitFor('leader', async () => (await snapshot(c)).leader === 1, o.timeoutMs, 250);
      timings['leader'] = secs(t0);
      await waitFor('every Ingress reconciled once', async () => (await snapshot(c)).ingressesReconciled.size >= o.ingresses, o.timeoutMs, 250);
      timings['all Ingresses reconciled'] = secs(t0);
      const after = await settle(c, o, t0, timings);
      const lbsAfter = (await ownedInMoto(w)).lbArns;
      const notes = [`old process exited with ${String(code)} (VmHWM ${oldMem.hwmMiB} MiB); new process up ${secs(tStart)} s after start`,
        `load balancers ${JSON.stringify(lbsAfter) === JSON.stringify(lbsBefore) ? 'unchanged' : 'CHANGED'} (${lbsAfter.length})`];
      const r = phaseResult('3 restart', t0, timings, { before: EMPTY, after, ctrl: c, memory, nodeSgRules: await nodeSgRules(w) }, notes);
      results.push(r);
      printPhase(r);
    }

    // 3b. a new Ingress created while the controller restarts: how long until it is served
    if (ctrl) {
      say(`phase 3b: restart again and create the Ingress ${NEW_INGRESS} right after the new process starts`);
      // its Service, pods and EndpointSlice exist beforehand, as they would for a new Ingress in front of a running app
      const extra = await createBackend(w, NEW_INGRESS);
      const t0 = Date.now();
      await ctrl.stop(o.timeoutMs);
      ctrl = undefined;
      ctrl = await startController(w, 'third');
      const c = ctrl;
      const tCreate = Date.now();
      await createIngress(w, NEW_INGRESS);
      const timings: Record<string, number> = { 'Ingress created': secs(t0) };
      const hostname = await waitFor('the new Ingress has a hostname',
        async () => (await w.admin.ingresses.get(NEW_INGRESS, NS))?.status?.loadBalancer?.ingress?.[0]?.hostname, o.timeoutMs, 250);
      timings['hostname'] = secs(t0);
      await waitFor('its load balancer', async () => {
        for await (const p of paginateDescribeLoadBalancers({ client: w.elbv2 }, {})) if (p.LoadBalancers?.some((l) => l.DNSName === hostname)) return true;
        return false;
      }, o.timeoutMs, POLL_MS);
      timings['ALB found'] = secs(t0);
      await waitFor('its targets registered', async () => {
        const arn = (await targetGroupsByService(w)).get(NEW_INGRESS);
        return arn !== undefined && await holdsPods(w, arn, extra);
      }, o.timeoutMs, POLL_MS);
      timings['targets registered'] = secs(t0);
      const served = secs(tCreate);
      const after = await settle(c, o, t0, timings);
      const r = phaseResult('3b new Ingress during restart', t0, timings, { before: EMPTY, after, ctrl: c, memory, nodeSgRules: await nodeSgRules(w) },
        [`${NEW_INGRESS} served (hostname, ALB, its pod IPs registered) ${served} s after it was created, ${timings['targets registered']} s after SIGTERM`,
          `counts are the new process's total: the restart with ${o.ingresses} Ingresses plus the new one`]);
      results.push(r);
      printPhase(r);
      // not measured: take the new Ingress and its backend away again, so that phases 4-6 see the same N Ingresses
      await w.admin.ingresses.delete(NEW_INGRESS, NS);
      await waitFor('the new Ingress deleted', async () => (await w.admin.ingresses.get(NEW_INGRESS, NS)) === undefined, o.timeoutMs);
      await waitFor('its TargetGroupBinding deleted', async () => !(await targetGroupsByService(w)).has(NEW_INGRESS), o.timeoutMs, POLL_MS);
      await w.admin.endpointSlices.delete(`${NEW_INGRESS}-demo`, NS);
      await w.admin.services.delete(NEW_INGRESS, NS);
      await mapLimit(extra.pods, SETUP_CONCURRENCY, (p) => w.admin.pods.delete(p.name, NS));
      await mapLimit(extra.enis, SETUP_CONCURRENCY, (id) => w.ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: id })));
      await settle(c, o, t0, {});
    }

    // 4. pod rollout
    if (ctrl) {
      say('phase 4: pod rollout (new pods with new IPs for every Service)');
      const c = ctrl;
      const before = await snapshot(c);
      const t0 = Date.now();
      const timings: Record<string, number> = {};
      const old = w.backends.map((b) => ({ pods: b.pods, enis: b.enis }));
      const fresh = await mapLimit(w.backends, SETUP_CONCURRENCY, (b) => createPods(w, b.ingress, [...Array(o.pods).keys()].map((i) => i + o.pods)));
      timings['new pods created'] = secs(t0);
      const tSlices = Date.now();
      for (const [i, b] of w.backends.entries()) {
        const f = fresh[i] as { pods: BackendPod[]; enis: string[] };
        b.pods = f.pods;
        b.enis = f.enis;
        await writeEndpointSlice(w.admin, { namespace: NS, service: b.service, pods: b.pods });
      }
      timings['EndpointSlices written'] = secs(t0);
      await mapLimit(old.flatMap((x) => x.pods), SETUP_CONCURRENCY, (p) => w.admin.pods.delete(p.name, NS));
      timings['old pods deleted'] = secs(t0);
      const matched = new Set<string>();
      await waitFor('targets match the new pods', async () => (await targetsMatching(w, matched)) === o.ingresses, o.timeoutMs, 2 * POLL_MS);
      timings['all targets match'] = secs(t0);
      const notes = [`targets matched ${secs(tSlices)} s after the first EndpointSlice write (bench polls every ${2 * POLL_MS / 1000} s)`];
      await mapLimit(old.flatMap((x) => x.enis), SETUP_CONCURRENCY, (id) => w.ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: id })));
      const after = await settle(c, o, t0, timings);
      const r = phaseResult('4 pod rollout', t0, timings, { before, after, ctrl: c, memory, nodeSgRules: await nodeSgRules(w) }, notes);
      results.push(r);
      printPhase(r);
    }

    // 5. one annotation change
    if (ctrl) {
      say('phase 5: one annotation change (healthcheck-path on one Ingress)');
      const c = ctrl;
      const target = w.backends[0] as Backend;
      const before = await snapshot(c);
      const t0 = Date.now();
      await w.admin.ingresses.mergePatch(target.ingress, NS, { metadata: { annotations: { 'alb.ingress.kubernetes.io/healthcheck-path': HC_PATH } } });
      const arn = (await targetGroupsByService(w)).get(target.ingress) as string;
      await waitFor('health check path applied', async () =>
        (await w.elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] }))).TargetGroups?.[0]?.HealthCheckPath === HC_PATH, o.timeoutMs, 250);
      const timings: Record<string, number> = { applied: secs(t0) };
      const after = await settle(c, o, t0, timings);
      const r = phaseResult('5 annotation change', t0, timings, { before, after, ctrl: c, memory, nodeSgRules: await nodeSgRules(w) }, [`${target.ingress}: healthcheck-path ${HC_PATH}`]);
      results.push(r);
      printPhase(r);
    }

    // 6. delete everything
    if (ctrl) {
      say('phase 6: delete all Ingresses');
      const c = ctrl;
      const before = await snapshot(c);
      const t0 = Date.now();
      for (const b of w.backends) await w.admin.ingresses.delete(b.ingress, NS);
      const timings: Record<string, number> = { 'deletes sent': secs(t0) };
      await waitFor('Ingresses gone (finalizers removed)', async () => (await w.admin.ingresses.list(NS)).items.length === 0, o.timeoutMs);
      timings['finalizers gone'] = secs(t0);
      let left = await ownedInMoto(w);
      try {
        await waitFor('nothing owned left in moto', async () => {
          left = await ownedInMoto(w);
          return left.lbs + left.tgs + left.sgs + left.labelledRules === 0 && (await w.admin.targetGroupBindings.list(NS)).items.length === 0;
        }, o.timeoutMs, 2 * POLL_MS);
        timings['moto empty'] = secs(t0);
      } catch (err) {
        say(`warning: ${(err as Error).message}`);
      }
      const after = await settle(c, o, t0, timings);
      const r = phaseResult('6 delete all', t0, timings, { before, after, ctrl: c, memory, nodeSgRules: await nodeSgRules(w) },
        [`left in moto: ${left.lbs} LBs, ${left.tgs} TGs, ${left.sgs} SGs, ${left.labelledRules} labelled node-SG rules`]);
      results.push(r);
      printPhase(r);
    }

    // 7. hostile inputs
    if (o.hostile) {
      say(`phase 7: hostile inputs (${o.hostile.ports} listen ports on one Ingress, a group of ${o.hostile.members} members)`);
      const t0 = Date.now();
      if (ctrl) { await ctrl.stop(30_000); ctrl = undefined; }
      const r = await hostilePhase({
        admin: w.admin, namespace: NS, say,
        start: async () => { ctrl = await startController(w, 'hostile'); return { ctrl, logFile: join(w.logDir, 'hostile.log') }; },
      }, o.hostile);
      const after = await snapshot(r.ctrl);
      const timings = Object.fromEntries(Object.entries(r.timings).filter((e): e is [string, number] => e[1] !== null));
      const h = r.health;
      const healthNote = `/healthz every 100 ms from the start: ${h.samples} samples, p50 ${h.p50Ms} ms, p99 ${h.p99Ms} ms, max ${h.maxMs} ms, ${h.over1s} over 1 s${h.slowAt.length ? ` (sent at ${h.slowAt.join(', ')} s)` : ''}, ${h.failed} failed or over 10 s`;
      const result = { ...phaseResult('7 hostile inputs', t0, timings, { before: EMPTY, after, ctrl: r.ctrl, memory, nodeSgRules: await nodeSgRules(w) }, [healthNote, ...r.notes]), health: h };
      results.push(result);
      printPhase(result);
    }

    const summary = { machine: { ...machine, loadavgAtEnd: loadavg().map((x) => Math.round(x * 100) / 100) }, options: o, groups, results, motoServerErrors: motoServerErrors(s) };
    process.stdout.write(renderSummary(summary));
    if (o.json) writeFileSync(o.json, JSON.stringify(summary, null, 2) + '\n');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    memory.stop();
    if (ctrl) { say(`stopping the controller (pid ${ctrl.pid})`); await ctrl.stop(15_000); }
    elbv2.destroy();
    ec2.destroy();
    try { copyFileSync(join(s.runDir, 'logs', 'moto.log'), join(logDir, 'moto.log')); } catch { /* the log is a diagnostic only */ }
    say('stopping the stand-ins');
    await s.stop();
    say(`controller logs kept in ${logDir}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// output

const memoryNote = (m: MemoryPeaks): string =>
  `peaks: JS heap ${m.heapUsedMiB} used / ${m.heapCommittedMiB} committed, external ${m.externalMiB}, RssAnon ${m.rssAnonMiB}, RssFile ${m.rssFileMiB} MiB`;

function printPhase(r: PhaseResult): void {
  const lines = [`\n== ${r.name}: ${r.reads + r.writes} AWS calls (${r.reads} reads, ${r.writes} writes${r.failed ? `, ${r.failed} failed` : ''}); `
    + `timings ${Object.entries(r.timings).map(([k, v]) => `${k} ${Math.round(v * 10) / 10} s`).join(', ')}; controller CPU ${r.cpuSeconds} s; VmHWM ${r.vmHwmMiB} MiB (${memoryNote(r.memory)}); node-SG rules ${r.nodeSgRules}`];
  for (const [k, v] of Object.entries(r.calls)) lines.push(`   ${k.padEnd(52)} ${v}`);
  if (Object.keys(r.reconciles).length) lines.push(`   reconciles: ${Object.entries(r.reconciles).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const n of r.notes) lines.push(`   note: ${n}`);
  process.stdout.write(lines.join('\n') + '\n');
}

function renderSummary(x: { machine: Record<string, unknown>; options: Options; groups: number; results: PhaseResult[]; motoServerErrors: string[] }): string {
  const m = x.machine;
  const out: string[] = [
    '',
    x.options.hostileOnly
      ? `### Hostile inputs only (${x.options.hostile?.ports} listen ports, a group of ${x.options.hostile?.members}) — ${String(m.date).slice(0, 10)}`
      : `### ${x.options.ingresses} Ingresses (${x.groups} ALBs, explicit group of ${x.options.groupSize}), ${x.options.pods} pods each — ${String(m.date).slice(0, 10)}`,
    '',
    `Machine: ${String(m.nproc)} cores, Node ${String(m.node)}, moto ${String(m.moto)}; code ${String(m.commit)}; load average ${(m.loadavgAtStart as number[]).join(' ')} at start, ${(m.loadavgAtEnd as number[]).join(' ')} at end; controller flags: ${String(m.controllerArgs) || 'defaults'}.`,
    '',
    '| phase | time (s) | AWS calls | reads | writes | failed | reconciles (ingress / tgb) | controller CPU (s) | VmHWM (MiB) | JS heap peak: used / committed (MiB) | RssFile (MiB) | node-SG rules |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of x.results) {
    const rec = (ctl: string): number => Object.entries(r.reconciles).filter(([k]) => k.startsWith(`${ctl}/`)).reduce((a, [, v]) => a + v, 0);
    const t = r.timings;
    const time = t['settled'] ?? t['window'] ?? r.seconds;
    out.push(`| ${r.name} | ${Math.round(time * 10) / 10} | ${r.reads + r.writes} | ${r.reads} | ${r.writes} | ${r.failed} | ${rec('ingress')} / ${rec('targetGroupBinding')} | ${r.cpuSeconds} | ${r.vmHwmMiB} | ${r.memory.heapUsedMiB} / ${r.memory.heapCommittedMiB} | ${r.memory.rssFileMiB} | ${r.nodeSgRules} |`);
  }
  out.push('', 'Timings (seconds from the phase start):', '');
  for (const r of x.results) out.push(`- ${r.name}: ${Object.entries(r.timings).map(([k, v]) => `${k} ${Math.round(v * 10) / 10}`).join(', ')}${r.notes.length ? `; ${r.notes.join('; ')}` : ''}`);
  const ops = [...new Set(x.results.flatMap((r) => Object.keys(r.calls)))].sort();
  out.push('', 'AWS calls by operation:', '', `| operation | ${x.results.map((r) => r.name.split(' ')[0]).join(' | ')} |`, `|---|${x.results.map(() => '---:').join('|')}|`);
  for (const op of ops) out.push(`| ${op}${isWriteOperation(op.split('/')[1]?.split(' ')[0] ?? '') ? ' (w)' : ''} | ${x.results.map((r) => r.calls[op] ?? '').join(' | ')} |`);
  out.push('', `moto answered ${x.motoServerErrors.length} request(s) with a 5xx status${x.motoServerErrors.length ? `: ${x.motoServerErrors.slice(0, 5).join('; ')}` : ''}.`);
  return out.join('\n') + '\n';
}

try {
  await run(options(process.argv.slice(2)));
} catch (err) {
  say(`failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
}
