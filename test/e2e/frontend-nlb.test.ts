// The frontend NLB end to end (issue 12): an Ingress with enable-frontend-nlb gets its ALB and, in front of it, an NLB
// with a TCP listener forwarding to a target group of type alb in which the ALB is registered on its listener port;
// both hostnames are in the Ingress status (the ALB's first). Turning the annotation off removes the NLB and its
// target group, deleting the Ingress removes the rest. The controller runs as its own process against the real
// kube-apiserver and moto; the stand-ins are shared with other suites, so only this suite's stack is judged.
import assert from 'node:assert/strict';
import {
  DescribeListenersCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, type LoadBalancer, type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { type KubeClients } from '../../src/k8s/client.ts';
import type { Ingress } from '../../src/k8s/types.ts';
import { TAG_INGRESS_RESOURCE, TAG_INGRESS_STACK } from '../../src/model/index.ts';
import { waitFor } from '../../src/stand-ins/wait.ts';
import { listWithTags } from '../../src/cli/demo-command.ts';
import { nodePortApp } from './support/backends.ts';
import { suiteControllers } from './support/controllers.ts';
import { freshNamespace, grantSuiteLease, suiteClients } from './support/stand-ins.ts';

const LEASE = 'frontend-nlb-e2e';
const A = (suffix: string): string => `alb.ingress.kubernetes.io/${suffix}`;

describe('frontend NLB: enable-frontend-nlb puts an NLB in front of the ALB (own process, kube-apiserver + moto)', function () {
  this.timeout(300_000);
  let admin: KubeClients;
  let elbv2: ElasticLoadBalancingV2Client;
  let ec2: EC2Client;
  let ns: string;
  const fleet = suiteControllers('frontend-nlb');

  before(async function () {
    ({ admin, elbv2, ec2 } = await suiteClients(this));
    ns = await freshNamespace('fnlb');
    await grantSuiteLease(LEASE);
    await fleet.start('main', { extraArgs: [`--leader-election-id=${LEASE}`] });
  });

  after(async function () {
    this.timeout(60_000);
    elbv2?.destroy();
    ec2?.destroy();
  });

  interface Owned { loadBalancers: { lb: LoadBalancer; resource: string }[]; targetGroups: { tg: TargetGroup; resource: string }[] }

  /** the load balancers and target groups tagged with `stack` (this suite's only) */
  async function ownedBy(stack: string): Promise<Owned> {
    const { lbs, tgs, tags } = await listWithTags(elbv2);
    const mine = (arn: string): string | undefined => (tags.get(arn)?.[TAG_INGRESS_STACK] === stack ? tags.get(arn)?.[TAG_INGRESS_RESOURCE] ?? '' : undefined);
    return {
      loadBalancers: lbs.flatMap((lb) => { const r = mine(lb.LoadBalancerArn as string); return r === undefined ? [] : [{ lb, resource: r }]; }),
      targetGroups: tgs.flatMap((tg) => { const r = mine(tg.TargetGroupArn as string); return r === undefined ? [] : [{ tg, resource: r }]; }),
    };
  }

  const get = async (name: string): Promise<Ingress> => (await admin.ingresses.get(name, ns)) as Ingress;
  const hostnames = async (name: string): Promise<string[]> =>
    ((await get(name)).status?.loadBalancer?.ingress ?? []).map((e) => e.hostname ?? '');

  it('builds the NLB, its TCP listener, the alb-type target group with the ALB registered, and two status hostnames; off removes it', async () => {
    await nodePortApp(admin, ec2, { namespace: ns, name: 'web' });
    await admin.ingresses.create({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
      metadata: {
        name: 'web', namespace: ns,
        annotations: {
          [A('target-type')]: 'ip', [A('enable-frontend-nlb')]: 'true',
          [A('frontend-nlb-healthcheck-path')]: '/healthz', [A('frontend-nlb-healthcheck-interval-seconds')]: '10',
        },
      },
      spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    }, ns);
    const stack = `${ns}/web`;

    const status = await waitFor('two hostnames in the Ingress status', async () => {
      const h = await hostnames('web');
      return h.length === 2 ? h : undefined;
    }, 180_000);
    const owned = await ownedBy(stack);
    const alb = owned.loadBalancers.find((x) => x.resource === 'LoadBalancer')?.lb;
    const nlb = owned.loadBalancers.find((x) => x.resource === 'FrontendNlb')?.lb;
    assert.equal(alb?.Type, 'application');
    assert.equal(nlb?.Type, 'network');
    assert.equal(nlb?.LoadBalancerName, `${(alb?.LoadBalancerName ?? '').slice(0, 28)}-nlb`);
    assert.deepEqual(status, [alb?.DNSName?.toLowerCase(), nlb?.DNSName?.toLowerCase()], 'the ALB first, then the frontend NLB');

    const listeners = (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: nlb?.LoadBalancerArn }))).Listeners ?? [];
    assert.deepEqual(listeners.map((l) => [l.Protocol, l.Port]), [['TCP', 80]]);
    const tg = owned.targetGroups.find((x) => x.resource === 'FrontendNlb-tg-TCP-80')?.tg;
    assert.equal(tg?.TargetType, 'alb');
    assert.equal(tg?.Protocol, 'TCP');
    assert.equal(tg?.HealthCheckProtocol, 'HTTP');
    assert.equal(tg?.HealthCheckPath, '/healthz');
    assert.equal(tg?.HealthCheckIntervalSeconds, 10);
    assert.equal(listeners[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn ?? listeners[0]?.DefaultActions?.[0]?.TargetGroupArn, tg?.TargetGroupArn);
    const targets = (await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg?.TargetGroupArn }))).TargetHealthDescriptions ?? [];
    assert.deepEqual(targets.map((t) => [t.Target?.Id, t.Target?.Port]), [[alb?.LoadBalancerArn, 80]]);

    // off: the NLB and its target group go, the ALB stays and the status shows it alone
    await admin.ingresses.mergePatch('web', ns, { metadata: { annotations: { [A('enable-frontend-nlb')]: 'false' } } });
    await waitFor('the frontend NLB and its target group deleted', async () => {
      const o = await ownedBy(stack);
      return o.loadBalancers.length === 1 && o.loadBalancers[0]?.resource === 'LoadBalancer' && !o.targetGroups.some((x) => x.resource.startsWith('FrontendNlb')) ? o : undefined;
    }, 180_000);
    await waitFor('one hostname in the Ingress status', async () => ((await hostnames('web')).length === 1 ? true : undefined), 60_000);

    // on again, then the Ingress deleted: nothing of the stack is left
    await admin.ingresses.mergePatch('web', ns, { metadata: { annotations: { [A('enable-frontend-nlb')]: 'true' } } });
    await waitFor('the frontend NLB back', async () => ((await ownedBy(stack)).loadBalancers.length === 2 ? true : undefined), 180_000);
    await admin.ingresses.delete('web', ns);
    await waitFor('nothing left of the stack', async () => {
      const o = await ownedBy(stack);
      return o.loadBalancers.length === 0 && o.targetGroups.length === 0 ? true : undefined;
    }, 180_000);
  });
});
