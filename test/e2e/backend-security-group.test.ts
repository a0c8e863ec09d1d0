// The shared backend security group end to end: the controller as its own process against kube-apiserver and moto.
//   1. three Ingresses (three ALBs) → every ALB carries the backend group and the node security group has one
//      labelled rule from it, its port range covering the three target ports; deleting them all deletes the backend
//      group and leaves no rule;
//   2. adoption of an ALB the upstream controller made (built here by hand, as upstream leaves it: its backend group
//      with upstream's name and tags, the node-group rule from it, the TargetGroupBinding): sampled throughout the
//      first reconcile, the node group always admits one of the ALB's groups; nothing is replaced; after the Ingress
//      is deleted nothing is left, upstream's backend group included;
//   3. migration from this controller's per-ALB rules (--enable-backend-security-group=false) to the shared group:
//      sampled the same way, no moment without a rule admitting the ALB; the plan attached the group before moving
//      the binding; the per-ALB rule is gone afterwards.
// Each run starts from a fresh moto and a controller watching only its own namespace, so other suites' Ingresses
// neither use the backend group nor keep it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateRuleCommand, CreateTargetGroupCommand, DescribeLoadBalancersCommand,
  DescribeTagsCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsCallCounts, type ControllerProcess } from '../../src/cli/demo-command.ts';
import { BACKEND_SG_DESCRIPTION, backendSecurityGroupName, loadBalancerName, managedSecurityGroupName, targetGroupName } from '../../src/ingress/index.ts';
import { createKubeClients, type KubeClients } from '../../src/k8s/client.ts';
import { readReconcileStatus } from '../../src/k8s/status.ts';
import type { Ingress, Service } from '../../src/k8s/types.ts';
import { backendSecurityGroupTags, stackTags } from '../../src/model/index.ts';
import { backendNodes, createBackendPods, writeEndpointSlice, type BackendNode } from '../../src/stand-ins/backends.ts';
import { waitFor } from '../../src/stand-ins/wait.ts';
import { NETWORKING_RULE_DESCRIPTION } from '../../src/targets/networking.ts';
import { suiteControllers } from './support/controllers.ts';
import { freshNamespace, resetAws, running, seeded, standIns } from './support/stand-ins.ts';

const A = (k: string): string => `alb.ingress.kubernetes.io/${k}`;
const log = (m: string): void => console.log(`      ${m}`);

interface Rule { readonly source: string; readonly from: number; readonly to: number; readonly labelled: boolean }

