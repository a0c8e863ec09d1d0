// The controller end to end: its own process (`node src/main.ts run`) under the controller user's RBAC,
// against the real kube-apiserver and moto of the shared stand-ins.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeTagsCommand, DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand, ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ControllerProcess } from '../../src/cli/demo-command.ts';
import { backendNodes, createBackendPods, writeEndpointSlice, type BackendNode, type BackendPod } from '../../src/stand-ins/backends.ts';
import { CreateManagedPrefixListCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { createKubeClients, type KubeClients } from '../../src/k8s/client.ts';
import { NETWORKING_RULE_DESCRIPTION } from '../../src/targets/networking.ts';
import { readReconcileStatus } from '../../src/k8s/status.ts';
import type { Ingress, Service } from '../../src/k8s/types.ts';
import { parseMetrics } from '../../src/server/metrics.ts';
import { awsCalls, callDelta, suiteControllers, type CallCounts } from './support/controllers.ts';
import { freshNamespace, resetAws, running, seeded, standIns } from './support/stand-ins.ts';
import { sleep, waitFor, waitIdle } from '../../src/stand-ins/wait.ts';



const WRITE_OPS_LB = /^(Create|Delete|Modify|Set|Add|Remove)/;

describe('controller (own process, controller RBAC, kube-apiserver + moto)', function () {
  this.timeout(300_000);
  let admin: KubeClients;
  let elbv2: ElasticLoadBalancingV2Client;
  let ec2: EC2Client;
  let ctrl: ControllerProcess;
  let nodes: BackendNode[];
  let ns: string;
  let ipBase = 0;
  // no drift rotation: these tests count the calls a change costs (drift.test.ts shows the rotation)
  const fleet = suiteControllers('ctrl');
  const start = (name: string): Promise<ControllerProcess> => fleet.start(name, { extraArgs: ['--drift-check-budget=0'] });
  const calls = (p = ctrl): Promise<CallCounts> => awsCalls(p);

  before(async function () {
    await standIns(this);
    await resetAws();
    const s = running();
    admin = createKubeClients({ kubeconfig: s.adminKubeconfigPath });
    elbv2 = new ElasticLoadBalancingV2Client({ ...s.aws });
    ec2 = new EC2Client({ ...s.aws });
    const f = seeded();
    nodes = backendNodes(f);
    ns = await freshNamespace('ctrl');
    ctrl = await start('main');
  });

  after(() => {
    elbv2?.destroy();
    ec2?.destroy();
  });

  async function backend(app: string, replicas = 2): Promise<{ svc: Service; pods: BackendPod[] }> {
    const svc = await admin.services.create({
      apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: ns },
      spec: { type: 'NodePort', selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
    }, ns);
    const enis = { ec2, securityGroupId: seeded().nodeSecurityGroupId };
    const pods = await createBackendPods(admin, { namespace: ns, app, nodes, indices: [...Array(replicas).keys()], ipBase, enis });
    ipBase += 20;
    await writeEndpointSlice(admin, { namespace: ns, service: svc, pods });
    return { svc, pods };
  }

  async function ingress(name: string, annotations: Record<string, string>, service: string, path = '/'): Promise<Ingress> {
    return admin.ingresses.create({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
      metadata: { name, namespace: ns, annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing', ...annotations } },
      spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path, pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }] },
    }, ns);
  }

  const hostnameOf = async (name: string): Promise<string | undefined> => (await admin.ingresses.get(name, ns))?.status?.loadBalancer?.ingress?.[0]?.hostname;

  async function stackLbs(stack: string): Promise<{ arn: string; dns: string }[]> {
    const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    if (lbs.length === 0) return [];
    const tags = (await elbv2.send(new DescribeTagsCommand({ ResourceArns: lbs.map((l) => l.LoadBalancerArn as string) }))).TagDescriptions ?? [];
    const arns = new Set(tags.filter((t) => t.Tags?.some((x) => x.Key === 'ingress.k8s.aws/stack' && x.Value === stack)).map((t) => t.ResourceArn));
    return lbs.filter((l) => arns.has(l.LoadBalancerArn)).map((l) => ({ arn: l.LoadBalancerArn as string, dns: l.DNSName ?? '' }));
  }

  async function stackTgs(stack: string): Promise<string[]> {
    const tgs = (await elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
    const out: string[] = [];
    for (let i = 0; i < tgs.length; i += 20) {
      const tags = (await elbv2.send(new DescribeTagsCommand({ ResourceArns: tgs.slice(i, i + 20).map((t) => t.TargetGroupArn as string) }))).TagDescriptions ?? [];
      for (const t of tags) if (t.Tags?.some((x) => x.Key === 'ingress.k8s.aws/stack' && x.Value === stack)) out.push(t.ResourceArn as string);
    }
    return out;
  }

  const targetsOf = async (tgArn: string): Promise<string[]> =>
    ((await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions ?? []).map((d) => `${d.Target?.Id}:${d.Target?.Port}`).sort();

  async function rulesOf(lbArn: string): Promise<string[]> {
    const ls = (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))).Listeners ?? [];
    const out: string[] = [];
    for (const l of ls) {
      for (const r of (await elbv2.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn }))).Rules ?? []) {
        if (!r.IsDefault) out.push(`${l.Port}:${r.Priority} ${(r.Conditions ?? []).map((c) => (c.PathPatternConfig?.Values ?? c.HostHeaderConfig?.Values ?? []).join(',')).join(' ')}`);
      }
    }
    return out.sort();
  }

  /** the node security group's rules the controller owns (labelled), as "source→port" */
  async function nodeSgRules(): Promise<string[]> {
    const sg = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [seeded().nodeSecurityGroupId] }))).SecurityGroups?.[0];
    return (sg?.IpPermissions ?? []).flatMap((p) => (p.UserIdGroupPairs ?? [])
      .filter((g) => g.Description === NETWORKING_RULE_DESCRIPTION).map((g) => `${g.GroupId}→${p.FromPort}`)).sort();
  }
  const lbGroupsOf = async (lbArn: string): Promise<string[]> =>
    (await elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }))).LoadBalancers?.[0]?.SecurityGroups ?? [];
  /** the ALB's own managed group: the one of its groups that is not the shared backend group */
  const managedSgOf = async (lbArn: string): Promise<string | undefined> => {
    const groups = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: await lbGroupsOf(lbArn) }))).SecurityGroups ?? [];
    return groups.find((g) => !(g.Tags ?? []).some((t) => t.Key === 'elbv2.k8s.aws/resource' && t.Value === 'backend-sg'))?.GroupId;
  };

  let webPods: BackendPod[] = [];
  let webSvc: Service;

  it('creates the ALB for a new Ingress and writes its hostname, finalizer and status signal', async () => {
    const b = await backend('web');
    webPods = b.pods;
    webSvc = b.svc;
    await ingress('web', { 'alb.ingress.kubernetes.io/target-type': 'ip' }, 'web');
    const host = await waitFor('hostname on web', () => hostnameOf('web'));
    const lbs = await stackLbs(`${ns}/web`);
    assert.equal(lbs.length, 1);
    assert.equal(lbs[0]?.dns.toLowerCase(), host);
    const ing = await admin.ingresses.get('web', ns);
    assert.deepEqual(ing?.metadata?.finalizers, ['ingress.k8s.aws/resources']);
    assert.deepEqual(ing?.status?.loadBalancer?.ingress?.[0]?.ports?.map((p) => p.port), [80]);
    await waitFor('status annotation', async () => readReconcileStatus((await admin.ingresses.get('web', ns)) as Ingress)?.reason === 'SuccessfullyReconciled');
    const [tg] = await stackTgs(`${ns}/web`);
    assert.ok(tg);
    await waitFor('pod targets registered', async () => JSON.stringify(await targetsOf(tg)) === JSON.stringify(webPods.map((p) => `${p.ip}:8080`).sort()));
    const tgbs = await admin.targetGroupBindings.list(ns);
    assert.equal(tgbs.items.length, 1);
    assert.deepEqual(tgbs.items[0]?.metadata?.finalizers, ['elbv2.k8s.aws/resources']);
    // the pods' security group (the node group) lets the ALB (through the shared backend group it carries) reach the target port
    const lbGroups = await lbGroupsOf(lbs[0]?.arn ?? '');
    assert.equal(lbGroups.length, 2, 'the managed group and the shared backend group');
    await waitFor('node security group opened to the ALB', async () => (await nodeSgRules()).some((r) => lbGroups.some((g) => r === `${g}→8080`)), 30_000);
  });

  it('follows pods added and removed with Register/DeregisterTargets only, never touching the load balancer', async () => {
    const [tg] = await stackTgs(`${ns}/web`);
    assert.ok(tg);
    await waitIdle(ctrl);
    const before = await calls();
    // scale up: a third pod, then a rollout that drops pod 0
    const added = await createBackendPods(admin, { namespace: ns, app: 'web', nodes, indices: [2, 3], ipBase: 0 + 100 });
    let pods = [...webPods, ...added];
    await writeEndpointSlice(admin, { namespace: ns, service: webSvc, pods });
    await waitFor('4 targets', async () => (await targetsOf(tg)).length === 4);
    pods = pods.slice(1);
    await writeEndpointSlice(admin, { namespace: ns, service: webSvc, pods });
    await waitFor('3 targets after removal', async () => JSON.stringify(await targetsOf(tg)) === JSON.stringify(pods.map((p) => `${p.ip}:8080`).sort()));
    await waitIdle(ctrl);
    const d = callDelta(before, await calls());
    const writes = Object.entries(d).filter(([k]) => WRITE_OPS_LB.test(k.split('/')[1] ?? '') || /Register|Deregister/.test(k));
    console.log(`      AWS calls for the rollout: ${JSON.stringify(d)}`);
    assert.deepEqual(writes.map(([k]) => k).sort(), ['elbv2/DeregisterTargets', 'elbv2/RegisterTargets']);
    assert.equal(d['elbv2/DescribeLoadBalancers'] ?? 0, 0, 'the load balancer is not re-read');
    assert.equal(d['elbv2/DescribeListeners'] ?? 0, 0);
    webPods = pods;
  });

  it('applies an annotation change as the minimal update', async () => {
    const [tg] = await stackTgs(`${ns}/web`);
    await waitIdle(ctrl);
    const before = await calls();
    await admin.ingresses.mergePatch('web', ns, { metadata: { annotations: { 'alb.ingress.kubernetes.io/healthcheck-path': '/healthz' } } });
    await waitFor('health check path', async () =>
      (await elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tg as string] }))).TargetGroups?.[0]?.HealthCheckPath === '/healthz');
    await waitIdle(ctrl);
    const d = callDelta(before, await calls());
    console.log(`      AWS calls for the annotation change: ${JSON.stringify(d)}`);
    const writes = Object.keys(d).filter((k) => WRITE_OPS_LB.test(k.split('/')[1] ?? '') || /Register|Deregister/.test(k));
    assert.deepEqual(writes, ['elbv2/ModifyTargetGroup']);
    assert.equal(d['elbv2/ModifyTargetGroup'], 1);
  });

  const group = `e2e-${Math.random().toString(36).slice(2, 7)}`;

  it('adds an Ingress to a group and takes it out again', async () => {
    await backend('alpha');
    await backend('beta');
    await ingress('alpha', { 'alb.ingress.kubernetes.io/group.name': group, 'alb.ingress.kubernetes.io/target-type': 'ip' }, 'alpha', '/alpha');
    await waitFor('alpha served', () => hostnameOf('alpha'));
    await ingress('beta', { 'alb.ingress.kubernetes.io/group.name': group, 'alb.ingress.kubernetes.io/group.order': '2', 'alb.ingress.kubernetes.io/target-type': 'ip' }, 'beta', '/beta');
    const hostB = await waitFor('beta served', () => hostnameOf('beta'));
    assert.equal(hostB, await hostnameOf('alpha'), 'one ALB for the group');
    const [lb] = await stackLbs(group);
    assert.ok(lb);
    await waitFor('rules of both members', async () => (await rulesOf(lb.arn)).length === 2);
    assert.deepEqual((await admin.ingresses.get('beta', ns))?.metadata?.finalizers, [`group.ingress.k8s.aws/${group}`]);
    // beta leaves the group: its rules go from the group ALB, its group finalizer goes, it gets an ALB of its own
    await admin.ingresses.mergePatch('beta', ns, { metadata: { annotations: { 'alb.ingress.kubernetes.io/group.name': null, 'alb.ingress.kubernetes.io/group.order': null } } });
    await waitFor('beta rules gone from the group ALB', async () => (await rulesOf(lb.arn)).length === 1);
    await waitFor('beta on its own ALB', async () => {
      const i = await admin.ingresses.get('beta', ns);
      const h = i?.status?.loadBalancer?.ingress?.[0]?.hostname;
      return h && h !== hostB && JSON.stringify(i?.metadata?.finalizers) === JSON.stringify(['ingress.k8s.aws/resources']);
    });
    assert.equal((await stackLbs(`${ns}/beta`)).length, 1);
    assert.equal((await stackLbs(group)).length, 1);
  });

  it('reports a bad annotation on that Ingress (Event + status signal) while the rest of the group is served', async () => {
    await backend('gamma');
    await ingress('gamma', { 'alb.ingress.kubernetes.io/group.name': group, 'alb.ingress.kubernetes.io/healthcheck-interval-seconds': 'often' }, 'gamma', '/gamma');
    const sig = await waitFor('FailedBuildModel signal on gamma', async () => {
      const s = readReconcileStatus((await admin.ingresses.get('gamma', ns)) as Ingress);
      return s?.reason === 'FailedBuildModel' ? s : undefined;
    });
    assert.match(sig.message, /healthcheck-interval-seconds/);
    const events = await waitFor('Event on gamma', async () => {
      const list = await admin.events.list(ns, { fieldSelector: 'involvedObject.name=gamma' });
      return list.items.find((e) => e.reason === 'FailedBuildModel');
    });
    assert.equal(events.type, 'Warning');
    assert.match(events.message ?? '', /healthcheck-interval-seconds/);
    // alpha is still served by the group's ALB, with its rule
    const [lb] = await stackLbs(group);
    assert.ok(lb);
    assert.ok(await hostnameOf('alpha'));
    assert.deepEqual((await rulesOf(lb.arn)).length, 1);
    assert.equal(readReconcileStatus((await admin.ingresses.get('alpha', ns)) as Ingress)?.reason, 'SuccessfullyReconciled');
    assert.equal((await admin.ingresses.get('gamma', ns))?.status?.loadBalancer?.ingress, undefined, 'no hostname for the broken member');
    // fixing it brings it in
    await admin.ingresses.mergePatch('gamma', ns, { metadata: { annotations: { 'alb.ingress.kubernetes.io/healthcheck-interval-seconds': '15' } } });
    await waitFor('gamma served after the fix', () => hostnameOf('gamma'));
    await waitFor('group has 2 rules', async () => (await rulesOf(lb.arn)).length === 2);
  });

  it('refuses hostile inputs (a size cap, an AWS quota) on the Ingress that holds them: Event + status, nothing in AWS, the group served, /healthz answering', async () => {
    const [lb] = await stackLbs(group);
    assert.ok(lb);
    const rulesBefore = await rulesOf(lb.arn);
    // 4,000 listen ports (a 55 KB annotation, over the size cap) and 150 paths (over the rule quota), both joining the group
    const ports = JSON.stringify(Array.from({ length: 4_000 }, (_, i) => ({ HTTP: 1024 + i })));
    await ingress('hostile-ports', { 'alb.ingress.kubernetes.io/group.name': group, 'alb.ingress.kubernetes.io/listen-ports': ports }, 'gamma', '/hostile-ports');
    await admin.ingresses.create({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
      metadata: { name: 'hostile-paths', namespace: ns, annotations: { 'alb.ingress.kubernetes.io/group.name': group } },
      spec: {
        ingressClassName: 'alb',
        rules: [{ http: { paths: Array.from({ length: 150 }, (_, i) => ({ path: `/p${i}`, pathType: 'Prefix', backend: { service: { name: 'gamma', port: { number: 80 } } } })) } }],
      },
    }, ns);
    const reasons: Record<string, RegExp> = {
      'hostile-ports': /alb\.ingress\.kubernetes\.io\/listen-ports: is over 32768 bytes long/,
      'hostile-paths': /spec\.rules: with this Ingress the load balancer of group \S+ would have listener rules: \d+; ALB listener rules \(default rules not counted\): at most 100 per load balancer \(AWS quota, --max-rules-per-load-balancer\)/,
    };
    for (const [name, reason] of Object.entries(reasons)) {
      const sig = await waitFor(`FailedBuildModel signal on ${name}`, async () => {
        const st = readReconcileStatus((await admin.ingresses.get(name, ns)) as Ingress);
        return st?.reason === 'FailedBuildModel' ? st : undefined;
      });
      assert.match(sig.message, reason);
      const event = await waitFor(`Event on ${name}`, async () =>
        (await admin.events.list(ns, { fieldSelector: `involvedObject.name=${name}` })).items.find((e) => e.reason === 'FailedBuildModel'));
      assert.match(event.message ?? '', reason);
    }
    const health = await fetch(`${ctrl.healthUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(health.status, 200);
    // nothing of theirs reached AWS: the group keeps its one listener and its rules
    const listeners = (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.arn }))).Listeners ?? [];
    assert.deepEqual(listeners.map((l) => l.Port), [80]);
    assert.deepEqual(await rulesOf(lb.arn), rulesBefore);
    assert.equal(readReconcileStatus((await admin.ingresses.get('alpha', ns)) as Ingress)?.reason, 'SuccessfullyReconciled');
    for (const name of Object.keys(reasons)) await admin.ingresses.delete(name, ns);
    await waitFor('hostile Ingresses gone', async () => (await admin.ingresses.list(ns)).items.every((i) => !i.metadata?.name?.startsWith('hostile-')));
  });

  it('refuses an Ingress whose backend Service asks for authentication without an identity provider: Warning Events name the Service and the key, no rule for it', async () => {
    const { svc } = await backend('secure');
    await admin.services.mergePatch('secure', ns, { metadata: { annotations: { 'alb.ingress.kubernetes.io/auth-type': 'cognito' } } });
    const [lb] = await stackLbs(group);
    assert.ok(lb);
    const rulesBefore = await rulesOf(lb.arn);
    await ingress('secure', { 'alb.ingress.kubernetes.io/group.name': group, 'alb.ingress.kubernetes.io/target-type': 'ip' }, 'secure', '/secure');
    const onIngress = await waitFor('Warning Event on the Ingress', async () =>
      (await admin.events.list(ns, { fieldSelector: 'involvedObject.name=secure,involvedObject.kind=Ingress' })).items.find((e) => e.reason === 'FailedBuildModel'));
    assert.equal(onIngress.type, 'Warning');
    assert.match(onIngress.message ?? '', new RegExp(`Service ${ns}/secure: alb\\.ingress\\.kubernetes\\.io/auth-idp-cognito is required when auth-type is cognito`));
    const onService = await waitFor('Warning Event on the Service', async () =>
      (await admin.events.list(ns, { fieldSelector: 'involvedObject.name=secure,involvedObject.kind=Service' })).items.find((e) => e.reason === 'InvalidAnnotation'));
    assert.equal(onService.type, 'Warning');
    assert.equal(onService.involvedObject.uid, svc.metadata?.uid);
    assert.equal(onService.message, 'alb.ingress.kubernetes.io/auth-idp-cognito: is required when auth-type is cognito');
    assert.equal(readReconcileStatus((await admin.ingresses.get('secure', ns)) as Ingress)?.reason, 'FailedBuildModel');
    // nothing in AWS for it: the group's rules are as they were, no target group, no hostname
    assert.deepEqual(await rulesOf(lb.arn), rulesBefore);
    assert.ok(!(await rulesOf(lb.arn)).some((r) => r.includes('/secure')));
    const bindings = (await admin.targetGroupBindings.list(ns)).items.map((b) => b.spec.serviceRef.name);
    assert.ok(!bindings.includes('secure'), `no binding for the Service: ${bindings.join(', ')}`);
    assert.equal(await hostnameOf('secure'), undefined);
  });

  it('opens the managed security group to IngressClassParams PrefixListsIDs (the legacy spelling), not to 0.0.0.0/0', async () => {
    const pl = (await ec2.send(new CreateManagedPrefixListCommand({
      PrefixListName: `e2e-${ns}`, AddressFamily: 'IPv4', MaxEntries: 5, Entries: [{ Cidr: '192.0.2.0/24', Description: 'office' }],
    }))).PrefixList?.PrefixListId;
    assert.ok(pl);
    const cls = `${ns}-listed`;
    await admin.ingressClassParams.create({ apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'IngressClassParams', metadata: { name: cls }, spec: { PrefixListsIDs: [pl] } });
    await admin.ingressClasses.create({
      apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: cls },
      spec: { controller: 'ingress.k8s.aws/alb', parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: cls } },
    });
    await backend('listed');
    await admin.ingresses.create({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
      metadata: { name: 'listed', namespace: ns, annotations: { 'alb.ingress.kubernetes.io/target-type': 'ip' } },
      spec: { ingressClassName: cls, rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'listed', port: { number: 80 } } } }] } }] },
    }, ns);
    await waitFor('listed served', () => hostnameOf('listed'));
    const [lb] = await stackLbs(`${ns}/listed`);
    const sgId = await managedSgOf(lb?.arn ?? '');
    assert.ok(sgId);
    const perms = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [sgId] }))).SecurityGroups?.[0]?.IpPermissions ?? [];
    assert.deepEqual(perms.map((p) => ({ port: p.FromPort, lists: (p.PrefixListIds ?? []).map((x) => x.PrefixListId), cidrs: (p.IpRanges ?? []).map((r) => r.CidrIp) })),
      [{ port: 80, lists: [pl], cidrs: [] }]);
    // converged: the next reconcile of the group plans no change (the prefix-list rule is read back as planned)
    const log = fleet.logFile('main');
    const offset = readFileSync(log, 'utf8').length;
    await admin.ingresses.mergePatch('listed', ns, { metadata: { labels: { resync: '1' } } });
    const line = await waitFor('the group reconciled again', async () => readFileSync(log, 'utf8').slice(offset).split('\n')
      .map((l) => { try { return JSON.parse(l) as { msg?: string; group?: string; changes?: number }; } catch { return undefined; } })
      .find((l) => l?.msg === 'reconciled group' && l.group === `${ns}/listed`));
    assert.equal(line.changes, 0);
  });

  it('survives a SIGKILL in the middle of a reconcile without duplicates', async () => {
    await backend('delta');
    const log = fleet.logFile('main');
    const offset = readFileSync(log, 'utf8').length;
    await ingress('delta', { 'alb.ingress.kubernetes.io/target-type': 'ip' }, 'delta');
    await waitFor('the plan being applied', async () => readFileSync(log, 'utf8').slice(offset).includes('"msg":"applying plan"'), 30_000, 10);
    await sleep(150); // a moment into the apply, so the kill lands between writes (what it proves holds wherever it lands)
    await ctrl.kill();
    const mid = { lbs: (await stackLbs(`${ns}/delta`)).length, tgs: (await stackTgs(`${ns}/delta`)).length };
    console.log(`      killed mid-apply with ${mid.lbs} load balancer(s) and ${mid.tgs} target group(s) created`);
    fleet.forget(ctrl);
    ctrl = await start('main');
    await waitFor('delta served after restart', () => hostnameOf('delta'));
    assert.equal((await stackLbs(`${ns}/delta`)).length, 1);
    assert.equal((await stackTgs(`${ns}/delta`)).length, 1);
  });

  it('deletes everything for deleted Ingresses and then lets them go', async () => {
    const stacks = [`${ns}/web`, `${ns}/beta`, `${ns}/delta`, `${ns}/listed`, group];
    for (const n of ['web', 'alpha', 'beta', 'gamma', 'delta', 'secure', 'listed']) await admin.ingresses.delete(n, ns);
    await waitFor('Ingresses gone (finalizers removed)', async () => (await admin.ingresses.list(ns)).items.length === 0, 120_000);
    for (const s of stacks) {
      assert.deepEqual(await stackLbs(s), [], `no load balancer left for ${s}`);
      await waitFor(`no target group left for ${s}`, async () => (await stackTgs(s)).length === 0, 30_000);
    }
    await waitFor('bindings gone', async () => (await admin.targetGroupBindings.list(ns)).items.length === 0, 60_000);
    assert.deepEqual(await nodeSgRules(), [], 'no rule of ours left on the node security group');
  });

  it('runs one leader among two replicas, and the other takes over when the leader dies', async () => {
    const second = await start('second');
    const leaderOf = async (p: ControllerProcess): Promise<number> =>
      parseMetrics(await p.metrics()).find((s) => s.name === 'aws_lb_controller_leader')?.value ?? 0;
    assert.equal(await leaderOf(ctrl), 1, 'the first replica leads');
    await sleep(3000); // a window in which the second replica must not take the lease (a negative check needs one)
    assert.equal(await leaderOf(second), 0, 'the second one waits');
    await ctrl.kill();
    fleet.forget(ctrl);
    await waitFor('the second replica leads', async () => (await leaderOf(second)) === 1, 60_000, 500);
    ctrl = second;
    await backend('omega');
    await ingress('omega', { 'alb.ingress.kubernetes.io/target-type': 'ip' }, 'omega');
    await waitFor('omega served by the new leader', () => hostnameOf('omega'));
  });
});
