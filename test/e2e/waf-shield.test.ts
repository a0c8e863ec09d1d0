// WAFv2 web ACLs and Shield Advanced end to end (ADR 16): the controller (its own process, from the bundle) associates
// the web ACL an Ingress names, switches it, removes it with "none", leaves alone an association someone else made
// to an ALB whose Ingresses set no web ACL, and skips a Shield protection it cannot confirm a subscription for, saying
// so. The stand-ins are shared by the suites of a run: only this suite's objects are judged.
import assert from 'node:assert/strict';
import { EC2Client } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTagsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateSubscriptionCommand, DescribeProtectionCommand, ShieldClient } from '@aws-sdk/client-shield';
import { AssociateWebACLCommand, CreateWebACLCommand, GetWebACLForResourceCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { createKubeClients, type KubeClients } from '../../src/k8s/client.ts';
import { readReconcileStatus } from '../../src/k8s/status.ts';
import type { Ingress } from '../../src/k8s/types.ts';
import { waitFor } from '../../src/stand-ins/wait.ts';
import { nodePortApp } from './support/backends.ts';
import { suiteControllers } from './support/controllers.ts';
import { freshNamespace, resetAws, running, standIns } from './support/stand-ins.ts';

const A = (s: string): string => `alb.ingress.kubernetes.io/${s}`;

describe('WAFv2 and Shield (own process, kube-apiserver + moto)', function () {
  this.timeout(600_000);
  const fleet = suiteControllers('waf');
  let admin: KubeClients;
  let ec2: EC2Client;
  let elbv2: ElasticLoadBalancingV2Client;
  let waf: WAFV2Client;
  let shield: ShieldClient;
  let ns: string;
  const acls: Record<string, string> = {};

  const webAclOf = async (arn: string): Promise<string> => {
    try {
      return (await waf.send(new GetWebACLForResourceCommand({ ResourceArn: arn }))).WebACL?.ARN ?? '';
    } catch (err) {
      if ((err as { name?: string }).name === 'WAFNonexistentItemException') return '';
      throw err;
    }
  };
  const protectionOf = async (arn: string): Promise<{ Id?: string; Name?: string } | undefined> => {
    try {
      return (await shield.send(new DescribeProtectionCommand({ ResourceArn: arn }))).Protection;
    } catch (err) {
      if ((err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
      throw err;
    }
  };
  const ingress = (name: string, annotations: Record<string, string>): Promise<Ingress> => admin.ingresses.create({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name, namespace: ns, annotations: { [A('scheme')]: 'internet-facing', ...annotations } },
    spec: { ingressClassName: 'alb', rules: [{ host: `${name}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
  }, ns);
  const annotate = (name: string, annotations: Record<string, string | null>) => admin.ingresses.mergePatch(name, ns, { metadata: { annotations } });
  /** the ARN of the Ingress's load balancer, once it is reconciled */
  const albOf = async (name: string): Promise<string> => {
    const host = await waitFor(`hostname on ${name}`, async () => (await admin.ingresses.get(name, ns))?.status?.loadBalancer?.ingress?.[0]?.hostname);
    const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
    const arn = lbs.find((l) => l.DNSName?.toLowerCase() === host.toLowerCase())?.LoadBalancerArn;
    assert.ok(arn, `a load balancer with DNS name ${host}`);
    return arn;
  };
  const reconciled = (name: string) => waitFor(`${name} reconciled`, async () => {
    const ing = await admin.ingresses.get(name, ns);
    return ing && readReconcileStatus(ing as Ingress)?.reason === 'SuccessfullyReconciled' ? ing : undefined;
  });

  before(async function () {
    await standIns(this);
    await resetAws();
    const s = running();
    admin = createKubeClients({ kubeconfig: s.adminKubeconfigPath });
    ec2 = new EC2Client({ ...s.aws });
    elbv2 = new ElasticLoadBalancingV2Client({ ...s.aws });
    waf = new WAFV2Client({ ...s.aws });
    shield = new ShieldClient({ ...s.aws });
    ns = await freshNamespace('waf');
    for (const name of ['e2e-waf-a', 'e2e-waf-b']) {
      const out = await waf.send(new CreateWebACLCommand({
        Name: name, Scope: 'REGIONAL', DefaultAction: { Allow: {} }, Rules: [],
        VisibilityConfig: { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName: name },
      }));
      assert.ok(out.Summary?.ARN);
      acls[name] = out.Summary.ARN;
    }
    await nodePortApp(admin, ec2, { namespace: ns, name: 'web' });
    await fleet.start('main', { extraArgs: ['--enable-leader-election=false'] });
  });

  after(async function () {
    this.timeout(60_000);
    for (const c of [ec2, elbv2, waf, shield]) c?.destroy();
  });

  it('associates the web ACL given by ARN, switches to another named one, and removes it with "none"', async () => {
    await ingress('acl', { [A('wafv2-acl-arn')]: acls['e2e-waf-a'] ?? '' });
    const alb = await albOf('acl');
    await waitFor('web ACL a associated', async () => (await webAclOf(alb)) === acls['e2e-waf-a']);
    await annotate('acl', { [A('wafv2-acl-arn')]: null, [A('wafv2-acl-name')]: 'e2e-waf-b' });
    await waitFor('web ACL b associated', async () => (await webAclOf(alb)) === acls['e2e-waf-b']);
    await annotate('acl', { [A('wafv2-acl-name')]: 'none' });
    await waitFor('no web ACL', async () => (await webAclOf(alb)) === '');
    assert.equal((await albOf('acl')), alb, 'the load balancer is kept throughout');
  });

  it('leaves alone an association someone else made to an ALB whose Ingress sets no web ACL', async () => {
    await ingress('plain', {});
    const alb = await albOf('plain');
    await reconciled('plain');
    await waf.send(new AssociateWebACLCommand({ WebACLArn: acls['e2e-waf-a'], ResourceArn: alb }));
    // a change the controller applies to this ALB: its tags
    await annotate('plain', { [A('tags')]: 'e2e=waf' });
    await waitFor('the new tag on the ALB', async () => {
      const tags = (await elbv2.send(new DescribeTagsCommand({ ResourceArns: [alb] }))).TagDescriptions?.[0]?.Tags ?? [];
      return tags.some((t) => t.Key === 'e2e' && t.Value === 'waf');
    });
    await reconciled('plain');
    assert.equal(await webAclOf(alb), acls['e2e-waf-a']);
  });

  // moto answers GetSubscriptionState with 500, and DescribeSubscription with its timestamps as "dd/mm/yyyy, hh:mm:ss"
  // strings where the Shield API has epoch numbers, which the SDK cannot parse: on the stand-ins the subscription
  // is never readable, so what this shows is the skip path. Creating and deleting the protection (and deleting it
  // before the ALB) are pinned by test/unit/deploy/apply-addons.test.ts.
  it('shield-advanced-protection when the subscription cannot be read: a Warning Event says so, no protection, the ALB is served', async () => {
    await shield.send(new CreateSubscriptionCommand({}));
    await ingress('shielded', { [A('shield-advanced-protection')]: 'true' });
    const alb = await albOf('shielded');
    const event = await waitFor('an AddonSkipped event', async () =>
      (await admin.events.list(ns, { fieldSelector: 'involvedObject.name=shielded' })).items.find((e) => e.reason === 'AddonSkipped'));
    assert.match(event.message ?? '', /Shield Advanced protection skipped: the Shield Advanced subscription could not be read \(GetSubscriptionState: [^;]+; DescribeSubscription: [^)]+\); the rest of the load balancer is applied/);
    assert.equal(event.type, 'Warning');
    assert.equal(await protectionOf(alb), undefined);
  });
});
