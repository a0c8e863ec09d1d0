// Load balancer and target group parameters end to end (issue 12, ADR 23), on the stand-ins (kube-apiserver + moto
// 5.2.5), with the controller as its own process. What moto can show: CreateLoadBalancer with CustomerOwnedIpv4Pool and
// CreateTargetGroup with TargetControlPort are accepted (moto ignores both and reports neither, so the stacks must
// converge and then plan no change), target-control-port with ALBTargetControlAgent at its default (off), as upstream;
// an IPAM pool ID AWS would refuse is an Issue on the Ingress and nothing is made in AWS for it, while the others
// converge. Not shown here: ModifyIpPools (moto answers 500; pinned in test/unit/ingress/lb-params.test.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { type KubeClients } from '../../src/k8s/client.ts';
import { readReconcileStatus } from '../../src/k8s/status.ts';
import type { Ingress } from '../../src/k8s/types.ts';
import { TAG_INGRESS_STACK } from '../../src/model/index.ts';
import { waitFor } from '../../src/stand-ins/wait.ts';
import { nodePortApp } from './support/backends.ts';
import { suiteControllers } from './support/controllers.ts';
import { freshNamespace, running, seeded, suiteClients } from './support/stand-ins.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const A = (suffix: string): string => `alb.ingress.kubernetes.io/${suffix}`;
const CONTROL = A('target-control-port.app.80');

describe('IPAM and customer-owned IPv4 pools, target control ports (own process, kube-apiserver + moto)', function () {
  this.timeout(300_000);
  let admin: KubeClients;
  let elbv2: ElasticLoadBalancingV2Client;
  let ec2: EC2Client;
  let ns: string;
  const fleet = suiteControllers('lb-params');
  const start = (name: string) => fleet.start(name, { extraArgs: ['--enable-leader-election=false'] });

  before(async function () {
    ({ admin, elbv2, ec2 } = await suiteClients(this));
    ns = await freshNamespace('lbparams');
    await nodePortApp(admin, ec2, { namespace: ns, name: 'app' });
  });

  after(async function () {
    this.timeout(60_000);
    elbv2?.destroy();
    ec2?.destroy();
  });

  const ingress = (name: string, annotations: Record<string, string>): Promise<Ingress> => admin.ingresses.create({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name, namespace: ns, annotations: { [A('target-type')]: 'ip', ...annotations } },
    spec: {
      ingressClassName: 'alb',
      rules: [{ host: `${name}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'app', port: { number: 80 } } } }] } }],
    },
  }, ns);
  const hostname = (name: string) => waitFor(`hostname on ${name}`, async () => (await admin.ingresses.get(name, ns))?.status?.loadBalancer?.ingress?.[0]?.hostname);
  const failed = (name: string) => waitFor(`FailedBuildModel on ${name}`, async () => {
    const s = readReconcileStatus((await admin.ingresses.get(name, ns)) as Ingress);
    return s?.reason === 'FailedBuildModel' ? s : undefined;
  });
  /** the ARNs of the load balancers and target groups tagged with `stack` */
  async function owned(stack: string): Promise<{ lbs: string[]; tgs: string[] }> {
    const arns = [
      ...((await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? []).map((l) => l.LoadBalancerArn as string),
      ...((await elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? []).map((t) => t.TargetGroupArn as string),
    ];
    const tagged = new Set<string>();
    for (let i = 0; i < arns.length; i += 20) {
      const out = await elbv2.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }));
      for (const d of out.TagDescriptions ?? []) if (d.Tags?.some((t) => t.Key === TAG_INGRESS_STACK && t.Value === stack)) tagged.add(d.ResourceArn as string);
    }
    return { lbs: [...tagged].filter((a) => a.includes(':loadbalancer/')), tgs: [...tagged].filter((a) => a.includes(':targetgroup/')) };
  }
  /** plan --live's summary per stack */
  function livePlan(): Map<string, Record<string, number>> {
    const s = running();
    const r = spawnSync(process.execPath, [path.join(ROOT, 'src/main.ts'), 'plan', '--live', '--cluster-name', s.clusterName, '--aws-vpc-id', seeded().vpcId,
      '--kubeconfig', s.adminKubeconfigPath, '-o', 'json'],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...s.env } });
    assert.ok(r.status === 0 || r.status === 2, `${r.status}: ${r.stderr}`);
    const doc = JSON.parse(r.stdout) as { plans: { stackId: string; summary: Record<string, number> }[] };
    return new Map(doc.plans.map((p) => [p.stackId, { ...p.summary, noop: 0 }]));
  }
  const NO_CHANGE = { create: 0, update: 0, replace: 0, delete: 0, noop: 0 };

  it('a bad IPAM pool ID is an Issue with nothing in AWS; target-control-port (gate ALBTargetControlAgent at its default, as upstream) and a customer-owned IPv4 pool converge', async () => {
    await start('main');
    await ingress('control', { [CONTROL]: '3000' });
    await ingress('badpool', { [A('ipam-ipv4-pool-id')]: 'pool-1' });
    await ingress('coip', { [A('customer-owned-ipv4-pool')]: 'ipv4pool-coip-0123456789abcdef0' });
    assert.match((await failed('badpool')).message, /ipam-ipv4-pool-id: expected an IPAM pool ID .*the ELBv2 IpamPools limit/);
    assert.ok(await hostname('control'));
    assert.ok(await hostname('coip'));
    // the others converged, so the refused one was judged in the same passes: nothing of its exists
    assert.deepEqual(await owned(`${ns}/badpool`), { lbs: [], tgs: [] });
    assert.equal((await owned(`${ns}/coip`)).lbs.length, 1);
  });

  it('the control port gives the target group a name of its own; plan --live then shows no change for either stack', async () => {
    // plan --live exits 1 on any Issue: the refused pool has made its point
    await admin.ingresses.delete('badpool', ns);
    const tgs = await waitFor('the control stack\'s target group', async () => { const o = await owned(`${ns}/control`); return o.tgs.length === 1 ? o.tgs : undefined; });
    const coipTg = (await owned(`${ns}/coip`)).tgs;
    const names = ((await elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [...tgs, ...coipTg] }))).TargetGroups ?? []).map((t) => t.TargetGroupName);
    assert.equal(new Set(names).size, 2, `the control port is part of the name's hash: ${names.join(', ')}`);
    // moto reports neither the pool nor the port: no perpetual update or replacement
    const plans = livePlan();
    for (const id of [`${ns}/control`, `${ns}/coip`]) assert.deepEqual(plans.get(id), NO_CHANGE, id);
  });

  it('deletes the Ingresses and their load balancers', async () => {
    for (const name of ['control', 'coip']) await admin.ingresses.delete(name, ns);
    await waitFor('Ingresses gone', async () => (await admin.ingresses.list(ns)).items.length === 0 || undefined, 120_000);
    for (const name of ['control', 'coip']) assert.deepEqual((await owned(`${ns}/${name}`)).lbs, [], name);
  });
});
