// Services of type LoadBalancer → NLBs, end to end: the controller as its own process (the bundle, dist/controller.mjs)
// under the chart's RBAC, against the real kube-apiserver and moto of the shared stand-ins. Prints the AWS calls by
// operation for the create, the no-op resync and the delete.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeListenerCertificatesCommand,
  DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetGroupAttributesCommand, DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { ControllerProcess } from '../../src/cli/demo-command.ts';
import { backendNodes, createBackendPods, writeEndpointSlice, type BackendNode, type BackendPod } from '../../src/stand-ins/backends.ts';
import { createKubeClients, type KubeClients } from '../../src/k8s/client.ts';
import { readReconcileStatus, SERVICE_RECONCILE_STATUS_ANNOTATION } from '../../src/k8s/status.ts';
import type { Service } from '../../src/k8s/types.ts';
import { nlbName, nlbSecurityGroupName, nlbTargetGroupName } from '../../src/service/index.ts';
import { parseMetrics } from '../../src/server/metrics.ts';
import { NETWORKING_RULE_DESCRIPTION } from '../../src/targets/networking.ts';
import { waitFor, waitIdle } from '../../src/stand-ins/wait.ts';
import { awsCalls, callDelta, suiteControllers, type CallCounts } from './support/controllers.ts';
import { freshNamespace, resetAws, running, seeded, standIns } from './support/stand-ins.ts';

const S = 'service.beta.kubernetes.io/';
const CLASS = 'service.k8s.aws/nlb';
const WRITE = /^(Create|Delete|Modify|Set|Add|Remove|Register|Deregister|Authorize|Revoke)/;

type Calls = CallCounts;
const writesOf = (d: Calls): string[] => Object.keys(d).filter((k) => WRITE.test(k.split('/')[1] ?? '')).sort();
const show = (what: string, d: Calls): void => {
  const rows = Object.entries(d).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `        ${k.padEnd(44)} ${v}${WRITE.test(k.split('/')[1] ?? '') ? '  WRITE' : ''}`);
  console.log(`      AWS calls for ${what} (${Object.values(d).reduce((a, b) => a + b, 0)}):\n${rows.join('\n')}`);
};