describe('the shared backend security group (controller process, kube-apiserver + moto)', function () {
  this.timeout(600_000);
  let admin: KubeClients;
  let elbv2: ElasticLoadBalancingV2Client;
  let ec2: EC2Client;
  let nodes: BackendNode[];
  let clusterName = '';
  let nodeSg = '';
  let ipBase = 0;
  const fleet = suiteControllers('backend-sg');

  const start = (name: string, namespace: string, extraArgs: string[] = []): Promise<ControllerProcess> =>
    fleet.start(name, { extraArgs: [`--watch-namespace=${namespace}`, ...extraArgs] });
  const stop = async (p: ControllerProcess): Promise<void> => {
    await p.stop(10_000);
    fleet.forget(p);
  };

  before(async function () {
    await standIns(this);
    await resetAws();
    const s = running();
    clusterName = s.clusterName;
    admin = createKubeClients({ kubeconfig: s.adminKubeconfigPath });
    elbv2 = new ElasticLoadBalancingV2Client({ ...s.aws });
    ec2 = new EC2Client({ ...s.aws });
    nodes = backendNodes(seeded());
    nodeSg = seeded().nodeSecurityGroupId;
  });

  after(() => {
    elbv2?.destroy();
    ec2?.destroy();
  });

  // ---- reading AWS the way a person checking the console would

  /** the node group's ingress rules from security groups */
  const nodeRules = async (): Promise<Rule[]> => {
    const sg = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [nodeSg] }))).SecurityGroups?.[0];
    return (sg?.IpPermissions ?? []).flatMap((p) => (p.UserIdGroupPairs ?? []).map((g) => ({
      source: g.GroupId ?? '', from: p.FromPort ?? 0, to: p.ToPort ?? 65535, labelled: g.Description === NETWORKING_RULE_DESCRIPTION,
    })));
  };
  const labelledRules = async (): Promise<string[]> => (await nodeRules()).filter((r) => r.labelled).map((r) => `${r.source}:${r.from}-${r.to}`).sort();
  const groupsOf = async (lbArn: string): Promise<string[]> =>
    [...((await elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }))).LoadBalancers?.[0]?.SecurityGroups ?? [])].sort();
  /** the backend groups this cluster has in the VPC, found as the controller finds them (by tags) */
  const backendGroups = async (): Promise<string[]> => ((await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [
    { Name: 'vpc-id', Values: [seeded().vpcId] }, { Name: 'tag:elbv2.k8s.aws/cluster', Values: [clusterName] }, { Name: 'tag:elbv2.k8s.aws/resource', Values: ['backend-sg'] },
  ] }))).SecurityGroups ?? []).map((g) => g.GroupId ?? '').sort();
  const stackLb = async (stack: string): Promise<string | undefined> => {
    const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    if (lbs.length === 0) return undefined;
    const tags = (await elbv2.send(new DescribeTagsCommand({ ResourceArns: lbs.map((l) => l.LoadBalancerArn as string) }))).TagDescriptions ?? [];
    return tags.find((t) => t.Tags?.some((x) => x.Key === 'ingress.k8s.aws/stack' && x.Value === stack))?.ResourceArn;
  };
  const groupExists = async (id: string): Promise<boolean> =>
    ((await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: [id] }] }))).SecurityGroups ?? []).length > 0;

  /**
   * Samples, until stopped, whether the node group admits the ALB on `port`: a rule whose source is one of the ALB's
   * groups, read before and after the rules (only a group present at both reads counts, so a change between the reads
   * can show a gap that was not there, never hide one).
   */
  function sampler(lbArn: string, port: number): { stop: () => Promise<{ samples: number; gaps: string[]; groupsSeen: Set<string> }> } {
    let running_ = true;
    const gaps: string[] = [];
    const groupsSeen = new Set<string>();
    let samples = 0;
    const loop = (async () => {
      while (running_) {
        const before = await groupsOf(lbArn);
        const rules = await nodeRules();
        const after = await groupsOf(lbArn);
        const both = before.filter((g) => after.includes(g));
        for (const g of both) groupsSeen.add(g);
        const admitting = rules.filter((r) => both.includes(r.source) && r.from <= port && port <= r.to);
        if (admitting.length === 0) gaps.push(`${new Date().toISOString()}: ALB groups ${both.join(',')}; node rules ${rules.map((r) => `${r.source}:${r.from}-${r.to}`).join(' ')}`);
        samples++;
      }
    })();
    return { stop: async () => { running_ = false; await loop; return { samples, gaps, groupsSeen }; } };
  }

  async function backend(ns: string, app: string, targetPort: number): Promise<Service> {
    const svc = await admin.services.create({
      apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: ns },
      spec: { type: 'NodePort', selector: { app }, ports: [{ name: 'http', port: 80, targetPort, protocol: 'TCP' }] },
    }, ns);
    const pods = await createBackendPods(admin, { namespace: ns, app, nodes, indices: [0, 1], ipBase, containerPort: targetPort, enis: { ec2, securityGroupId: nodeSg } });
    ipBase += 10;
    await writeEndpointSlice(admin, { namespace: ns, service: svc, pods, port: targetPort });
    return svc;
  }

  const ingressBody = (ns: string, name: string, service: string, finalizers?: string[]): Ingress => ({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name, namespace: ns, annotations: { [A('scheme')]: 'internet-facing', [A('target-type')]: 'ip' }, ...(finalizers ? { finalizers } : {}) },
    spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }] },
  });
  const served = (ns: string, name: string) => async (): Promise<boolean> => {
    const ing = await admin.ingresses.get(name, ns);
    return !!ing?.status?.loadBalancer?.ingress?.[0]?.hostname && readReconcileStatus(ing)?.reason === 'SuccessfullyReconciled';
  };
  const deleteAll = async (ns: string, names: readonly string[]): Promise<void> => {
    for (const n of names) await admin.ingresses.delete(n, ns);
    await waitFor('Ingresses gone (finalizers removed)', async () => (await admin.ingresses.list(ns)).items.length === 0, 180_000);
    await waitFor('bindings gone', async () => (await admin.targetGroupBindings.list(ns)).items.length === 0, 120_000);
  };

  it('three ALBs share one backend group and one node-group rule; deleting them all deletes the group and the rule', async () => {
    const ns = await freshNamespace('bsg');
    const ctrl = await start('three', ns);
    const ports = [8080, 8081, 8082];
    for (const [i, port] of ports.entries()) {
      await backend(ns, `app${i}`, port);
      await admin.ingresses.create(ingressBody(ns, `web${i}`, `app${i}`), ns);
    }
    for (let i = 0; i < 3; i++) await waitFor(`web${i} served`, served(ns, `web${i}`), 180_000);
    const [backendSg, ...more] = await backendGroups();
    assert.ok(backendSg, 'the backend group exists');
    assert.deepEqual(more, [], 'exactly one backend group');
    const sg = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [backendSg] }))).SecurityGroups?.[0];
    assert.equal(sg?.GroupName, backendSecurityGroupName(clusterName));
    assert.equal(sg?.Description, BACKEND_SG_DESCRIPTION);
    assert.deepEqual(Object.fromEntries((sg?.Tags ?? []).map((t) => [t.Key, t.Value])), backendSecurityGroupTags(clusterName));
    for (let i = 0; i < 3; i++) {
      const lb = await stackLb(`${ns}/web${i}`);
      assert.ok(lb, `an ALB for web${i}`);
      const groups = await groupsOf(lb);
      assert.equal(groups.length, 2, `web${i}: its managed group and the backend group`);
      assert.ok(groups.includes(backendSg), `web${i} carries the backend group`);
    }
    // the three target ports, coalesced into one range as upstream does
    await waitFor('one labelled rule from the backend group', async () => JSON.stringify(await labelledRules()) === JSON.stringify([`${backendSg}:8080-8082`]), 60_000);
    log(`node group rules: ${(await labelledRules()).join(' ')}`);

    await deleteAll(ns, ['web0', 'web1', 'web2']);
    await waitFor('the backend group deleted', async () => !(await groupExists(backendSg)), 120_000);
    assert.deepEqual(await labelledRules(), [], 'no rule of ours left on the node group');
    assert.deepEqual(await backendGroups(), []);
    const calls = awsCallCounts(await ctrl.metrics());
    log(`controller calls: CreateSecurityGroup ${calls['ec2/CreateSecurityGroup']}, DeleteSecurityGroup ${calls['ec2/DeleteSecurityGroup']}, failed ${Object.keys(calls).filter((k) => k.includes('(')).join(', ') || 'none'}`);
    await stop(ctrl);
  });

  it('adopts an ALB the upstream controller made: reuses its backend group, never leaves the targets unreachable, and leaves nothing behind', async () => {
    const ns = await freshNamespace('bsg-up');
    const s = seeded();
    const svc = await backend(ns, 'web', 8080);
    const group = { explicit: false, namespace: ns, name: 'legacy' } as const;
    const stack = `${ns}/legacy`;
    const tgId = `${ns}/legacy-web:80`;
    const tags = (id: string) => Object.entries(stackTags(clusterName, stack, id)).map(([Key, Value]) => ({ Key, Value }));

    // what upstream leaves: its backend group (name, description, tags), the ALB's managed group, the ALB carrying
    // both, the target group, listener and rule, the node-group rule from the backend group, and the binding
    const backendSg = (await ec2.send(new CreateSecurityGroupCommand({
      GroupName: backendSecurityGroupName(clusterName), Description: BACKEND_SG_DESCRIPTION, VpcId: s.vpcId,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: Object.entries(backendSecurityGroupTags(clusterName)).map(([Key, Value]) => ({ Key, Value })) }],
    }))).GroupId as string;
    const managedSg = (await ec2.send(new CreateSecurityGroupCommand({
      GroupName: managedSecurityGroupName(clusterName, group), Description: '[k8s] Managed SecurityGroup for LoadBalancer', VpcId: s.vpcId,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: tags('ManagedLBSecurityGroup') }],
    }))).GroupId as string;
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: managedSg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    const lbArn = (await elbv2.send(new CreateLoadBalancerCommand({
      Name: loadBalancerName(clusterName, group, 'internet-facing'), Subnets: s.subnets.public.map((x) => x.id), SecurityGroups: [managedSg, backendSg],
      Scheme: 'internet-facing', Type: 'application', IpAddressType: 'ipv4', Tags: tags('LoadBalancer'),
    }))).LoadBalancers?.[0]?.LoadBalancerArn as string;
    const tgName = targetGroupName({
      clusterName, group, ingressNamespace: ns, ingressName: 'legacy', serviceNamespace: ns, serviceName: 'web', serviceUid: svc.metadata?.uid ?? '',
      servicePort: 80, targetGroupPort: 8080, targetType: 'ip', protocol: 'HTTP', protocolVersion: 'HTTP1',
    });
    const tgArn = (await elbv2.send(new CreateTargetGroupCommand({
      Name: tgName, Protocol: 'HTTP', ProtocolVersion: 'HTTP1', Port: 8080, VpcId: s.vpcId, TargetType: 'ip', IpAddressType: 'ipv4',
      HealthCheckEnabled: true, HealthCheckPort: 'traffic-port', HealthCheckProtocol: 'HTTP', HealthCheckPath: '/', HealthCheckIntervalSeconds: 15,
      HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2, Matcher: { HttpCode: '200' }, Tags: tags(tgId),
    }))).TargetGroups?.[0]?.TargetGroupArn as string;
    const listenerArn = (await elbv2.send(new CreateListenerCommand({
      LoadBalancerArn: lbArn, Port: 80, Protocol: 'HTTP', Tags: tags('80'),
      DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain' } }],
    }))).Listeners?.[0]?.ListenerArn as string;
    await elbv2.send(new CreateRuleCommand({
      ListenerArn: listenerArn, Priority: 1, Tags: tags('80:1'),
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }], Actions: [{ Type: 'forward', TargetGroupArn: tgArn }],
    }));
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: nodeSg, IpPermissions: [{
      IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, UserIdGroupPairs: [{ GroupId: backendSg, Description: NETWORKING_RULE_DESCRIPTION }],
    }] }));
    await admin.targetGroupBindings.create({
      apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'TargetGroupBinding',
      metadata: { name: tgName, namespace: ns, labels: { 'ingress.k8s.aws/stack-namespace': ns, 'ingress.k8s.aws/stack-name': 'legacy' }, finalizers: ['elbv2.k8s.aws/resources'] },
      spec: {
        targetGroupARN: tgArn, targetType: 'ip', serviceRef: { name: 'web', port: 80 }, ipAddressType: 'ipv4', vpcID: s.vpcId,
        networking: { ingress: [{ from: [{ securityGroup: { groupID: backendSg } }], ports: [{ protocol: 'TCP', port: 8080 }] }] },
      },
    }, ns);
    await admin.ingresses.create(ingressBody(ns, 'legacy', 'web', ['ingress.k8s.aws/resources']), ns);

    // the first reconcile by this controller, sampled throughout
    const watch = sampler(lbArn, 8080);
    const ctrl = await start('adopt', ns);
    await waitFor('legacy served by this controller', served(ns, 'legacy'), 180_000);
    await waitFor('targets registered', async () => ((await elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tgArn] }))).TargetGroups ?? []).length === 1);
    await waitFor('the node group in step', async () => JSON.stringify(await labelledRules()) === JSON.stringify([`${backendSg}:8080-8080`]), 60_000);
    const sampled = await watch.stop();
    log(`${sampled.samples} samples during adoption; ALB groups seen: ${[...sampled.groupsSeen].join(', ')}`);
    assert.ok(sampled.samples >= 5, `enough samples (${sampled.samples})`);
    assert.deepEqual(sampled.gaps, [], 'the node group admitted the ALB at every sample');
    assert.deepEqual([...sampled.groupsSeen].sort(), [backendSg, managedSg].sort(), 'the ALB kept its two groups: nothing swapped');

    // nothing replaced: same ALB, target group and groups; the upstream backend group is the backend group
    assert.equal(await stackLb(stack), lbArn);
    assert.deepEqual(await groupsOf(lbArn), [backendSg, managedSg].sort());
    assert.deepEqual(await backendGroups(), [backendSg]);
    const calls = awsCallCounts(await ctrl.metrics());
    const creates = Object.keys(calls).filter((k) => /\/(Create(LoadBalancer|TargetGroup|SecurityGroup)|SetSecurityGroups|DeleteLoadBalancer|DeleteTargetGroup|DeleteSecurityGroup|RevokeSecurityGroupIngress)$/.test(k));
    assert.deepEqual(creates, [], `no create, swap, delete or revoke: ${JSON.stringify(calls)}`);

    await deleteAll(ns, ['legacy']);
    await waitFor('upstream\'s backend group deleted', async () => !(await groupExists(backendSg)), 120_000);
    assert.equal(await stackLb(stack), undefined, 'the ALB is gone');
    assert.equal(await groupExists(managedSg), false, 'its managed group is gone');
    assert.deepEqual(await labelledRules(), [], 'no rule left on the node group');
    await stop(ctrl);
  });

  it('migrates per-ALB rules to the shared group without a moment the targets are unreachable', async () => {
    const ns = await freshNamespace('bsg-mig');
    await backend(ns, 'web', 8080);
    const old = await start('per-alb', ns, ['--enable-backend-security-group=false']);
    await admin.ingresses.create(ingressBody(ns, 'web', 'web'), ns);
    await waitFor('web served with per-ALB rules', served(ns, 'web'), 180_000);
    const lbArn = await stackLb(`${ns}/web`);
    assert.ok(lbArn);
    const [managedSg] = await groupsOf(lbArn);
    assert.ok(managedSg);
    await waitFor('the per-ALB rule on the node group', async () => JSON.stringify(await labelledRules()) === JSON.stringify([`${managedSg}:8080-8080`]), 60_000);
    assert.deepEqual(await backendGroups(), [], 'no backend group while it is turned off');
    await stop(old);

    const watch = sampler(lbArn, 8080);
    const ctrl = await start('shared', ns);
    const backendSg = await waitFor('the backend group', async () => (await backendGroups())[0]);
    await waitFor('only the rule from the backend group', async () => JSON.stringify(await labelledRules()) === JSON.stringify([`${backendSg}:8080-8080`]), 120_000);
    const sampled = await watch.stop();
    log(`${sampled.samples} samples during the migration; ALB groups seen: ${[...sampled.groupsSeen].join(', ')}`);
    assert.ok(sampled.samples >= 5, `enough samples (${sampled.samples})`);
    assert.deepEqual(sampled.gaps, [], 'the node group admitted the ALB at every sample');
    assert.deepEqual(await groupsOf(lbArn), [backendSg, managedSg].sort(), 'the same ALB, now with the backend group');
    // the plan attached the group to the ALB before it moved the binding
    const applied = readFileSync(fleet.logFile('shared'), 'utf8').split('\n').filter((l) => l.includes('"msg":"applying plan"'));
    const changes = (JSON.parse(applied[0] ?? '{}') as { changes?: string[] }).changes ?? [];
    const lbAt = changes.findIndex((c) => c === 'update LoadBalancer/LoadBalancer');
    const tgbAt = changes.findIndex((c) => c.startsWith('update TargetGroupBinding/'));
    assert.ok(lbAt >= 0 && tgbAt > lbAt, `load balancer first, then the binding: ${changes.join(', ')}`);

    await deleteAll(ns, ['web']);
    await waitFor('the backend group deleted', async () => !(await groupExists(backendSg)), 120_000);
    assert.deepEqual(await labelledRules(), []);
    await stop(ctrl);
  });
});
