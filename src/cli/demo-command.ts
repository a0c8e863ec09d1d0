// `aws-lb-controller demo [--exit]` (npm run demo): local stand-ins (moto + etcd + kube-apiserver), the seed's
// two Ingresses (ALBs) and one Service of type LoadBalancer (an NLB) with their Services and backend Pods, and the
// controller as its own process under the controller user's RBAC; waits until all converge, prints the topology
// read back from moto and the Ingress and Service status, then stays up for kubectl until Ctrl-C (or stops at once
// with --exit).
//
// The pieces are exported for the end-to-end tests: startControllerProcess, createBackendPods,
// writeEndpointSlice, readTopology, renderTopology, awsCallCounts.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeTagsCommand, DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, type Action, type LoadBalancer, type RuleCondition, type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { parseAllDocuments } from 'yaml';
import { createKubeClients, isNotFound, type KubeClients } from '../k8s/client.ts';
import type { Ingress, KubeObject, Service } from '../k8s/types.ts';
import { readReconcileStatus, SERVICE_RECONCILE_STATUS_ANNOTATION } from '../k8s/status.ts';
import { parseMetrics } from '../server/metrics.ts';
import { TAG_CLUSTER, TAG_INGRESS_STACK, TAG_SERVICE_STACK } from '../model/tags.ts';
import { EXIT_ERROR, EXIT_OK, UsageError, type Io } from './io.ts';
import { backendNodes, createBackendPods, writeEndpointSlice } from '../stand-ins/backends.ts';
import { CONTROLLER_NODE_FLAGS, controllerBundle } from '../../scripts/build/controller-bundle.ts';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EXAMPLES_DIR = join(REPO_ROOT, 'examples', 'seed');

export const DEMO_USAGE = `Usage: aws-lb-controller demo [--exit] [--timeout SECONDS]

Starts local stand-ins (moto for AWS, etcd + kube-apiserver for Kubernetes; the first run builds them),
applies examples/seed/*.yaml with backend Pods, runs the controller as its own process, waits until both
Ingresses (ALBs) and the echo Service (an NLB with a TCP and a TLS listener) are served, and prints the load
balancers, listeners, rules, target groups and targets read back from moto, the Ingress and Service status,
and the controller's AWS calls by operation.

Flags:
  --exit              stop everything after printing (default: stay up for kubectl until Ctrl-C)
  --timeout SECONDS   how long to wait for convergence (default 180)
`;

// ---------------------------------------------------------------------------------------------------------
// the controller as a child process

export interface ControllerProcessOptions {
  readonly clusterName: string;
  readonly kubeconfig: string;
  /** omitted: not given, so read from instance metadata (point AWS_EC2_METADATA_SERVICE_ENDPOINT in `env` at a stand-in) */
  readonly region?: string;
  readonly vpcId?: string;
  readonly awsEndpoint: string;
  readonly logFile: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly extraArgs?: readonly string[];
  /** lease namespace (default "default") */
  readonly leaseNamespace?: string;
}

export interface ControllerProcess {
  readonly pid: number;
  readonly metricsUrl: string;
  readonly healthUrl: string;
  readonly child: ChildProcess;
  /** resolves with the exit code (or signal) */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after graceMs; by PID */
  stop(graceMs?: number): Promise<number | string>;
  /** SIGKILL by PID */
  kill(): Promise<number | string>;
  metrics(): Promise<string>;
  ready(): Promise<boolean>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)); });
  });
}

