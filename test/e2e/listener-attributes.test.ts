// ALB listener attributes end to end (issue 12, ADR 0017): listener-attributes.HTTP-80 on an Ingress is applied to
// its listener in moto, changed, and a removed key is left as AWS has it (as upstream); an IngressClassParams
// `listeners` entry wins over the annotation key by key; `plan --live` (with --kubeconfig) then shows no change for
// the stack, so the attributes read where a stack sets them are not seen as drift. The controller runs as its own
// process against the real kube-apiserver and moto; only this suite's objects are judged.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  DescribeListenerAttributesCommand, DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeTagsCommand, ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import * as k8s from '@kubernetes/client-node';
import { type KubeClients } from '../../src/k8s/client.ts';
import type { Ingress } from '../../src/k8s/types.ts';
import { TAG_INGRESS_STACK } from '../../src/model/index.ts';
import { waitFor } from '../../src/stand-ins/wait.ts';
import { nodePortApp } from './support/backends.ts';
import { suiteControllers } from './support/controllers.ts';
import { freshNamespace, grantSuiteLease, kube, running, seeded, suiteClients } from './support/stand-ins.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const LEASE = 'listener-attributes-e2e';
const A = (suffix: string): string => `alb.ingress.kubernetes.io/${suffix}`;
const SERVER = 'routing.http.response.server.enabled';
const NOSNIFF = 'routing.http.response.x_content_type_options.header_value';
const FRAME = 'routing.http.response.x_frame_options.header_value';

