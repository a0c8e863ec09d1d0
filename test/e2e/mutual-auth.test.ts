// mutual-authentication end to end (issue 12, ADR 0022) on the stand-ins. What moto 5.2.5 does with it: CreateListener
// accepts MutualAuthentication and drops it (DescribeListeners never returns it), and every trust store call answers
// 500. So this suite shows: a passthrough listener is created and then left alone (no ModifyListener on every
// reconcile, `plan --live` shows no change); an invalid value is a FailedBuildModel Event and status on its Ingress;
// a trust store name that cannot be looked up fails only its own group with an Event; nothing is created in AWS for
// either, while an unrelated Ingress converges. The exact MutualAuthentication requests and the name lookup are
// pinned by unit tests with aws-sdk-client-mock (test/unit/deploy/mutual-auth.test.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeTagsCommand, ElasticLoadBalancingV2Client, type Listener } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { type KubeClients } from '../../src/k8s/client.ts';
import type { CoreEvent, Ingress } from '../../src/k8s/types.ts';
import { readReconcileStatus } from '../../src/k8s/status.ts';
import { TAG_INGRESS_STACK } from '../../src/model/index.ts';
import { waitFor } from '../../src/stand-ins/wait.ts';
import { nodePortApp } from './support/backends.ts';
import { suiteControllers } from './support/controllers.ts';
import { freshNamespace, grantSuiteLease, running, seeded, suiteClients } from './support/stand-ins.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const LEASE = 'mutual-auth-e2e';
const A = (suffix: string): string => `alb.ingress.kubernetes.io/${suffix}`;
const MTLS = A('mutual-authentication');

describe('mutual-authentication (own process, kube-apiserver + moto)', function () {
  this.timeout(300_000);
  let admin: KubeClients;
  let elbv2: ElasticLoadBalancingV2Client;
  let ec2: EC2Client;
  let ns: string;
  const fleet = suiteControllers('mutual-auth');

  before(async function () {
    ({ admin, elbv2, ec2 } = await suiteClients(this));
    ns = await freshNamespace('mtls');
    await grantSuiteLease(LEASE);
    await fleet.start('main', { extraArgs: [`--leader-election-id=${LEASE}`] });
    await nodePortApp(admin, ec2, { namespace: ns, name: 'app' });
  });

  after(async function () {
    this.timeout(60_000);
    elbv2?.destroy();
    ec2?.destroy();
  });

  const https = (): Record<string, string> => ({ [A('listen-ports')]: '[{"HTTPS": 443}]', [A('certificate-arn')]: seeded().certificates.exact.arn });
  const ingress = (name: string, annotations: Record<string, string>): Promise<Ingress> => admin.ingresses.create({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name, namespace: ns, annotations: { [A('target-type')]: 'ip', ...annotations } },
    spec: {
      ingressClassName: 'alb',
      rules: [{ host: `${name}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'app', port: { number: 80 } } } }] } }],
    },
  }, ns);
  const eventsOf = async (name: string): Promise<CoreEvent[]> => (await admin.events.list(ns, { fieldSelector: `involvedObject.name=${name}` })).items;

  /** the stack's load balancer ARN, or undefined while there is none */
  async function loadBalancerOf(stack: string): Promise<string | undefined> {
    const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    if (lbs.length === 0) return undefined;
    const tagged = (await elbv2.send(new DescribeTagsCommand({ ResourceArns: lbs.map((l) => l.LoadBalancerArn as string) }))).TagDescriptions ?? [];
    return tagged.find((t) => t.Tags?.some((x) => x.Key === TAG_INGRESS_STACK && x.Value === stack))?.ResourceArn;
  }
  async function listenerOf(stack: string, port: number): Promise<Listener | undefined> {
    const lb = await loadBalancerOf(stack);
    if (!lb) return undefined;
    return ((await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb }))).Listeners ?? []).find((l) => l.Port === port);
  }

  it('passthrough: the HTTPS listener is created with it; moto drops the field (DescribeListeners has no MutualAuthentication)', async () => {
    await ingress('pass', { ...https(), [MTLS]: '[{"port": 443, "mode": "passthrough"}]' });
    const listener = await waitFor('HTTPS:443 listener of pass', () => listenerOf(`${ns}/pass`, 443));
    assert.equal(listener.Protocol, 'HTTPS');
    assert.equal(listener.MutualAuthentication, undefined, 'moto 5.2.5 does not return MutualAuthentication (if it starts to, observe compares it)');
  });

  it('an invalid value and a trust store name that cannot be looked up: Events on those Ingresses, nothing in AWS; an unrelated Ingress converges', async () => {
    await ingress('bad', { ...https(), [MTLS]: '[{"port": 443, "mode": "verify"}]' });
    await ingress('named', { ...https(), [MTLS]: '[{"port": 443, "mode": "verify", "trustStore": "no-such-store"}]' });
    await ingress('plain', {});

    const bad = await waitFor('FailedBuildModel on bad', async () => {
      const s = readReconcileStatus((await admin.ingresses.get('bad', ns)) as Ingress);
      return s?.reason === 'FailedBuildModel' ? s : undefined;
    });
    assert.match(bad.message, /mutual-authentication: \[0\]\.trustStore: is required for port 443 in mode verify/);
    assert.ok((await eventsOf('bad')).some((e) => e.reason === 'FailedBuildModel' && e.type === 'Warning'));
    // moto answers DescribeTrustStores with 500: the lookup fails this group's reconcile, reported on its Ingress
    const named = await waitFor('Warning on named', async () => (await eventsOf('named')).find((e) => e.type === 'Warning' && /DescribeTrustStores/.test(e.message ?? '')));
    assert.match(named.message ?? '', /discovering AWS resources failed/);

    await waitFor('HTTP:80 listener of plain', () => listenerOf(`${ns}/plain`, 80));
    assert.equal(await loadBalancerOf(`${ns}/bad`), undefined, 'no load balancer for the refused Ingress');
    assert.equal(await loadBalancerOf(`${ns}/named`), undefined, 'no load balancer while its trust store is not found');
    // gone before plan --live, whose discovery would meet the same 500 (a failed lookup fails the whole plan, as any discovery failure)
    for (const name of ['bad', 'named']) await admin.ingresses.delete(name, ns);
  });

  it('plan --live shows no change for the passthrough stack (a setting AWS does not report is not a perpetual difference)', () => {
    const s = running();
    const r = spawnSync(process.execPath, [path.join(ROOT, 'src/main.ts'), 'plan', '--live', '--cluster-name', s.clusterName, '--aws-vpc-id', seeded().vpcId,
      '--kubeconfig', s.adminKubeconfigPath, '-o', 'json'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...s.env } });
    assert.ok(r.status === 0 || r.status === 2, `${r.status}: ${r.stderr}`);
    const doc = JSON.parse(r.stdout) as { plans: { stackId: string; summary: Record<string, number> }[] };
    for (const id of [`${ns}/pass`, `${ns}/plain`]) {
      const p = doc.plans.find((x) => x.stackId === id);
      assert.ok(p, `a plan for ${id}`);
      assert.deepEqual({ ...p.summary, noop: 0 }, { create: 0, update: 0, replace: 0, delete: 0, noop: 0 }, `${id}: ${JSON.stringify(p)}`);
    }
  });

  it('deletes the Ingresses and their load balancers', async () => {
    for (const name of ['pass', 'plain']) await admin.ingresses.delete(name, ns);
    await waitFor('Ingresses gone', async () => (await admin.ingresses.list(ns)).items.length === 0 || undefined, 120_000);
    assert.equal(await loadBalancerOf(`${ns}/pass`), undefined);
  });
});