export async function startControllerProcess(o: ControllerProcessOptions): Promise<ControllerProcess> {
  const [mPort, hPort] = [await freePort(), await freePort()];
  mkdirSync(dirname(o.logFile), { recursive: true });
  const fd = openSync(o.logFile, 'a');
  // the image's entry, bundled as the image bundles it (ADR 0005): what the demo, the tests and the benchmark run
  const args = [...CONTROLLER_NODE_FLAGS, await controllerBundle(), 'run',
    `--cluster-name=${o.clusterName}`, `--kubeconfig=${o.kubeconfig}`,
    ...(o.region === undefined ? [] : [`--aws-region=${o.region}`]), ...(o.vpcId === undefined ? [] : [`--aws-vpc-id=${o.vpcId}`]),
    `--aws-api-endpoints=elasticloadbalancing=${o.awsEndpoint},ec2=${o.awsEndpoint},acm=${o.awsEndpoint},tagging=${o.awsEndpoint},wafv2=${o.awsEndpoint},shield=${o.awsEndpoint}`,
    `--metrics-bind-addr=127.0.0.1:${mPort}`, `--health-probe-bind-addr=127.0.0.1:${hPort}`,
    `--leader-election-namespace=${o.leaseNamespace ?? 'default'}`, `--webhook-cert-dir=${join(dirname(o.logFile), 'no-webhook-certs')}`,
    ...(o.extraArgs ?? [])];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT, stdio: ['ignore', fd, fd],
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_EC2_METADATA_DISABLED: 'true', ...o.env },
  });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the controller process');
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let done = false;
  void exited.then(() => { done = true; });
  const metricsUrl = `http://127.0.0.1:${mPort}/metrics`;
  const healthUrl = `http://127.0.0.1:${hPort}`;
  const signalled = async (sig: NodeJS.Signals, graceMs: number): Promise<number | string> => {
    if (done) return exited;
    try { process.kill(pid, sig); } catch { /* gone */ }
    const timer = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, graceMs);
    const r = await exited;
    clearTimeout(timer);
    return r;
  };
  return {
    pid, metricsUrl, healthUrl, child, exited,
    stop: (graceMs = 15_000) => signalled('SIGTERM', graceMs),
    kill: () => signalled('SIGKILL', 0),
    metrics: async () => { const r = await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) }); return r.text(); },
    ready: async () => {
      try { const r = await fetch(`${healthUrl}/readyz`, { signal: AbortSignal.timeout(2_000) }); await r.text(); return r.ok; } catch { return false; }
    },
  };
}

/** AWS calls by operation ("service/Operation" → count) from a /metrics text */
export function awsCallCounts(metricsText: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of parseMetrics(metricsText)) {
    if (s.name !== 'aws_lb_controller_aws_api_calls_total') continue;
    const k = `${s.labels.service}/${s.labels.operation}${s.labels.outcome === 'success' ? '' : ` (${s.labels.outcome})`}`;
    out[k] = (out[k] ?? 0) + s.value;
  }
  return out;
}