describe('ALB listener attributes: listener-attributes.<PROTOCOL>-<port> and IngressClassParams listeners (own process, kube-apiserver + moto)', function () {
  this.timeout(300_000);
  let admin: KubeClients;
  let elbv2: ElasticLoadBalancingV2Client;
  let ec2: EC2Client;
  let ns: string;
  const fleet = suiteControllers('listener-attributes');

  before(async function () {
    ({ admin, elbv2, ec2 } = await suiteClients(this));
    ns = await freshNamespace('lattr');
    await grantSuiteLease(LEASE);
    await fleet.start('main', { extraArgs: [`--leader-election-id=${LEASE}`] });
    await nodePortApp(admin, ec2, { namespace: ns, name: 'app' });
  });

  after(async function () {
    this.timeout(60_000);
    elbv2?.destroy();
    ec2?.destroy();
  });

  const ingress = (name: string, annotations: Record<string, string>, className = 'alb'): Promise<Ingress> => admin.ingresses.create({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name, namespace: ns, annotations: { [A('target-type')]: 'ip', ...annotations } },
    spec: {
      ingressClassName: className,
      rules: [{ host: `${name}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'app', port: { number: 80 } } } }] } }],
    },
  }, ns);
  /** the stack's listener on `port` with its tags, or undefined while there is none */
  async function listenerOf(stack: string, port: number): Promise<{ arn: string; tags: Record<string, string> } | undefined> {
    const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    if (lbs.length === 0) return undefined;
    const tagged = (await elbv2.send(new DescribeTagsCommand({ ResourceArns: lbs.map((l) => l.LoadBalancerArn as string) }))).TagDescriptions ?? [];
    const lb = tagged.find((t) => t.Tags?.some((x) => x.Key === TAG_INGRESS_STACK && x.Value === stack));
    if (!lb) return undefined;
    const listener = ((await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.ResourceArn }))).Listeners ?? []).find((l) => l.Port === port);
    if (!listener?.ListenerArn) return undefined;
    const tags = (await elbv2.send(new DescribeTagsCommand({ ResourceArns: [listener.ListenerArn] }))).TagDescriptions?.[0]?.Tags ?? [];
    return { arn: listener.ListenerArn, tags: Object.fromEntries(tags.map((t) => [t.Key ?? '', t.Value ?? ''])) };
  }

  /** the attributes of the stack's listener on `port` as moto holds them, or undefined while there is none */
  async function attributesOf(stack: string, port: number): Promise<Record<string, string> | undefined> {
    const listener = await listenerOf(stack, port);
    if (!listener) return undefined;
    const out = await elbv2.send(new DescribeListenerAttributesCommand({ ListenerArn: listener.arn }));
    return Object.fromEntries((out.Attributes ?? []).map((a) => [a.Key ?? '', a.Value ?? '']));
  }

  it('applies listener-attributes.HTTP-80 to the HTTP:80 listener', async () => {
    await ingress('web', { [A('listener-attributes.HTTP-80')]: `${SERVER}=false,${NOSNIFF}=nosniff` });
    const attrs = await waitFor('attributes on HTTP:80', async () => {
      const a = await attributesOf(`${ns}/web`, 80);
      return a?.[SERVER] === 'false' && a[NOSNIFF] === 'nosniff' ? a : undefined;
    });
    assert.equal(attrs[SERVER], 'false');
  });

  it('changes a value in place; a key removed from the annotation is left as AWS has it (as upstream, ADR 0017)', async () => {
    await admin.ingresses.mergePatch('web', ns, { metadata: { annotations: { [A('listener-attributes.HTTP-80')]: `${SERVER}=true,${FRAME}=DENY` } } });
    const attrs = await waitFor('changed attributes on HTTP:80', async () => {
      const a = await attributesOf(`${ns}/web`, 80);
      return a?.[SERVER] === 'true' && a[FRAME] === 'DENY' ? a : undefined;
    });
    assert.equal(attrs[NOSNIFF], 'nosniff', 'the removed key keeps its value');
    // the annotation goes altogether (with a tag, whose arrival on the listener says the change was applied): the values stay
    await admin.ingresses.mergePatch('web', ns, { metadata: { annotations: { [A('listener-attributes.HTTP-80')]: null, [A('tags')]: 'step=removed' } } });
    await waitFor('web reconciled without the annotation', async () => (await listenerOf(`${ns}/web`, 80))?.tags['step'] === 'removed' || undefined);
    assert.deepEqual(await attributesOf(`${ns}/web`, 80), attrs);
  });

  it('IngressClassParams listeners win over the annotation key by key', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kube().admin);
    const name = `${ns}-params`;
    await objects.create({
      apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'IngressClassParams', metadata: { name },
      spec: { listeners: [{ protocol: 'HTTP', port: 80, listenerAttributes: [{ key: SERVER, value: 'false' }] }] },
    } as k8s.KubernetesObject);
    await objects.create({
      apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name },
      spec: { controller: 'ingress.k8s.aws/alb', parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name } },
    } as k8s.KubernetesObject);
    await ingress('classy', { [A('listener-attributes.HTTP-80')]: `${SERVER}=true,${FRAME}=SAMEORIGIN` }, name);
    const attrs = await waitFor('class attributes on HTTP:80', async () => {
      const a = await attributesOf(`${ns}/classy`, 80);
      return a?.[SERVER] === 'false' && a[FRAME] === 'SAMEORIGIN' ? a : undefined;
    });
    assert.equal(attrs[SERVER], 'false');
  });

  it('plan --live --kubeconfig shows no change for the converged stacks (their listener attributes are read, not assumed)', () => {
    const s = running();
    const r = spawnSync(process.execPath, [path.join(ROOT, 'src/main.ts'), 'plan', '--live', '--cluster-name', s.clusterName, '--aws-vpc-id', seeded().vpcId,
      '--kubeconfig', s.adminKubeconfigPath, '-o', 'json'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...s.env } });
    assert.ok(r.status === 0 || r.status === 2, `${r.status}: ${r.stderr}`);
    const doc = JSON.parse(r.stdout) as { plans: { stackId: string; summary: Record<string, number> }[] };
    for (const id of [`${ns}/web`, `${ns}/classy`]) {
      const p = doc.plans.find((x) => x.stackId === id);
      assert.ok(p, `a plan for ${id}`);
      assert.deepEqual({ ...p.summary, noop: 0 }, { create: 0, update: 0, replace: 0, delete: 0, noop: 0 }, `${id}: ${JSON.stringify(p)}`);
    }
    assert.match(r.stderr, /DescribeListenerAttributes/, 'the attributes were read');
  });

  it('deletes the Ingresses and their load balancers', async () => {
    for (const name of ['web', 'classy']) await admin.ingresses.delete(name, ns);
    await waitFor('Ingresses gone', async () => (await admin.ingresses.list(ns)).items.length === 0 || undefined, 120_000);
    assert.equal(await attributesOf(`${ns}/web`, 80), undefined);
    const objects = k8s.KubernetesObjectApi.makeApiClient(kube().admin);
    await objects.delete({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: `${ns}-params` } });
    await objects.delete({ apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'IngressClassParams', metadata: { name: `${ns}-params` } });
  });
});