describe('Service type LoadBalancer → NLB (own process, controller RBAC, kube-apiserver + moto)', function () {
  this.timeout(300_000);
  let admin: KubeClients;
  let elbv2: ElasticLoadBalancingV2Client;
  let ec2: EC2Client;
  let ctrl: ControllerProcess;
  let nodes: BackendNode[];
  let ns: string;
  let ipBase = 200;
  const fleet = suiteControllers('nlb');
  const start = (name: string): Promise<ControllerProcess> => fleet.start(name);
  const calls = (p = ctrl): Promise<Calls> => awsCalls(p);

  before(async function () {
    await standIns(this);
    await resetAws();
    const s = running();
    admin = createKubeClients({ kubeconfig: s.adminKubeconfigPath });
    elbv2 = new ElasticLoadBalancingV2Client({ ...s.aws });
    ec2 = new EC2Client({ ...s.aws });
    nodes = backendNodes(seeded());
    ns = await freshNamespace('nlb');
    ctrl = await start('main');
  });

  after(() => {
    elbv2?.destroy();
    ec2?.destroy();
  });

  const serviceOf = (name: string): Promise<Service | undefined> => admin.services.get(name, ns);
  const hostnameOf = async (name: string): Promise<string | undefined> => (await serviceOf(name))?.status?.loadBalancer?.ingress?.[0]?.hostname;
  const signalOf = async (name: string) => {
    const svc = await serviceOf(name);
    return svc ? readReconcileStatus(svc, SERVICE_RECONCILE_STATUS_ANNOTATION) : undefined;
  };

  async function createService(name: string, spec: Service['spec'], annotations: Record<string, string> = {}): Promise<Service> {
    return admin.services.create({
      apiVersion: 'v1', kind: 'Service',
      metadata: { name, namespace: ns, annotations: Object.fromEntries(Object.entries(annotations).map(([k, v]) => [k.includes('/') ? k : S + k, v])) },
      spec: { selector: { app: name }, ...spec },
    }, ns);
  }

  async function backends(svc: Service, replicas: number, ports: { name: string; port: number }[]): Promise<BackendPod[]> {
    const app = svc.metadata?.name ?? '';
    const enis = { ec2, securityGroupId: seeded().nodeSecurityGroupId };
    const pods = await createBackendPods(admin, { namespace: ns, app, nodes, indices: [...Array(replicas).keys()], ipBase, enis });
    ipBase += 20;
    await writeEndpointSlice(admin, { namespace: ns, service: svc, pods, ports });
    return pods;
  }

  /** owned NLB resources of a Service stack, by service.k8s.aws/stack */
  async function stackArns(stack: string): Promise<{ lbs: string[]; tgs: string[] }> {
    const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    const tgs = (await elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
    const arns = [...lbs.map((l) => l.LoadBalancerArn as string), ...tgs.map((t) => t.TargetGroupArn as string)];
    const mine = new Set<string>();
    for (let i = 0; i < arns.length; i += 20) {
      const out = await elbv2.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }));
      for (const d of out.TagDescriptions ?? []) if (d.Tags?.some((t) => t.Key === 'service.k8s.aws/stack' && t.Value === stack)) mine.add(d.ResourceArn as string);
    }
    return { lbs: lbs.map((l) => l.LoadBalancerArn as string).filter((a) => mine.has(a)), tgs: tgs.map((t) => t.TargetGroupArn as string).filter((a) => mine.has(a)) };
  }
  const stackSgs = async (stack: string): Promise<string[]> =>
    ((await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:service.k8s.aws/stack', Values: [stack] }] }))).SecurityGroups ?? []).map((g) => g.GroupId as string);
  const targetsOf = async (tgArn: string): Promise<string[]> =>
    ((await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions ?? []).map((d) => `${d.Target?.Id}:${d.Target?.Port}`).sort();
  async function tgByPort(stack: string, port: number): Promise<string> {
    const { tgs } = await stackArns(stack);
    const tags = (await elbv2.send(new DescribeTagsCommand({ ResourceArns: tgs }))).TagDescriptions ?? [];
    const hit = tags.find((d) => d.Tags?.some((t) => t.Key === 'service.k8s.aws/resource' && t.Value === `${stack}:${port}`));
    assert.ok(hit?.ResourceArn, `a target group for ${stack}:${port}`);
    return hit.ResourceArn;
  }
  /**
   * the node security group's rules the controller keeps (labelled), as "protocol:source→port", or
   * "protocol:source→from-to" for a range (rules from one source group cover its ports in one range, as upstream)
   */
  async function nodeSgRules(): Promise<string[]> {
    const sg = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [seeded().nodeSecurityGroupId] }))).SecurityGroups?.[0];
    const ports = (p: { FromPort?: number; ToPort?: number }): string => (p.FromPort === p.ToPort ? `${p.FromPort}` : `${p.FromPort}-${p.ToPort}`);
    return (sg?.IpPermissions ?? []).flatMap((p) => [
      ...(p.UserIdGroupPairs ?? []).filter((g) => g.Description === NETWORKING_RULE_DESCRIPTION).map((g) => `${p.IpProtocol}:${g.GroupId}→${ports(p)}`),
      ...(p.IpRanges ?? []).filter((r) => r.Description === NETWORKING_RULE_DESCRIPTION).map((r) => `${p.IpProtocol}:${r.CidrIp}→${ports(p)}`),
    ]).sort();
  }
  /** whether a rule from `source` opens `port` (the ports of one source group are coalesced into one range, ADR 11) */
  const opens = (rules: readonly string[], source: string, port: number): boolean => rules.some((r) => {
    const m = /^tcp:(.+)→(\d+)(?:-(\d+))?$/.exec(r);
    return m !== null && m[1] === source && Number(m[2]) <= port && port <= Number(m[3] ?? m[2]);
  });

  let echoPods: BackendPod[] = [];
  let echo: Service;
  const createCalls: Calls[] = [];

  it('creates an NLB for a Service with ip targets: a TCP port, and a TLS port with an ACM certificate', async () => {
    const before = await calls();
    const cert = seeded().certificates.exact.arn;
    echo = await createService('echo', {
      type: 'LoadBalancer', loadBalancerClass: CLASS,
      ports: [{ name: 'echo', port: 7, targetPort: 'echo', protocol: 'TCP' }, { name: 'tls', port: 443, targetPort: 8443, protocol: 'TCP' }],
    }, { 'aws-load-balancer-nlb-target-type': 'ip', 'aws-load-balancer-scheme': 'internet-facing', 'aws-load-balancer-ssl-cert': cert, 'aws-load-balancer-ssl-ports': 'tls' });
    echoPods = await backends(echo, 2, [{ name: 'echo', port: 8007 }, { name: 'tls', port: 8443 }]);
    const host = await waitFor('hostname on echo', () => hostnameOf('echo'));
    const stack = `${ns}/echo`;
    const svc = await serviceOf('echo');
    assert.deepEqual(svc?.metadata?.finalizers, ['service.k8s.aws/resources']);
    assert.deepEqual(svc?.status?.loadBalancer?.ingress?.[0]?.ports, [{ port: 7, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }]);
    await waitFor('success signal', async () => (await signalOf('echo'))?.reason === 'SuccessfullyReconciled');
    const { lbs, tgs } = await stackArns(stack);
    assert.equal(lbs.length, 1);
    assert.equal(tgs.length, 2);
    const lb = (await elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: lbs }))).LoadBalancers?.[0];
    assert.deepEqual([lb?.Type, lb?.Scheme, lb?.DNSName?.toLowerCase(), lb?.LoadBalancerName],
      ['network', 'internet-facing', host, nlbName(running().clusterName, { namespace: ns, name: 'echo', uid: echo.metadata?.uid ?? '' }, 'internet-facing')]);
    const listeners = ((await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lbs[0] }))).Listeners ?? []).sort((a, b) => (a.Port ?? 0) - (b.Port ?? 0));
    assert.deepEqual(listeners.map((l) => `${l.Protocol}:${l.Port}`), ['TCP:7', 'TLS:443']);
    const certs = (await elbv2.send(new DescribeListenerCertificatesCommand({ ListenerArn: listeners[1]?.ListenerArn }))).Certificates ?? [];
    assert.ok(certs.some((c) => c.CertificateArn === cert), 'the ACM certificate on the TLS listener');
    const ips = echoPods.map((p) => p.ip);
    await waitFor('pod targets on both target groups', async () =>
      JSON.stringify(await targetsOf(await tgByPort(stack, 7))) === JSON.stringify(ips.map((ip) => `${ip}:8007`).sort())
      && JSON.stringify(await targetsOf(await tgByPort(stack, 443))) === JSON.stringify(ips.map((ip) => `${ip}:8443`).sort()));
    const [sg] = await stackSgs(stack);
    assert.ok(sg, 'a managed security group');
    assert.deepEqual(lb?.SecurityGroups, [sg]);
    await waitFor('node security group opened to the NLB', async () => {
      // one rule from the NLB's group, over both target ports (upstream's aggregation per source group)
      return (await nodeSgRules()).includes(`tcp:${sg}→8007-8443`);
    }, 60_000);
    const attrs = (await elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tgs[0] }))).Attributes ?? [];
    assert.equal(attrs.find((a) => a.Key === 'proxy_protocol_v2.enabled')?.Value, 'false');
    await waitIdle(ctrl);
    createCalls.push(callDelta(before, await calls()));
    show('the create (reconcile, targets, security-group rules)', createCalls[0] ?? {});
  });

  let inst: Service;

  it('creates an NLB with instance targets (the nodes on the NodePort)', async () => {
    inst = await createService('inst', { type: 'LoadBalancer', loadBalancerClass: CLASS, ports: [{ name: 'tcp', port: 80, targetPort: 8080, protocol: 'TCP' }] });
    await backends(inst, 1, [{ name: 'tcp', port: 8080 }]);
    await waitFor('hostname on inst', () => hostnameOf('inst'));
    const nodePort = (await serviceOf('inst'))?.spec?.ports?.[0]?.nodePort;
    assert.ok(nodePort);
    const tg = await tgByPort(`${ns}/inst`, 80);
    const want = seeded().nodes.map((n) => `${n.instanceId}:${nodePort}`).sort();
    await waitFor('node targets', async () => JSON.stringify(await targetsOf(tg)) === JSON.stringify(want));
    const [sg] = await stackSgs(`${ns}/inst`);
    await waitFor('node security group opened on the NodePort', async () => opens(await nodeSgRules(), sg ?? '', nodePort), 60_000);
    const lb = (await elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: (await stackArns(`${ns}/inst`)).lbs }))).LoadBalancers?.[0];
    assert.equal(lb?.Scheme, 'internal', 'the default scheme');
  });

  it('a no-op resync (a fresh controller process) makes zero AWS writes', async () => {
    await ctrl.stop();
    fleet.forget(ctrl);
    ctrl = await start('resync');
    const file = fleet.logOf(ctrl);
    const reconciled = (name: string): boolean => readFileSync(file, 'utf8').split('\n')
      .some((l) => l.includes('"msg":"reconciled service"') && l.includes(`"service":"${ns}/${name}"`));
    await waitFor('both Services reconciled by the new process', async () => reconciled('echo') && reconciled('inst'), 60_000);
    // the bindings' reconciles (targets, security-group rules) of the same resync: read in full, or skipped by
    // their checkpoint (ADR 13: an unchanged binding reads no target health after a restart)
    const bindingReads = async (): Promise<number> => parseMetrics(await ctrl.metrics())
      .filter((x) => x.name === 'aws_lb_controller_stack_reads_total' && x.labels.controller === 'targetGroupBinding').reduce((n, x) => n + x.value, 0);
    await waitFor('bindings checked', async () => (await bindingReads()) >= 3, 60_000);
    await waitIdle(ctrl);
    const d = await calls();
    show('a no-op resync of both Services and their bindings (fresh process, cold caches)', d);
    assert.deepEqual(writesOf(d), []);
  });

  it('follows backends scaled up and down with Register/DeregisterTargets only', async () => {
    await waitIdle(ctrl);
    const before = await calls();
    const tg = await tgByPort(`${ns}/echo`, 7);
    const added = await createBackendPods(admin, { namespace: ns, app: 'echo', nodes, indices: [2], ipBase: 400, enis: { ec2, securityGroupId: seeded().nodeSecurityGroupId } });
    let pods = [...echoPods, ...added];
    const ports = [{ name: 'echo', port: 8007 }, { name: 'tls', port: 8443 }];
    await writeEndpointSlice(admin, { namespace: ns, service: echo, pods, ports });
    await waitFor('3 targets', async () => (await targetsOf(tg)).length === 3);
    pods = pods.slice(1);
    await writeEndpointSlice(admin, { namespace: ns, service: echo, pods, ports });
    await waitFor('2 targets after scale-down', async () => JSON.stringify(await targetsOf(tg)) === JSON.stringify(pods.map((p) => `${p.ip}:8007`).sort()));
    await waitFor('the TLS target group too', async () => JSON.stringify(await targetsOf(await tgByPort(`${ns}/echo`, 443))) === JSON.stringify(pods.map((p) => `${p.ip}:8443`).sort()));
    await waitIdle(ctrl);
    const d = callDelta(before, await calls());
    show('scaling the backends', d);
    assert.deepEqual(writesOf(d).filter((k) => !/SecurityGroupIngress/.test(k)), ['elbv2/DeregisterTargets', 'elbv2/RegisterTargets']);
    assert.equal(d['elbv2/DescribeLoadBalancers'] ?? 0, 0, 'the NLB is not re-read');
  });

  it('a health-check annotation change is one ModifyTargetGroup', async () => {
    await waitIdle(ctrl);
    const before = await calls();
    const tg = await tgByPort(`${ns}/inst`, 80);
    await admin.services.mergePatch('inst', ns, { metadata: { annotations: { [`${S}aws-load-balancer-healthcheck-healthy-threshold`]: '5' } } });
    await waitFor('healthy threshold 5', async () =>
      (await elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tg] }))).TargetGroups?.[0]?.HealthyThresholdCount === 5);
    await waitIdle(ctrl);
    const d = callDelta(before, await calls());
    show('the health-check change', d);
    assert.deepEqual(writesOf(d), ['elbv2/ModifyTargetGroup']);
    assert.equal(d['elbv2/ModifyTargetGroup'], 1);
  });

  it('leaves a Service with another loadBalancerClass alone', async () => {
    await createService('foreign', { type: 'LoadBalancer', loadBalancerClass: 'example.com/other-lb', ports: [{ port: 80, protocol: 'TCP' }] },
      { 'aws-load-balancer-type': 'external', 'aws-load-balancer-nlb-target-type': 'ip' });
    // a Service of ours created after it is served: the foreign one was seen (and skipped) before
    await createService('witness', { type: 'LoadBalancer', loadBalancerClass: CLASS, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
      { 'aws-load-balancer-nlb-target-type': 'ip' });
    await waitFor('witness served', () => hostnameOf('witness'));
    const foreign = await serviceOf('foreign');
    assert.equal(foreign?.metadata?.finalizers, undefined);
    assert.equal(foreign?.status?.loadBalancer?.ingress, undefined);
    assert.equal(foreign?.metadata?.annotations?.[SERVICE_RECONCILE_STATUS_ANNOTATION], undefined);
    assert.deepEqual(await stackArns(`${ns}/foreign`), { lbs: [], tgs: [] });
    assert.ok(!readFileSync(fleet.logOf(ctrl), 'utf8').includes(`${ns}/foreign`), 'never reconciled');
  });

  it('reports bad annotations on the Service (Event + status signal) and writes nothing for it', async () => {
    await waitIdle(ctrl);
    const before = await calls();
    await createService('broken', { type: 'LoadBalancer', loadBalancerClass: CLASS, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
      { 'aws-load-balancer-healthcheck-interval': 'often', 'aws-load-balancer-scheme': 'public' });
    const sig = await waitFor('FailedBuildModel on broken', async () => {
      const s = await signalOf('broken');
      return s?.reason === 'FailedBuildModel' ? s : undefined;
    });
    assert.match(sig.message, /aws-load-balancer-healthcheck-interval/);
    assert.match(sig.message, /aws-load-balancer-scheme/);
    const event = await waitFor('Event on broken', async () =>
      (await admin.events.list(ns, { fieldSelector: 'involvedObject.name=broken' })).items.find((e) => e.reason === 'FailedBuildModel'));
    assert.equal(event.type, 'Warning');
    assert.equal((await serviceOf('broken'))?.status?.loadBalancer?.ingress, undefined);
    assert.deepEqual(await stackArns(`${ns}/broken`), { lbs: [], tgs: [] });
    assert.deepEqual(await stackSgs(`${ns}/broken`), []);
    const d = callDelta(before, await calls());
    show('a Service with bad annotations', d);
    assert.deepEqual(writesOf(d), []);
    // fixing it brings it in
    await admin.services.mergePatch('broken', ns, { metadata: { annotations: { [`${S}aws-load-balancer-healthcheck-interval`]: '10', [`${S}aws-load-balancer-scheme`]: 'internal' } } });
    await waitFor('broken served after the fix', () => hostnameOf('broken'));
  });

  it('adopts an NLB created the way upstream names and tags it, with zero replacements', async () => {
    // not ours yet: no class, no annotation
    const svc = await createService('legacy', { type: 'LoadBalancer', ports: [{ name: 'tcp', port: 80, targetPort: 8080, protocol: 'TCP' }] });
    const stack = `${ns}/legacy`;
    const cluster = running().clusterName;
    const id = { namespace: ns, name: 'legacy', uid: svc.metadata?.uid ?? '' };
    const f = seeded();
    const tags = (resource: string) => [
      { Key: 'elbv2.k8s.aws/cluster', Value: cluster }, { Key: 'service.k8s.aws/stack', Value: stack }, { Key: 'service.k8s.aws/resource', Value: resource },
    ];
    // what upstream creates for it (--enable-backend-security-group=false): managed group, target group, NLB, listener
    const sg = (await ec2.send(new CreateSecurityGroupCommand({
      GroupName: nlbSecurityGroupName(cluster, id), Description: '[k8s] Managed SecurityGroup for LoadBalancer', VpcId: f.vpcId,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: tags('ManagedLBSecurityGroup') }],
    }))).GroupId as string;
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    const tg = (await elbv2.send(new CreateTargetGroupCommand({
      Name: nlbTargetGroupName({ clusterName: cluster, service: id, targetGroupPort: 8080, servicePort: 80, targetType: 'ip', protocol: 'TCP', healthCheckProtocol: 'TCP', healthCheckIntervalSeconds: 10 }),
      TargetType: 'ip', Protocol: 'TCP', Port: 8080, VpcId: f.vpcId, IpAddressType: 'ipv4', HealthCheckEnabled: true, HealthCheckProtocol: 'TCP', HealthCheckPort: 'traffic-port',
      HealthCheckIntervalSeconds: 10, HealthCheckTimeoutSeconds: 10, HealthyThresholdCount: 3, UnhealthyThresholdCount: 3, Tags: tags(`${stack}:80`),
    }))).TargetGroups?.[0]?.TargetGroupArn as string;
    await elbv2.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg, Attributes: [{ Key: 'proxy_protocol_v2.enabled', Value: 'false' }] }));
    const lb = (await elbv2.send(new CreateLoadBalancerCommand({
      Name: nlbName(cluster, id, 'internal'), Type: 'network', Scheme: 'internal', IpAddressType: 'ipv4',
      Subnets: f.subnets.private.map((s) => s.id), SecurityGroups: [sg], Tags: tags('LoadBalancer'),
    }))).LoadBalancers?.[0]?.LoadBalancerArn as string;
    await elbv2.send(new CreateListenerCommand({
      LoadBalancerArn: lb, Protocol: 'TCP', Port: 80, DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: tg }] } }], Tags: tags('80'),
    }));
    await backends(svc, 1, [{ name: 'tcp', port: 8080 }]);
    await waitIdle(ctrl);
    const before = await calls();
    // hand it over: the annotations upstream reads (a class cannot be set on a live Service)
    await admin.services.mergePatch('legacy', ns, { metadata: { annotations: { [`${S}aws-load-balancer-type`]: 'external', [`${S}aws-load-balancer-nlb-target-type`]: 'ip' } } });
    await waitFor('legacy served', () => hostnameOf('legacy'));
    await waitFor('success signal', async () => (await signalOf('legacy'))?.reason === 'SuccessfullyReconciled');
    await waitFor('targets registered in the adopted target group', async () => (await targetsOf(tg)).length === 1);
    await waitIdle(ctrl);
    const d = callDelta(before, await calls());
    show('adopting the upstream-made NLB', d);
    const replaced = writesOf(d).filter((k) => /\/(Create|Delete)(LoadBalancer|TargetGroup|Listener|SecurityGroup)$/.test(k));
    assert.deepEqual(replaced, [], 'nothing created or deleted');
    assert.deepEqual(await stackArns(stack), { lbs: [lb], tgs: [tg] });
    assert.deepEqual(await stackSgs(stack), [sg]);
    assert.equal((await serviceOf('legacy'))?.status?.loadBalancer?.ingress?.[0]?.hostname,
      (await elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb] }))).LoadBalancers?.[0]?.DNSName?.toLowerCase());
  });

  it('deletes everything when the Services go, then lets them go', async () => {
    await waitIdle(ctrl);
    const before = await calls();
    const names = ['echo', 'inst', 'witness', 'broken', 'legacy'];
    // other suites share the node security group: judge only the rules from this suite's NLB groups
    const ours = (await Promise.all(names.map((n) => stackSgs(`${ns}/${n}`)))).flat();
    const ourRules = async (): Promise<string[]> => (await nodeSgRules()).filter((r) => ours.some((g) => r.includes(`:${g}→`)));
    for (const n of names) await admin.services.delete(n, ns);
    await waitFor('Services gone (finalizers removed)', async () => {
      const left = (await admin.services.list(ns)).items.map((s) => s.metadata?.name);
      return names.every((n) => !left.includes(n));
    }, 180_000);
    for (const n of names) {
      assert.deepEqual(await stackArns(`${ns}/${n}`), { lbs: [], tgs: [] }, `nothing left for ${n}`);
      assert.deepEqual(await stackSgs(`${ns}/${n}`), [], `no security group left for ${n}`);
    }
    assert.deepEqual((await admin.targetGroupBindings.list(ns)).items, []);
    assert.ok(ours.length > 0, 'the suite\'s NLBs had security groups');
    await waitFor('no rule of ours left on the node security group', async () => (await ourRules()).length === 0, 60_000);
    await waitIdle(ctrl);
    show('deleting the Services', callDelta(before, await calls()));
    // the foreign Service is still there, untouched
    assert.equal((await serviceOf('foreign'))?.metadata?.finalizers, undefined);
  });
});