/** creates every object of the YAML files in dir (Services and Ingresses), each through `edit`; existing ones are left */
export async function applyExamples(kube: KubeClients, dir = EXAMPLES_DIR, edit: (obj: KubeObject) => KubeObject = (o) => o): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const f of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
      const raw = doc.toJS() as KubeObject | null;
      const obj = raw ? edit(raw) : raw;
      if (!obj?.kind) continue;
      const ns = obj.metadata?.namespace ?? 'default';
      const client = obj.kind === 'Service' ? kube.services : obj.kind === 'Ingress' ? kube.ingresses : undefined;
      if (!client) throw new Error(`${f}: the demo applies Services and Ingresses only, not ${obj.kind}`);
      try {
        out.push(await (client as KubeClients['services']).create(obj as Service, ns));
      } catch (err) {
        if ((err as { status?: number }).status !== 409) throw err;
        out.push((await (client as KubeClients['services']).get(obj.metadata?.name ?? '', ns)) as KubeObject);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// reading the result back from moto

export interface TopologyTarget { readonly id: string; readonly port?: number; readonly state?: string }
export interface TopologyTargetGroup { readonly arn: string; readonly name: string; readonly targetType: string; readonly port?: number; readonly targets: TopologyTarget[] }
export interface TopologyRule { readonly priority: string; readonly conditions: string[]; readonly actions: string[] }
export interface TopologyListener {
  readonly port: number; readonly protocol: string; readonly defaultActions: string[]; readonly rules: TopologyRule[];
  /** the default certificate of an HTTPS or TLS listener */
  readonly certificate?: string;
}
export interface TopologyLoadBalancer {
  readonly arn: string; readonly name: string; readonly dnsName: string; readonly scheme: string; readonly stack: string;
  /** application or network */
  readonly type: string;
  readonly listeners: TopologyListener[]; readonly targetGroups: TopologyTargetGroup[];
}

const describeCondition = (c: RuleCondition): string => {
  const vals = c.HostHeaderConfig?.Values ?? c.PathPatternConfig?.Values ?? c.HttpRequestMethodConfig?.Values ?? c.SourceIpConfig?.Values
    ?? c.HttpHeaderConfig?.Values ?? c.QueryStringConfig?.Values?.map((q) => `${q.Key ?? ''}=${q.Value ?? ''}`) ?? c.Values ?? [];
  return `${c.Field}${c.HttpHeaderConfig?.HttpHeaderName ? `[${c.HttpHeaderConfig.HttpHeaderName}]` : ''} ${vals.join(',')}`;
};

function describeAction(a: Action, tgNames: ReadonlyMap<string, string>): string {
  const tg = (arn: string | undefined): string => (arn ? tgNames.get(arn) ?? arn : '?');
  if (a.Type === 'forward') {
    const tgs = a.ForwardConfig?.TargetGroups?.map((t) => `${tg(t.TargetGroupArn)}${t.Weight !== undefined && (a.ForwardConfig?.TargetGroups?.length ?? 0) > 1 ? `:${t.Weight}` : ''}`) ?? [tg(a.TargetGroupArn)];
    return `forward → ${tgs.join(', ')}`;
  }
  if (a.Type === 'fixed-response') return `fixed-response ${a.FixedResponseConfig?.StatusCode ?? ''} ${a.FixedResponseConfig?.ContentType ?? ''}`.trim();
  if (a.Type === 'redirect') return `redirect ${a.RedirectConfig?.StatusCode ?? ''} → ${a.RedirectConfig?.Protocol ?? '#{protocol}'}:${a.RedirectConfig?.Port ?? '#{port}'}`;
  return a.Type ?? '?';
}

/** every load balancer and target group in the account, with the tags of each (by ARN); one page each, as moto serves them */
export async function listWithTags(elbv2: ElasticLoadBalancingV2Client): Promise<{ lbs: LoadBalancer[]; tgs: TargetGroup[]; tags: Map<string, Record<string, string>> }> {
  const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  const tgs = (await elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  const arns = [...lbs.map((l) => l.LoadBalancerArn as string), ...tgs.map((t) => t.TargetGroupArn as string)];
  const tags = new Map<string, Record<string, string>>();
  for (let i = 0; i < arns.length; i += 20) {
    const out = await elbv2.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }));
    for (const d of out.TagDescriptions ?? []) tags.set(d.ResourceArn ?? '', Object.fromEntries((d.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])));
  }
  return { lbs, tgs, tags };
}

