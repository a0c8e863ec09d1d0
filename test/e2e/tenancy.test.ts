// Group tenancy end to end (ADR 6, issue 9): a tenant in another namespace tries to take over a shared ALB with
// group.order -1000, scheme internet-facing and the same host + path. The controller runs as its own process
// under the controller user's RBAC, against the real kube-apiserver and moto of the shared stand-ins.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeTagsCommand, DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { CONFLICTING_MEMBER_REFUSED } from '../../src/controllers/ingress-group.ts';
import { createKubeClients, type KubeClients } from '../../src/k8s/client.ts';
import { readReconcileStatus } from '../../src/k8s/status.ts';
import type { CoreEvent, Ingress } from '../../src/k8s/types.ts';
import { backendNodes, createBackendPods, writeEndpointSlice } from '../../src/stand-ins/backends.ts';
import { waitFor } from '../../src/stand-ins/wait.ts';
import { grantLeaderElection } from '../../src/stand-ins/index.ts';
import { suiteControllers } from './support/controllers.ts';
import { freshNamespace, kube, resetAws, running, seeded, standIns } from './support/stand-ins.ts';

const A = (suffix: string): string => `alb.ingress.kubernetes.io/${suffix}`;
const HOST = 'pay.example.com';

describe('group tenancy (own process, two namespaces, kube-apiserver + moto)', function () {
  this.timeout(300_000);
  let admin: KubeClients;
  let elbv2: ElasticLoadBalancingV2Client;
  let ec2: EC2Client;
  let teamA: string;
  let teamB: string;
  const group = `shared-${Math.random().toString(36).slice(2, 7)}`;
  const fleet = suiteControllers('tenancy');
  const log = fleet.logFile('main');
  const LEASE = 'tenancy-e2e';

  before(async function () {
    await standIns(this);
    await resetAws();
    const s = running();
    admin = createKubeClients({ kubeconfig: s.adminKubeconfigPath });
    elbv2 = new ElasticLoadBalancingV2Client({ ...s.aws });
    ec2 = new EC2Client({ ...s.aws });
    teamA = await freshNamespace('team-a');
    teamB = await freshNamespace('team-b');
    // its own Lease, in its own namespace, under the chart's leader-election Role (Leases only by name)
    await grantLeaderElection(kube().admin, teamA, LEASE);
    await fleet.start('main', { leaseNamespace: teamA, extraArgs: [`--leader-election-id=${LEASE}`] });
  });

  after(async function () {
    this.timeout(60_000);
    elbv2?.destroy();
    ec2?.destroy();
  });

  async function service(ns: string, app: string, ipBase: number): Promise<void> {
    const svc = await admin.services.create({
      apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: ns },
      spec: { type: 'NodePort', selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
    }, ns);
    const pods = await createBackendPods(admin, {
      namespace: ns, app, nodes: backendNodes(seeded()), indices: [0, 1], ipBase, enis: { ec2, securityGroupId: seeded().nodeSecurityGroupId },
    });
    await writeEndpointSlice(admin, { namespace: ns, service: svc, pods });
  }

  const ingress = (ns: string, name: string, annotations: Record<string, string>, host = HOST): Promise<Ingress> => admin.ingresses.create({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name, namespace: ns, annotations: { [A('group.name')]: group, [A('target-type')]: 'ip', ...annotations } },
    spec: { ingressClassName: 'alb', rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'pay', port: { number: 80 } } } }] } }] },
  }, ns);

  const get = (ns: string, name: string): Promise<Ingress | undefined> => admin.ingresses.get(name, ns);
  const hostnameOf = async (ns: string, name: string): Promise<string | undefined> => (await get(ns, name))?.status?.loadBalancer?.ingress?.[0]?.hostname;
  const eventsOf = async (ns: string, name: string): Promise<CoreEvent[]> => (await admin.events.list(ns, { fieldSelector: `involvedObject.name=${name}` })).items;

  /** the group's ALB as AWS shows it: ARN, scheme, and each rule as "port:priority host path → target group" */
  async function groupAlb(): Promise<{ arn: string; scheme: string; rules: string[]; targetGroups: string[] }> {
    const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    const tags = lbs.length === 0 ? [] : (await elbv2.send(new DescribeTagsCommand({ ResourceArns: lbs.map((l) => l.LoadBalancerArn as string) }))).TagDescriptions ?? [];
    const mine = lbs.filter((l) => tags.some((t) => t.ResourceArn === l.LoadBalancerArn && t.Tags?.some((x) => x.Key === 'ingress.k8s.aws/stack' && x.Value === group)));
    assert.equal(mine.length, 1, `one ALB for group ${group}`);
    const lb = mine[0] as { LoadBalancerArn: string; Scheme: string };
    const rules: string[] = [];
    for (const l of (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? []) {
      for (const r of (await elbv2.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn }))).Rules ?? []) {
        if (r.IsDefault) continue;
        const cond = (f: string) => (r.Conditions ?? []).find((c) => c.Field === f);
        const forward = (r.Actions ?? []).find((a) => a.Type === 'forward');
        rules.push(`${l.Port}:${r.Priority} ${cond('host-header')?.HostHeaderConfig?.Values?.join(',') ?? '*'} ${cond('path-pattern')?.PathPatternConfig?.Values?.join(',') ?? ''} → ${forward?.TargetGroupArn ?? forward?.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn ?? ''}`);
      }
    }
    const tgs = (await elbv2.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).TargetGroups ?? [];
    return { arn: lb.LoadBalancerArn, scheme: lb.Scheme, rules: rules.sort(), targetGroups: tgs.map((t) => t.TargetGroupArn as string).sort() };
  }

  /** waits for a reconcile of the group, begun after `offset` in the log, that left `member` out */
  const reconciledWithout = (offset: number, member: string): Promise<boolean> => waitFor(`a reconcile of ${group} leaving ${member} out`, async () =>
    readFileSync(log, 'utf8').slice(offset).split('\n').some((line) => {
      if (!line.includes('"msg":"reconciled group"')) return false;
      const entry = JSON.parse(line) as { group?: string; excluded?: string[] };
      return entry.group === group && (entry.excluded ?? []).includes(member);
    }) || undefined);

  let initial: Awaited<ReturnType<typeof groupAlb>>;
  let hostA = '';

  it('team-a\'s Ingress creates the internal ALB for pay.example.com', async () => {
    await service(teamA, 'pay', 0);
    await ingress(teamA, 'pay', { [A('scheme')]: 'internal' });
    hostA = await waitFor('team-a served', () => hostnameOf(teamA, 'pay'));
    await waitFor('team-a reconciled', async () => readReconcileStatus((await get(teamA, 'pay')) as Ingress)?.reason === 'SuccessfullyReconciled');
    initial = await groupAlb();
    assert.equal(initial.scheme, 'internal');
    assert.equal(initial.rules.length, 1);
    assert.match(initial.rules[0] ?? '', /^80:1 pay\.example\.com \/\* → arn:aws:elasticloadbalancing:/);
  });

  it('team-b joining with group.order -1000, scheme internet-facing and the same host + path is left out; team-a\'s ALB is untouched', async () => {
    await service(teamB, 'pay', 40);
    const offset = readFileSync(log, 'utf8').length;
    await ingress(teamB, 'pay', { [A('group.order')]: '-1000', [A('scheme')]: 'internet-facing' });

    const refused = await waitFor('Warning on team-b', async () => (await eventsOf(teamB, 'pay')).find((e) => e.reason === 'FailedBuildModel'));
    assert.equal(refused.type, 'Warning');
    assert.match(refused.message ?? '', new RegExp(`scheme "internet-facing" conflicts with "internal" set by Ingress ${teamA}/pay, in group ${group} first \\(deployed already\\)`));
    assert.match(refused.message ?? '', new RegExp(`host pay\\.example\\.com path /\\* on port 80 is served by Ingress ${teamA}/pay`));
    // one Event per contested value on the member that keeps it; they are written concurrently, in any order
    const kept = await waitFor('Events on team-a naming team-b (the scheme, and the host + path)', async () => {
      const events = (await eventsOf(teamA, 'pay')).filter((e) => e.reason === CONFLICTING_MEMBER_REFUSED);
      const scheme = events.find((e) => e.message?.includes('asked for scheme'));
      const host = events.find((e) => e.message?.includes('asked for host'));
      return scheme && host ? { scheme, host } : undefined;
    });
    assert.equal(kept.scheme.type, 'Warning');
    assert.match(kept.scheme.message ?? '', new RegExp(`^Ingress ${teamB}/pay asked for scheme "internet-facing" in group ${group}; this Ingress was in the group first and keeps it`));
    assert.match(kept.host.message ?? '', new RegExp(`^Ingress ${teamB}/pay asked for host pay\\.example\\.com path /\\* on port 80 in group ${group}; this Ingress was in the group first and keeps it`));

    await reconciledWithout(offset, `${teamB}/pay`);
    assert.deepEqual(await groupAlb(), initial, 'same ALB, scheme, rules and target groups');
    assert.equal(await hostnameOf(teamB, 'pay'), undefined, 'no address for team-b');
    assert.equal(readReconcileStatus((await get(teamB, 'pay')) as Ingress)?.reason, 'FailedBuildModel');
    assert.equal(await hostnameOf(teamA, 'pay'), hostA);
    assert.equal(readReconcileStatus((await get(teamA, 'pay')) as Ingress)?.reason, 'SuccessfullyReconciled');
  });

  it('a wildcard host is refused the same way; a host of its own joins, and group.order then only orders the rules', async () => {
    const offset = readFileSync(log, 'utf8').length;
    await admin.ingresses.mergePatch('pay', teamB, { metadata: { annotations: { [A('scheme')]: null } }, spec: { rules: [{ host: '*.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'pay', port: { number: 80 } } } }] } }] } });
    await waitFor('wildcard refused', async () => (await eventsOf(teamB, 'pay')).find((e) => /host pay\.example\.com path \/\* on port 80 is served by/.test(e.message ?? '') && !/scheme/.test(e.message ?? '')));
    await reconciledWithout(offset, `${teamB}/pay`);
    assert.deepEqual(await groupAlb(), initial);

    await admin.ingresses.mergePatch('pay', teamB, { spec: { rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'pay', port: { number: 80 } } } }] } }] } });
    const hostB = await waitFor('team-b served', () => hostnameOf(teamB, 'pay'));
    assert.equal(hostB, hostA, 'one ALB for the group');
    const after = await waitFor('both rules', async () => { const x = await groupAlb(); return x.rules.length === 2 ? x : undefined; });
    assert.equal(after.arn, initial.arn);
    assert.equal(after.scheme, 'internal');
    assert.match(after.rules[0] ?? '', /^80:1 shop\.example\.com /, 'group.order -1000 puts team-b\'s rule first');
    assert.match(after.rules[1] ?? '', /^80:2 pay\.example\.com /);
  });

  it('deletes both Ingresses and the ALB', async () => {
    await admin.ingresses.delete('pay', teamB);
    await admin.ingresses.delete('pay', teamA);
    await waitFor('Ingresses gone', async () => (await admin.ingresses.list(teamA)).items.length + (await admin.ingresses.list(teamB)).items.length === 0 || undefined, 120_000);
    const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    assert.ok(!lbs.some((l) => l.LoadBalancerArn === initial.arn), 'the group ALB is deleted');
  });
});
