// AWS limits and formats end to end: the controller as its own process (with a lowered listener quota, so the
// flag is shown to flow from `run` to the builder) against the real kube-apiserver and moto. A member that
// would take its group's ALB past a limit gets the Issue as an Event and status signal, and the group is still
// served; an IngressClassParams value AWS refuses keeps every Ingress of its class out of AWS, each told why.
import assert from 'node:assert/strict';
import { DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeTagsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { createKubeClients, type KubeClients } from '../../src/k8s/client.ts';
import { readReconcileStatus } from '../../src/k8s/status.ts';
import type { Ingress } from '../../src/k8s/types.ts';
import { waitFor } from '../../src/stand-ins/wait.ts';
import { suiteControllers } from './support/controllers.ts';
import { freshNamespace, resetAws, running, standIns } from './support/stand-ins.ts';

const A = 'alb.ingress.kubernetes.io/';

describe('AWS limits and formats (controller process, kube-apiserver + moto)', function () {
  this.timeout(300_000);
  let admin: KubeClients;
  let elbv2: ElasticLoadBalancingV2Client;
  let ns: string;
  // leave nothing for the suites after this one (plan --live reads every Ingress and IngressClass in the
  // cluster): the controller deletes what it made and lets the Ingresses go, then the class goes too
  const fleet = suiteControllers('limits', {
    beforeStop: async () => {
      if (!admin || !ns) return;
      for (const i of (await admin.ingresses.list(ns)).items) await admin.ingresses.delete(i.metadata?.name ?? '', ns);
      await waitFor('the suite\'s Ingresses gone', async () => (await admin.ingresses.list(ns)).items.length === 0, 240_000);
      const name = `bad-cidrs-${ns}`;
      if (await admin.ingressClasses.get(name)) await admin.ingressClasses.delete(name);
      if (await admin.ingressClassParams.get(name)) await admin.ingressClassParams.delete(name);
    },
  });

  before(async function () {
    await standIns(this);
    await resetAws();
    const s = running();
    admin = createKubeClients({ kubeconfig: s.adminKubeconfigPath });
    elbv2 = new ElasticLoadBalancingV2Client({ ...s.aws });
    ns = await freshNamespace('limits');
    await admin.services.create({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
    }, ns);
    await fleet.start('main', { extraArgs: ['--max-listeners-per-load-balancer=3'] });
  });

  after(() => elbv2?.destroy());

  const ingress = (name: string, annotations: Record<string, string>, className = 'alb') => admin.ingresses.create({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: ns, annotations: { [`${A}scheme`]: 'internet-facing', ...annotations } },
    spec: { ingressClassName: className, rules: [{ host: `${name}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
  }, ns);
  const hostnameOf = async (name: string) => (await admin.ingresses.get(name, ns))?.status?.loadBalancer?.ingress?.[0]?.hostname;
  const failure = (name: string) => waitFor(`FailedBuildModel on ${name}`, async () => {
    const s = readReconcileStatus((await admin.ingresses.get(name, ns)) as Ingress);
    return s?.reason === 'FailedBuildModel' ? s : undefined;
  });
  const warning = (name: string) => waitFor(`Warning Event on ${name}`, async () =>
    (await admin.events.list(ns, { fieldSelector: `involvedObject.name=${name}` })).items.find((e) => e.reason === 'FailedBuildModel'));
  async function stackLbs(stack: string): Promise<string[]> {
    const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    if (lbs.length === 0) return [];
    const tags = (await elbv2.send(new DescribeTagsCommand({ ResourceArns: lbs.map((l) => l.LoadBalancerArn as string) }))).TagDescriptions ?? [];
    return tags.filter((t) => t.Tags?.some((x) => x.Key === 'ingress.k8s.aws/stack' && x.Value === stack)).map((t) => t.ResourceArn as string);
  }

  it('leaves out the member that would take the group\'s ALB past the listener quota (--max-listeners-per-load-balancer=3); the group is served', async () => {
    const group = `limits-${ns}`;
    await ingress('first', { [`${A}group.name`]: group, [`${A}group.order`]: '1', [`${A}listen-ports`]: '[{"HTTP": 80}, {"HTTP": 8080}]' });
    await waitFor('first served', () => hostnameOf('first'));
    await ingress('second', { [`${A}group.name`]: group, [`${A}group.order`]: '2', [`${A}listen-ports`]: '[{"HTTP": 81}, {"HTTP": 82}]' });
    const sig = await failure('second');
    assert.match(sig.message, /listen-ports: with this Ingress the load balancer of group limits-\S+ would have listeners: 4; ALB listeners: at most 3 per load balancer \(AWS quota, --max-listeners-per-load-balancer\)/);
    assert.match((await warning('second')).message ?? '', /at most 3 per load balancer/);
    const [lb] = await stackLbs(group);
    assert.ok(lb, 'the group keeps its ALB');
    const ports = ((await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb }))).Listeners ?? []).map((l) => l.Port).sort();
    assert.deepEqual(ports, [80, 8080], 'only the first member\'s listeners');
    assert.equal(readReconcileStatus((await admin.ingresses.get('first', ns)) as Ingress)?.reason, 'SuccessfullyReconciled');
    assert.equal(await hostnameOf('second'), undefined);
  });

  it('refuses every Ingress of a class whose IngressClassParams has inboundCIDRs AWS refuses, naming the field, and makes nothing in AWS', async () => {
    const name = `bad-cidrs-${ns}`;
    await admin.ingressClassParams.create({ apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'IngressClassParams', metadata: { name }, spec: { inboundCIDRs: ['x', '10.0.0.0/33'] } });
    await admin.ingressClasses.create({
      apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name },
      spec: { controller: 'ingress.k8s.aws/alb', parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name } },
    });
    await ingress('classy', {}, name);
    const sig = await failure('classy');
    assert.match(sig.message, new RegExp(`IngressClassParams\\(${name}\\)\\.spec\\.inboundCIDRs\\[0\\]: .*got "x"`));
    assert.match(sig.message, /spec\.inboundCIDRs\[1\]: .*got "10\.0\.0\.0\/33"/);
    assert.match((await warning('classy')).message ?? '', /inboundCIDRs/);
    assert.deepEqual(await stackLbs(`${ns}/classy`), []);
  });
});