/** every load balancer of the cluster (by its cluster tag), with listeners, rules, target groups and targets */
export async function readTopology(elbv2: ElasticLoadBalancingV2Client, clusterName: string): Promise<TopologyLoadBalancer[]> {
  const { lbs, tgs, tags } = await listWithTags(elbv2);
  const ours = (arn: string | undefined): boolean => tags.get(arn ?? '')?.[TAG_CLUSTER] === clusterName;
  const tgNames = new Map(tgs.map((t) => [t.TargetGroupArn as string, t.TargetGroupName ?? '']));
  const result: TopologyLoadBalancer[] = [];
  for (const lb of lbs.filter((l) => ours(l.LoadBalancerArn))) {
    const arn = lb.LoadBalancerArn as string;
    const listeners = ((await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: arn }))).Listeners ?? []).sort((a, b) => (a.Port ?? 0) - (b.Port ?? 0));
    const used = new Set<string>();
    const ls: TopologyListener[] = [];
    for (const l of listeners) {
      const rules = l.Protocol === 'HTTP' || l.Protocol === 'HTTPS' ? (await elbv2.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn }))).Rules ?? [] : [];
      const collect = (acts: readonly Action[] | undefined): void => {
        for (const a of acts ?? []) for (const t of a.ForwardConfig?.TargetGroups ?? [{ TargetGroupArn: a.TargetGroupArn }]) if (t.TargetGroupArn) used.add(t.TargetGroupArn);
      };
      collect(l.DefaultActions);
      const rs = rules.filter((r) => !r.IsDefault).sort((a, b) => Number(a.Priority) - Number(b.Priority)).map((r) => {
        collect(r.Actions);
        return { priority: r.Priority ?? '', conditions: (r.Conditions ?? []).map(describeCondition), actions: (r.Actions ?? []).map((a) => describeAction(a, tgNames)) };
      });
      const certificate = l.Certificates?.[0]?.CertificateArn;
      ls.push({ port: l.Port ?? 0, protocol: l.Protocol ?? '', defaultActions: (l.DefaultActions ?? []).map((a) => describeAction(a, tgNames)), rules: rs, ...(certificate ? { certificate } : {}) });
    }
    const stackTag = lb.Type === 'network' ? TAG_SERVICE_STACK : TAG_INGRESS_STACK;
    const stack = tags.get(arn)?.[stackTag] ?? '';
    const groupTgs = tgs.filter((t) => ours(t.TargetGroupArn) && (used.has(t.TargetGroupArn as string) || tags.get(t.TargetGroupArn as string)?.[stackTag] === stack));
    const targetGroups: TopologyTargetGroup[] = [];
    for (const t of groupTgs.sort((a, b) => (a.TargetGroupName ?? '').localeCompare(b.TargetGroupName ?? ''))) {
      const health = (await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: t.TargetGroupArn }))).TargetHealthDescriptions ?? [];
      targetGroups.push({
        arn: t.TargetGroupArn as string, name: t.TargetGroupName ?? '', targetType: t.TargetType ?? '', ...(t.Port !== undefined ? { port: t.Port } : {}),
        targets: health.map((h) => ({ id: h.Target?.Id ?? '', ...(h.Target?.Port !== undefined ? { port: h.Target.Port } : {}), ...(h.TargetHealth?.State ? { state: h.TargetHealth.State } : {}) }))
          .sort((a, b) => a.id.localeCompare(b.id)),
      });
    }
    result.push({ arn, name: lb.LoadBalancerName ?? '', dnsName: lb.DNSName ?? '', scheme: lb.Scheme ?? '', type: lb.Type ?? 'application', stack, listeners: ls, targetGroups });
  }
  // ALBs, then NLBs, each by stack
  return result.sort((a, b) => a.type.localeCompare(b.type) || a.stack.localeCompare(b.stack));
}

