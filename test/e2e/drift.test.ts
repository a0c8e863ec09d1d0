// One inventory per pass, checkpoints and the drift rotation (ADR 13), end to end on the stand-ins: a rule
// deleted by hand is put back by the drift rotation without any change in Kubernetes; a restarted controller
// reads no unchanged stack below its listing and no target health (its checkpoints match), and serves an
// Ingress created while it was down.
import assert from 'node:assert/strict';
import {
  DeleteRuleCommand, DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeTagsCommand, ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { awsCallCounts, type ControllerProcess } from '../../src/cli/demo-command.ts';
import { createKubeClients, type KubeClients } from '../../src/k8s/client.ts';
import { parseMetrics } from '../../src/server/metrics.ts';
import { backendNodes, createBackendPods, writeEndpointSlice } from '../../src/stand-ins/backends.ts';
import { waitFor } from '../../src/stand-ins/wait.ts';
import { suiteControllers } from './support/controllers.ts';
import { freshNamespace, resetAws, running, seeded, standIns } from './support/stand-ins.ts';

/** a drift check of this suite's one stack and one binding costs about 7 reads: the budget lets one through every few seconds */
const DRIFT_ARGS = ['--drift-check-interval=5s', '--drift-check-budget=120'];

describe('inventory, checkpoints and drift rotation (own process, kube-apiserver + moto)', function () {
  this.timeout(300_000);
  let admin: KubeClients;
  let elbv2: ElasticLoadBalancingV2Client;
  let ec2: EC2Client;
  let ns: string;
  // at the end, the last controller deletes what the suite made
  const fleet = suiteControllers('drift', {
    beforeStop: async () => {
      if (!admin || !ns) return;
      for (const i of (await admin.ingresses.list(ns)).items) await admin.ingresses.delete(i.metadata?.name ?? '', ns);
      await waitFor('Ingresses gone', async () => (await admin.ingresses.list(ns)).items.length === 0, 90_000).catch(() => undefined);
    },
  });
  let started = 0;
  let latest: ControllerProcess | undefined;
  const start = async (name: string, extraArgs: string[]): Promise<ControllerProcess> => {
    started++;
    return (latest = await fleet.start(name, { extraArgs }));
  };
  const metric = async (p: ControllerProcess, name: string, labels: Record<string, string>): Promise<number> =>
    parseMetrics(await p.metrics()).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);

  before(async function () {
    await standIns(this);
    await resetAws();
    const s = running();
    admin = createKubeClients({ kubeconfig: s.adminKubeconfigPath });
    elbv2 = new ElasticLoadBalancingV2Client({ ...s.aws });
    ec2 = new EC2Client({ ...s.aws });
    ns = await freshNamespace('drift');
  });

  after(() => {
    elbv2?.destroy();
    ec2?.destroy();
  });

  async function backendAndIngress(name: string, paths: string[]): Promise<void> {
    const svc = await admin.services.create({
      apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns },
      spec: { type: 'NodePort', selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
    }, ns);
    const ipBase = started * 40 + paths.length * 7;
    const pods = await createBackendPods(admin, { namespace: ns, app: name, nodes: backendNodes(seeded()), indices: [0], ipBase, enis: { ec2, securityGroupId: seeded().nodeSecurityGroupId } });
    await writeEndpointSlice(admin, { namespace: ns, service: svc, pods });
    await admin.ingresses.create({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
      metadata: { name, namespace: ns, annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing', 'alb.ingress.kubernetes.io/target-type': 'ip' } },
      spec: { ingressClassName: 'alb', rules: [{ http: { paths: paths.map((path) => ({ path, pathType: 'Prefix' as const, backend: { service: { name, port: { number: 80 } } } })) } }] },
    }, ns);
  }

  const hostnameOf = async (name: string): Promise<string | undefined> => (await admin.ingresses.get(name, ns))?.status?.loadBalancer?.ingress?.[0]?.hostname;

  async function lbOf(stack: string): Promise<string> {
    const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    const tags = (await elbv2.send(new DescribeTagsCommand({ ResourceArns: lbs.map((l) => l.LoadBalancerArn as string) }))).TagDescriptions ?? [];
    const arn = tags.find((t) => t.Tags?.some((x) => x.Key === 'ingress.k8s.aws/stack' && x.Value === stack))?.ResourceArn;
    assert.ok(arn, `a load balancer for ${stack}`);
    return arn;
  }

  /** non-default rules as "priority path…" with their ARNs */
  async function rulesOf(lbArn: string): Promise<{ arn: string; text: string }[]> {
    const out: { arn: string; text: string }[] = [];
    for (const l of (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))).Listeners ?? []) {
      for (const r of (await elbv2.send(new DescribeRulesCommand({ ListenerArn: l.ListenerArn }))).Rules ?? []) {
        if (!r.IsDefault) out.push({ arn: r.RuleArn as string, text: `${r.Priority} ${(r.Conditions ?? []).flatMap((c) => c.PathPatternConfig?.Values ?? []).join(',')}` });
      }
    }
    return out.sort((a, b) => (a.text < b.text ? -1 : 1));
  }
  const texts = (rs: { text: string }[]): string[] => rs.map((r) => r.text);

  it('puts back a listener rule deleted by hand, through the drift rotation alone', async () => {
    const ctrl = await start('first', DRIFT_ARGS);
    await backendAndIngress('shop', ['/cart', '/pay']);
    await waitFor('hostname on shop', () => hostnameOf('shop'));
    const lb = await lbOf(`${ns}/shop`);
    const rules = await waitFor('two rules', async () => { const r = await rulesOf(lb); return r.length === 2 ? r : undefined; });
    const checksBefore = await metric(ctrl, 'aws_lb_controller_drift_checks_total', { controller: 'ingress' });
    // the console edit: nothing changes in Kubernetes, and the listing (load balancers, target groups) shows nothing
    await elbv2.send(new DeleteRuleCommand({ RuleArn: rules[0]?.arn }));
    assert.equal((await rulesOf(lb)).length, 1);
    // one rotation here is max(5 s interval, ~7 reads / 120 per minute ≈ 4 s): allow many
    await waitFor('the deleted rule put back', async () => JSON.stringify(texts(await rulesOf(lb))) === JSON.stringify(texts(rules)), 120_000, 1_000);
    assert.ok(await metric(ctrl, 'aws_lb_controller_drift_checks_total', { controller: 'ingress' }) > checksBefore, 'a drift check did it');
  });

  it('restarts warm: unchanged stacks and target health are not read again, and an Ingress created meanwhile is served', async () => {
    await latest?.stop(30_000);
    // created while no controller runs
    await backendAndIngress('news', ['/']);
    // no drift rotation in the new process, so that every read below is the restart's own
    const second = await start('second', ['--drift-check-budget=0']);
    await waitFor('hostname on news', () => hostnameOf('news'), 120_000);
    await waitFor('shop skipped by its checkpoint', async () => (await metric(second, 'aws_lb_controller_stack_reads_total', { controller: 'ingress', read: 'checkpoint' })) >= 1);
    await waitFor('both bindings reconciled', async () => (await metric(second, 'aws_lb_controller_reconcile_total', { controller: 'targetGroupBinding' })) >= 2);
    const calls = awsCallCounts(await second.metrics());
    console.log(`      AWS calls of the restarted controller: ${JSON.stringify(calls)}`);
    // one full read: the new stack (its create); shop is read no further than the listing
    assert.equal(await metric(second, 'aws_lb_controller_stack_reads_total', { controller: 'ingress', read: 'full' }), 1);
    assert.equal(await metric(second, 'aws_lb_controller_stack_reads_total', { controller: 'targetGroupBinding', read: 'checkpoint' }) >= 1, true, "shop's binding skipped by its checkpoint");
    assert.ok((calls['elbv2/DescribeTargetHealth'] ?? 0) <= 1, 'target health read for the new binding only');
    assert.ok((calls['elbv2/DescribeListeners'] ?? 0) <= 1, 'listeners read for the new stack only');
  });
});