export function renderTopology(lbs: readonly TopologyLoadBalancer[]): string {
  const lines: string[] = [];
  for (const lb of lbs) {
    const what = lb.type === 'network' ? `network, Service ${lb.stack}` : `stack ${lb.stack}`;
    lines.push(`Load balancer ${lb.name}  (${what}, ${lb.scheme})`, `  DNS name: ${lb.dnsName}`);
    for (const l of lb.listeners) {
      lines.push(`  Listener ${l.protocol}:${l.port}  default: ${l.defaultActions.join('; ')}${l.certificate ? `  certificate ${l.certificate}` : ''}`);
      for (const r of l.rules) lines.push(`    rule ${r.priority.padStart(3)}  if ${r.conditions.join(' AND ')}  then ${r.actions.join('; ')}`);
    }
    for (const t of lb.targetGroups) {
      lines.push(`  Target group ${t.name}  (${t.targetType}, port ${t.port ?? '-'}): ${t.targets.length} target${t.targets.length === 1 ? '' : 's'}`);
      for (const x of t.targets) lines.push(`    ${x.id}:${x.port ?? '-'}  ${x.state ?? ''}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

export function renderServiceStatus(svcs: readonly Service[]): string {
  const lines = ['Service status:'];
  for (const s of svcs) {
    const lb = s.status?.loadBalancer?.ingress ?? [];
    const sig = readReconcileStatus(s, SERVICE_RECONCILE_STATUS_ANNOTATION);
    lines.push(`  ${s.metadata?.namespace}/${s.metadata?.name}: ${lb.map((e) => `${e.hostname ?? ''} ports ${(e.ports ?? []).map((p) => `${p.port}/${p.protocol}`).join(',')}`).join('; ') || '(no load balancer yet)'}`
      + `  [${sig ? `${sig.reason}${sig.message ? `: ${sig.message}` : ''}` : 'no status annotation'}]`
      + `  finalizers: ${(s.metadata?.finalizers ?? []).join(', ') || '-'}`);
  }
  return lines.join('\n') + '\n';
}

export function renderIngressStatus(ings: readonly Ingress[]): string {
  const lines = ['Ingress status:'];
  for (const i of ings) {
    const lb = i.status?.loadBalancer?.ingress ?? [];
    const sig = readReconcileStatus(i);
    lines.push(`  ${i.metadata?.namespace}/${i.metadata?.name}: ${lb.map((e) => `${e.hostname ?? e.ip ?? ''} ports ${(e.ports ?? []).map((p) => p.port).join(',')}`).join('; ') || '(no load balancer yet)'}`
      + `  [${sig ? `${sig.reason}${sig.message ? `: ${sig.message}` : ''}` : 'no status annotation'}]`
      + `  finalizers: ${(i.metadata?.finalizers ?? []).join(', ') || '-'}`);
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------
// the command

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface SeededLike {
  vpcId: string;
  nodeSecurityGroupId: string;
  nodes: { nodeName: string; az: string; subnetId: string }[];
  subnets: { private: { id: string; cidr: string }[] };
  certificates: { exact: { arn: string } };
}

/** the port each backend listens on for a Service port: its numeric targetPort, else 8080 */
const backendPort = (p: { targetPort?: number | string }): number => (typeof p.targetPort === 'number' ? p.targetPort : 8080);
const isLoadBalancerService = (o: KubeObject): boolean => o.kind === 'Service' && (o as Service).spec?.type === 'LoadBalancer';

export async function demoCommand(args: readonly string[], io: Io): Promise<number> {
  let values: { exit?: boolean; timeout?: string };
  try {
    ({ values } = parseArgs({ args: [...args], options: { exit: { type: 'boolean' }, timeout: { type: 'string' } }, strict: true }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const timeoutMs = Number(values.timeout ?? '180') * 1000;
  if (!(timeoutMs > 0)) throw new UsageError('--timeout must be a positive number of seconds');
  const say = (m: string): void => io.stderr(`demo: ${m}\n`);
  const { startStandIns } = await import('../stand-ins/index.ts');
  say('starting the stand-ins (moto, etcd, kube-apiserver); the first run builds them');
  const standIns = await startStandIns({ clusterName: 'demo', log: (m) => say(m) });
  let controller: ControllerProcess | undefined;
  const stopAll = async (): Promise<void> => {
    if (controller) { say(`stopping the controller (pid ${controller.pid})`); await controller.stop(); }
    say('stopping the stand-ins');
    await standIns.stop();
  };
  try {
    const seeded = standIns.seeded as unknown as SeededLike;
    const admin = createKubeClients({ kubeconfig: standIns.adminKubeconfigPath });
    say('applying examples/seed/*.yaml (the NLB Service gets the certificate imported into moto)');
    const certArn = seeded.certificates.exact.arn;
    const withCert = (o: KubeObject): KubeObject => {
      const a = o.metadata?.annotations ?? {};
      const key = 'service.beta.kubernetes.io/aws-load-balancer-ssl-cert';
      return a[key] ? { ...o, metadata: { ...o.metadata, annotations: { ...a, [key]: certArn } } } : o;
    };
    const objects = await applyExamples(admin, EXAMPLES_DIR, withCert);
    const services = objects.filter((o): o is Service => o.kind === 'Service');
    const nodes = backendNodes(seeded);
    const ec2 = new EC2Client({ ...standIns.aws });
    let base = 0;
    for (const svc of services) {
      const enis = { ec2, securityGroupId: seeded.nodeSecurityGroupId };
      const ports = (svc.spec?.ports ?? []).map((p) => ({ name: p.name ?? '', port: backendPort(p) }));
      const pods = await createBackendPods(admin, { namespace: 'default', app: svc.metadata?.name ?? '', nodes, indices: [0, 1], ipBase: base, enis });
      base += 10;
      await writeEndpointSlice(admin, { namespace: 'default', service: svc, pods, ports });
    }
    say(`created ${services.length * 2} backend pods (Running/Ready on the seeded nodes) and their EndpointSlices`);
    const logFile = join(standIns.runDir, 'logs', 'controller.log');
    controller = await startControllerProcess({
      clusterName: standIns.clusterName, kubeconfig: standIns.controllerKubeconfigPath, region: standIns.region, vpcId: seeded.vpcId,
      awsEndpoint: standIns.motoUrl, logFile,
    });
    say(`controller started as pid ${controller.pid} (user e2e-controller; logs: ${logFile})`);

    const elbv2 = new ElasticLoadBalancingV2Client({ ...standIns.aws });
    const started = Date.now();
    const names = objects.filter((o) => o.kind === 'Ingress').map((o) => o.metadata?.name ?? '');
    const nlbNames = objects.filter(isLoadBalancerService).map((o) => o.metadata?.name ?? '');
    let topology: TopologyLoadBalancer[] = [];
    let ings: Ingress[] = [];
    let nlbServices: Service[] = [];
    for (;;) {
      ings = (await Promise.all(names.map((n) => admin.ingresses.get(n, 'default')))).filter((x): x is Ingress => !!x);
      nlbServices = (await Promise.all(nlbNames.map((n) => admin.services.get(n, 'default')))).filter((x): x is Service => !!x);
      const hosts = ings.every((i) => i.status?.loadBalancer?.ingress?.[0]?.hostname && readReconcileStatus(i)?.reason === 'SuccessfullyReconciled')
        && nlbServices.every((s) => s.status?.loadBalancer?.ingress?.[0]?.hostname && readReconcileStatus(s, SERVICE_RECONCILE_STATUS_ANNOTATION)?.reason === 'SuccessfullyReconciled');
      if (hosts) {
        topology = await readTopology(elbv2, standIns.clusterName);
        const tgs = topology.flatMap((l) => l.targetGroups);
        if (topology.length === names.length + nlbNames.length && tgs.length > 0 && tgs.every((t) => t.targets.length >= 2)) break;
      }
      if (Date.now() - started > timeoutMs) {
        say(`timed out after ${timeoutMs / 1000} s; controller log tail:\n${readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n')}`);
        io.stdout(renderTopology(topology) + renderIngressStatus(ings) + renderServiceStatus(nlbServices));
        return EXIT_ERROR;
      }
      if (controller.child.exitCode !== null) { say(`the controller exited (${controller.child.exitCode}); see ${logFile}`); return EXIT_ERROR; }
      await sleep(500);
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    io.stdout(`\nBoth Ingresses and the ${nlbNames.join(', ')} Service converged ${seconds} s after the controller started.\n\n`);
    io.stdout(renderTopology(topology));
    io.stdout(renderIngressStatus(ings));
    io.stdout(renderServiceStatus(nlbServices));
    const calls = awsCallCounts(await controller.metrics());
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    io.stdout(`\nAWS calls made by the controller (${total}), by operation:\n${Object.entries(calls).map(([k, v]) => `  ${k.padEnd(48)} ${v}`).join('\n')}\n`);
    elbv2.destroy();
    ec2.destroy();
    if (values.exit) return EXIT_OK;
    io.stdout(`\nStaying up. Try:\n  export KUBECONFIG=${standIns.adminKubeconfigPath}\n  kubectl get ingress,service,targetgroupbindings -A\n`
      + `  AWS_ENDPOINT_URL=${standIns.motoUrl} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws elbv2 describe-load-balancers --region ${standIns.region}\n`
      + `Controller metrics: ${controller.metricsUrl}\nPress Ctrl-C to stop everything.\n`);
    await new Promise<void>((resolve) => { process.once('SIGINT', () => resolve()); process.once('SIGTERM', () => resolve()); });
    return EXIT_OK;
  } catch (err) {
    if (isNotFound(err)) say('an object was not found');
    throw err;
  } finally {
    await stopAll();
  }
}
