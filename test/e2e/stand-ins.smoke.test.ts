// Smoke test of the local stand-ins (issue 3): the real kube-apiserver answers CRUD and watch for the
// admin, RBAC limits the controller user to the chart's ClusterRole and leader-election Role, the CRDs validate, the seeding
// looks like an EKS cluster, and every AWS operation the controller uses succeeds against moto
// through the SDK v3 clients.
//
// moto 5.2.5 behaviour recorded here (the "moto quirks" block asserts them, so an upgrade that fixes
// or changes one fails loudly; see scripts/stand-ins/README.md for the full list):
//   confirmed  SetRulePriorities rejects a swap of two rules with PriorityInUse (AWS allows it).
//   confirmed  CreateTargetGroup with an existing name -> DuplicateTargetGroupName (AWS: idempotent).
//   confirmed  DescribeTargetGroups(LoadBalancerArn) on an LB with no target groups -> TargetGroupNotFound.
//   confirmed  AddTags: a new key on a resource with 10 tags -> TooManyTags (AWS: 50).
//   confirmed  ModifyListener(Certificates) drops the SNI certificates added with AddListenerCertificates.
//   confirmed  AddListenerCertificates appends duplicates.
//   confirmed  DescribeLoadBalancerAttributes lacks idle_timeout.timeout_seconds until it is set.
//   confirmed  DescribeTargetHealth: a registered target is `healthy` at once; IP targets outside the
//              VPC CIDR are accepted.
//   confirmed  DNSName is `<name>-1.<region>.elb.amazonaws.com`, also for internal LBs.
//   confirmed  CreateTargetGroup(HealthCheckEnabled=false) reports HealthCheckEnabled=true.
//   confirmed  GetResources never returns listeners; it returns untagged load balancers.
//   confirmed  ACM ListCertificates summaries lack SubjectAlternativeNameSummaries: read SANs with
//              DescribeCertificate (as upstream does).
//   confirmed  AddTags: the 10-tag check looks only at the tags already on the resource, so one call may
//              add 12 keys to an untagged resource; the next new key is refused.
//   confirmed  CreateLoadBalancer accepts a single subnet (no 2-AZ minimum) and a duplicate name.
//   not tried  ENI lookup by secondary IP (createBackend makes one ENI per pod IP instead), ListCertificates
//              key-type filtering, deletion protection.
//   not tried  WAFv2 ACL switch and Shield GetSubscriptionState (no WAF/Shield SDK clients in package.json).
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import {
  ElasticLoadBalancingV2Client as ELBv2, CreateLoadBalancerCommand, DescribeLoadBalancersCommand,
  ModifyLoadBalancerAttributesCommand, DescribeLoadBalancerAttributesCommand, SetSecurityGroupsCommand,
  SetSubnetsCommand, DeleteLoadBalancerCommand, CreateTargetGroupCommand, DescribeTargetGroupsCommand,
  ModifyTargetGroupCommand, ModifyTargetGroupAttributesCommand, DescribeTargetGroupAttributesCommand,
  DeleteTargetGroupCommand, CreateListenerCommand, DescribeListenersCommand, ModifyListenerCommand,
  DeleteListenerCommand, AddListenerCertificatesCommand, RemoveListenerCertificatesCommand,
  DescribeListenerCertificatesCommand, CreateRuleCommand, DescribeRulesCommand, ModifyRuleCommand,
  SetRulePrioritiesCommand, DeleteRuleCommand, AddTagsCommand, RemoveTagsCommand, DescribeTagsCommand,
  RegisterTargetsCommand, DeregisterTargetsCommand, DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  EC2Client, DescribeVpcsCommand, DescribeSubnetsCommand, DescribeSecurityGroupsCommand,
  CreateSecurityGroupCommand, AuthorizeSecurityGroupIngressCommand, RevokeSecurityGroupIngressCommand,
  CreateTagsCommand, DeleteTagsCommand, DeleteSecurityGroupCommand, DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand, DescribeAvailabilityZonesCommand,
} from '@aws-sdk/client-ec2';
import { ACMClient, ListCertificatesCommand, DescribeCertificateCommand } from '@aws-sdk/client-acm';
import { ResourceGroupsTaggingAPIClient, GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { standIns, kube, awsConfig, seeded, freshNamespace, running } from './support/stand-ins.ts';
import { createBackend } from './support/backends.ts';
import { CONFIG_DEFAULTS } from '../../src/config/config.ts';
import { isApiError } from '../../src/stand-ins/index.ts';

const GROUP = 'elbv2.k8s.aws';

async function rejectsWith(p: Promise<unknown>, check: (err: Record<string, unknown>) => boolean, what: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.ok(check(err as Record<string, unknown>), `${what}: unexpected error ${String((err as Error).name)}: ${String((err as Error).message)}`);
    return;
  }
  assert.fail(`${what}: expected an error`);
}

const k8sCode = (code: number) => (e: Record<string, unknown>): boolean => e instanceof k8s.ApiException && e.code === code;
const awsName = (name: string) => (e: Record<string, unknown>): boolean => e['name'] === name;

describe('stand-ins smoke', function () {
  before(async function () {
    await standIns(this);
  });

  describe('kube-apiserver', () => {
    it('admin can create, read, watch and delete a ConfigMap', async () => {
      const { admin } = kube();
      const core = admin.makeApiClient(k8s.CoreV1Api);
      const namespace = await freshNamespace('smoke');
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'cm' }, data: { a: '1' } } });
      const got = await core.readNamespacedConfigMap({ namespace, name: 'cm' });
      assert.equal(got.data?.['a'], '1');

      const events: string[] = [];
      let sawDelete!: () => void;
      const deleted = new Promise<void>((resolve) => { sawDelete = resolve; });
      const watchAbort = await new k8s.Watch(admin).watch(`/api/v1/namespaces/${namespace}/configmaps`,
        { resourceVersion: got.metadata?.resourceVersion ?? '0' },
        (phase, obj: k8s.V1ConfigMap) => {
          if (obj.metadata?.name !== 'cm') return;
          events.push(`${phase}:${obj.data?.['a'] ?? ''}`);
          if (phase === 'DELETED') sawDelete();
        }, () => {});
      try {
        await core.replaceNamespacedConfigMap({ namespace, name: 'cm', body: { ...got, data: { a: '2' } } });
        await core.deleteNamespacedConfigMap({ namespace, name: 'cm' });
        await Promise.race([deleted, new Promise((_, reject) => setTimeout(() => reject(new Error(`watch saw only ${events.join(',')}`)), 10_000))]);
      } finally {
        watchAbort.abort();
      }
      assert.deepEqual(events, ['MODIFIED:2', 'DELETED:2']);
      await rejectsWith(core.readNamespacedConfigMap({ namespace, name: 'cm' }), k8sCode(404), 'read after delete');
    });

    it('the controller user is limited to the chart ClusterRole and leader-election Role (403 outside them)', async () => {
      const { controller } = kube();
      const namespace = await freshNamespace('rbac');
      const core = controller.makeApiClient(k8s.CoreV1Api);
      await rejectsWith(core.createNamespacedSecret({ namespace, body: { metadata: { name: 's' }, stringData: { k: 'v' } } }), k8sCode(403), 'create Secret');
      await rejectsWith(core.listNamespacedSecret({ namespace }), k8sCode(403), 'list Secrets');
      await rejectsWith(controller.makeApiClient(k8s.RbacAuthorizationV1Api).createClusterRole({ body: { metadata: { name: 'escalate' }, rules: [] } }),
        k8sCode(403), 'create ClusterRole');
      await rejectsWith(core.deleteNode({ name: seeded().nodes[0]!.nodeName }), k8sCode(403), 'delete Node');
      // ... and allowed inside it.
      const net = controller.makeApiClient(k8s.NetworkingV1Api);
      assert.ok(Array.isArray((await net.listIngressForAllNamespaces()).items));
      assert.equal((await net.listIngressClass()).items.find((c) => c.metadata?.name === 'alb')?.spec?.controller, 'ingress.k8s.aws/alb');
      // it lists and watches IngressClasses, and never reads one by name
      await rejectsWith(net.readIngressClass({ name: 'alb' }), k8sCode(403), 'get IngressClass');
      assert.ok((await controller.makeApiClient(k8s.DiscoveryV1Api).listEndpointSliceForAllNamespaces()).items);
      const co = controller.makeApiClient(k8s.CustomObjectsApi);
      const tgb = await co.createNamespacedCustomObject({
        group: GROUP, version: 'v1beta1', namespace, plural: 'targetgroupbindings',
        body: { apiVersion: `${GROUP}/v1beta1`, kind: 'TargetGroupBinding', metadata: { name: 'tgb' },
          spec: { serviceRef: { name: 'svc', port: 80 }, targetGroupARN: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/1', targetType: 'ip' } },
      }) as { metadata: Record<string, unknown> };
      // nothing the code does not use: no status writes on bindings, no updates of Ingresses
      await rejectsWith(co.replaceNamespacedCustomObjectStatus({
        group: GROUP, version: 'v1beta1', namespace, plural: 'targetgroupbindings', name: 'tgb',
        body: { ...tgb, status: { observedGeneration: 1 } },
      }), k8sCode(403), 'update TargetGroupBinding status');
      await rejectsWith(net.replaceNamespacedIngress({ namespace, name: 'none', body: { metadata: { name: 'none' } } }), k8sCode(403), 'update Ingress');
      // Leases: only through the leader-election Role in "default", and there only the controller's own by name
      const coord = controller.makeApiClient(k8s.CoordinationV1Api);
      const lease = (name: string): k8s.V1Lease => ({ metadata: { name }, spec: { holderIdentity: 'me' } });
      await rejectsWith(coord.createNamespacedLease({ namespace, body: lease('aws-lb-controller-leader') }), k8sCode(403), 'create a Lease outside the Role');
      await rejectsWith(coord.listLeaseForAllNamespaces(), k8sCode(403), 'list Leases');
      const adminCoord = kube().admin.makeApiClient(k8s.CoordinationV1Api);
      const other = `other-component-${namespace}`;
      await adminCoord.createNamespacedLease({ namespace: 'default', body: lease(other) });
      await rejectsWith(coord.readNamespacedLease({ namespace: 'default', name: other }), k8sCode(403), "read another component's Lease");
      await rejectsWith(coord.replaceNamespacedLease({ namespace: 'default', name: other, body: lease(other) }), k8sCode(403), "take another component's Lease");
      await adminCoord.deleteNamespacedLease({ namespace: 'default', name: other });
      // its own Lease: allowed (absent until a controller runs, or held by one: either answer is not a 403)
      try {
        await coord.readNamespacedLease({ namespace: 'default', name: CONFIG_DEFAULTS.leaderElectionId });
      } catch (err) {
        assert.ok(isApiError(err, 404), `reading its own Lease: ${String(err)}`);
      }
    });

    it('serves the CRDs with their schemas (TGB v1beta1 + v1alpha1, IngressClassParams cluster-scoped)', async () => {
      const { admin } = kube();
      const co = admin.makeApiClient(k8s.CustomObjectsApi);
      const namespace = await freshNamespace('crd');
      await rejectsWith(co.createNamespacedCustomObject({
        group: GROUP, version: 'v1beta1', namespace, plural: 'targetgroupbindings',
        body: { apiVersion: `${GROUP}/v1beta1`, kind: 'TargetGroupBinding', metadata: { name: 'bad' }, spec: { serviceRef: { name: 'svc', port: 80 }, targetType: 'pod' } },
      }), k8sCode(422), 'targetType enum');
      await co.createNamespacedCustomObject({
        group: GROUP, version: 'v1alpha1', namespace, plural: 'targetgroupbindings',
        body: { apiVersion: `${GROUP}/v1alpha1`, kind: 'TargetGroupBinding', metadata: { name: 'old' },
          spec: { targetGroupARN: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/y/2', serviceRef: { name: 'svc', port: 'http' } } },
      });
      const asBeta = await co.getNamespacedCustomObject({ group: GROUP, version: 'v1beta1', namespace, plural: 'targetgroupbindings', name: 'old' }) as { spec: { serviceRef: { port: unknown } } };
      assert.equal(asBeta.spec.serviceRef.port, 'http');
      await co.createClusterCustomObject({
        group: GROUP, version: 'v1beta1', plural: 'ingressclassparams',
        body: { apiVersion: `${GROUP}/v1beta1`, kind: 'IngressClassParams', metadata: { name: 'good' },
          spec: { group: { name: 'shop' }, scheme: 'internet-facing', subnets: { tags: { 'kubernetes.io/role/elb': ['1'] } }, tags: [{ key: 'team', value: 'a' }] } },
      });
      await rejectsWith(co.createClusterCustomObject({
        group: GROUP, version: 'v1beta1', plural: 'ingressclassparams',
        body: { apiVersion: `${GROUP}/v1beta1`, kind: 'IngressClassParams', metadata: { name: 'bad' },
          spec: { subnets: { ids: ['subnet-0123abcd'], tags: { a: ['b'] } } } },
      }), k8sCode(422), 'subnets ids xor tags');
      await admin.makeApiClient(k8s.CustomObjectsApi).deleteClusterCustomObject({ group: GROUP, version: 'v1beta1', plural: 'ingressclassparams', name: 'good' });
    });

    it('has one Ready Node per seeded instance, with providerID, zone and InternalIP', async () => {
      const core = kube().admin.makeApiClient(k8s.CoreV1Api);
      const facts = seeded();
      for (const n of facts.nodes) {
        const node = await core.readNode({ name: n.nodeName });
        assert.equal(node.spec?.providerID, `aws:///${n.az}/${n.instanceId}`);
        assert.equal(node.metadata?.labels?.['topology.kubernetes.io/zone'], n.az);
        assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
        assert.equal(node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address, n.privateIp);
      }
      assert.equal(facts.nodes.length, 2);
      assert.deepEqual(new Set(facts.nodes.map((n) => n.az)), new Set(['us-east-1a', 'us-east-1b']));
    });
  });

  describe('moto: every AWS operation the controller uses', () => {
    let elb: ELBv2;
    let ec2: EC2Client;
    let acm: ACMClient;
    let tagging: ResourceGroupsTaggingAPIClient;
    before(() => {
      elb = new ELBv2(awsConfig());
      ec2 = new EC2Client(awsConfig());
      acm = new ACMClient(awsConfig());
      tagging = new ResourceGroupsTaggingAPIClient(awsConfig());
    });
    after(() => {
      for (const c of [elb, ec2, acm, tagging]) c?.destroy();
    });

    it('EC2 discovery: VPC, subnets by role tag, node SG, instances, ENIs, AZs', async () => {
      const f = seeded();
      const clusterTag = `kubernetes.io/cluster/${f.clusterName}`;
      const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: `tag:${clusterTag}`, Values: ['shared', 'owned'] }] }));
      assert.deepEqual(vpcs.Vpcs?.map((v) => v.VpcId), [f.vpcId]);
      const pub = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [f.vpcId] }, { Name: 'tag:kubernetes.io/role/elb', Values: ['', '1'] }] }));
      assert.deepEqual(pub.Subnets?.map((s) => s.SubnetId).sort(), f.subnets.public.map((s) => s.id).sort());
      const priv = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:kubernetes.io/role/internal-elb', Values: ['', '1'] }, { Name: `tag:${clusterTag}`, Values: ['shared', 'owned'] }] }));
      assert.deepEqual(priv.Subnets?.map((s) => s.SubnetId).sort(), f.subnets.private.map((s) => s.id).sort());
      const sgs = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [f.vpcId] }, { Name: `tag:${clusterTag}`, Values: ['owned'] }] }));
      assert.deepEqual(sgs.SecurityGroups?.map((g) => g.GroupId), [f.nodeSecurityGroupId]);
      const inst = await ec2.send(new DescribeInstancesCommand({ InstanceIds: f.nodes.map((n) => n.instanceId) }));
      const instances = inst.Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
      assert.equal(instances.length, 2);
      for (const i of instances) {
        assert.equal(i.State?.Name, 'running');
        assert.deepEqual(i.SecurityGroups?.map((g) => g.GroupId), [f.nodeSecurityGroupId]);
      }
      const enis = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [f.nodes[0]!.instanceId] }] }));
      assert.equal(enis.NetworkInterfaces?.[0]?.PrivateIpAddress, f.nodes[0]!.privateIp);
      assert.deepEqual(enis.NetworkInterfaces?.[0]?.Groups?.map((g) => g.GroupId), [f.nodeSecurityGroupId]);
      const byIp = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'addresses.private-ip-address', Values: [f.nodes[1]!.privateIp] }] }));
      assert.equal(byIp.NetworkInterfaces?.length, 1);
      const azs = await ec2.send(new DescribeAvailabilityZonesCommand({ ZoneNames: ['us-east-1a', 'us-east-1b'] }));
      assert.equal(azs.AvailabilityZones?.length, 2);
    });

    it('ACM: ListCertificates and DescribeCertificate (exact and wildcard SANs)', async () => {
      const f = seeded();
      const list = await acm.send(new ListCertificatesCommand({ CertificateStatuses: ['ISSUED'] }));
      const arns = list.CertificateSummaryList?.map((c) => c.CertificateArn) ?? [];
      assert.ok(arns.includes(f.certificates.exact.arn) && arns.includes(f.certificates.wildcard.arn));
      const exact = await acm.send(new DescribeCertificateCommand({ CertificateArn: f.certificates.exact.arn }));
      assert.deepEqual(exact.Certificate?.SubjectAlternativeNames, ['shop.example.com']);
      assert.equal(exact.Certificate?.Type, 'IMPORTED');
      const wild = await acm.send(new DescribeCertificateCommand({ CertificateArn: f.certificates.wildcard.arn }));
      assert.deepEqual(wild.Certificate?.SubjectAlternativeNames, ['*.example.com']);
      assert.equal(wild.Certificate?.DomainName, '*.example.com');
    });

    it('ELBv2 + EC2 SG lifecycle: LB, target groups, listener, certificates, rules, tags, targets, and teardown', async () => {
      const f = seeded();
      const clusterTag = { Key: 'elbv2.k8s.aws/cluster', Value: f.clusterName };
      const ingressTag = { Key: 'ingress.k8s.aws/stack', Value: 'smoke/shop' };

      // managed security group
      const sg = await ec2.send(new CreateSecurityGroupCommand({ VpcId: f.vpcId, GroupName: 'k8s-smoke-shop', Description: '[k8s] managed LB SG',
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [clusterTag, ingressTag] }] }));
      const sgId = sg.GroupId!;
      const perm = { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'allow https' }] };
      await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: sgId, IpPermissions: [perm, { ...perm, FromPort: 80, ToPort: 80 }] }));
      await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: sgId, IpPermissions: [{ ...perm, FromPort: 80, ToPort: 80 }] }));
      await ec2.send(new CreateTagsCommand({ Resources: [sgId], Tags: [{ Key: 'extra', Value: 'x' }] }));
      await ec2.send(new DeleteTagsCommand({ Resources: [sgId], Tags: [{ Key: 'extra' }] }));
      const sgNow = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [sgId] }))).SecurityGroups?.[0];
      assert.deepEqual(sgNow?.IpPermissions?.map((p) => p.FromPort), [443]);
      assert.ok(!sgNow?.Tags?.some((t) => t.Key === 'extra'));

      // load balancer
      const lbOut = await elb.send(new CreateLoadBalancerCommand({ Name: 'k8s-smoke-shop-1a2b3c', Type: 'application', Scheme: 'internet-facing',
        IpAddressType: 'ipv4', Subnets: [f.subnets.public[0]!.id], SecurityGroups: [sgId], Tags: [clusterTag, ingressTag] }));
      const lb = lbOut.LoadBalancers![0]!;
      const lbArn = lb.LoadBalancerArn!;
      const described = await elb.send(new DescribeLoadBalancersCommand({ Names: ['k8s-smoke-shop-1a2b3c'] }));
      assert.equal(described.LoadBalancers?.[0]?.LoadBalancerArn, lbArn);
      await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '120' }] }));
      const attrs = await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn }));
      assert.equal(attrs.Attributes?.find((a) => a.Key === 'idle_timeout.timeout_seconds')?.Value, '120');
      await elb.send(new SetSecurityGroupsCommand({ LoadBalancerArn: lbArn, SecurityGroups: [sgId, f.nodeSecurityGroupId] }));
      await elb.send(new SetSubnetsCommand({ LoadBalancerArn: lbArn, Subnets: f.subnets.public.map((s) => s.id) }));
      const lbNow = (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }))).LoadBalancers?.[0];
      assert.equal(lbNow?.AvailabilityZones?.length, 2);
      assert.deepEqual(lbNow?.SecurityGroups?.slice().sort(), [sgId, f.nodeSecurityGroupId].sort());

      // target groups
      const tgOut = await elb.send(new CreateTargetGroupCommand({ Name: 'k8s-smoke-shop-inst', Protocol: 'HTTP', Port: 30080, VpcId: f.vpcId,
        TargetType: 'instance', HealthCheckPath: '/', Matcher: { HttpCode: '200' }, Tags: [clusterTag, ingressTag] }));
      const tgArn = tgOut.TargetGroups![0]!.TargetGroupArn!;
      const ipTg = await elb.send(new CreateTargetGroupCommand({ Name: 'k8s-smoke-shop-ip', Protocol: 'HTTP', Port: 8080, VpcId: f.vpcId, TargetType: 'ip', Tags: [clusterTag] }));
      const ipTgArn = ipTg.TargetGroups![0]!.TargetGroupArn!;
      assert.equal((await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tgArn, ipTgArn] }))).TargetGroups?.length, 2);
      await elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: tgArn, HealthCheckPath: '/healthz', HealthCheckIntervalSeconds: 10 }));
      await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }] }));
      const tgAttrs = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tgArn }));
      assert.equal(tgAttrs.Attributes?.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value, '30');
      assert.equal((await elb.send(new DescribeTargetGroupsCommand({ Names: ['k8s-smoke-shop-inst'] }))).TargetGroups?.[0]?.HealthCheckPath, '/healthz');

      // HTTPS listener with the exact-host certificate, SNI wildcard certificate
      const lsOut = await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTPS', Port: 443,
        Certificates: [{ CertificateArn: f.certificates.exact.arn }], SslPolicy: 'ELBSecurityPolicy-2016-08',
        DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain' } }], Tags: [clusterTag] }));
      const lsArn = lsOut.Listeners![0]!.ListenerArn!;
      assert.equal((await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))).Listeners?.length, 1);
      await elb.send(new ModifyListenerCommand({ ListenerArn: lsArn, SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' }));
      assert.equal((await elb.send(new DescribeListenersCommand({ ListenerArns: [lsArn] }))).Listeners?.[0]?.SslPolicy, 'ELBSecurityPolicy-TLS13-1-2-2021-06');
      await elb.send(new AddListenerCertificatesCommand({ ListenerArn: lsArn, Certificates: [{ CertificateArn: f.certificates.wildcard.arn }] }));
      const certs = await elb.send(new DescribeListenerCertificatesCommand({ ListenerArn: lsArn }));
      assert.ok(certs.Certificates?.some((c) => c.CertificateArn === f.certificates.wildcard.arn));
      await elb.send(new RemoveListenerCertificatesCommand({ ListenerArn: lsArn, Certificates: [{ CertificateArn: f.certificates.wildcard.arn }] }));
      const certsAfter = await elb.send(new DescribeListenerCertificatesCommand({ ListenerArn: lsArn }));
      assert.ok(!certsAfter.Certificates?.some((c) => c.CertificateArn === f.certificates.wildcard.arn));

      // rules
      const forward = (arn: string) => [{ Type: 'forward' as const, ForwardConfig: { TargetGroups: [{ TargetGroupArn: arn, Weight: 1 }] } }];
      const r1 = (await elb.send(new CreateRuleCommand({ ListenerArn: lsArn, Priority: 1,
        Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['shop.example.com'] } }, { Field: 'path-pattern', PathPatternConfig: { Values: ['/cart/*'] } }],
        Actions: forward(tgArn), Tags: [clusterTag] }))).Rules![0]!.RuleArn!;
      const r2 = (await elb.send(new CreateRuleCommand({ ListenerArn: lsArn, Priority: 2,
        Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['*.example.com'] } }], Actions: forward(ipTgArn) }))).Rules![0]!.RuleArn!;
      const rules = await elb.send(new DescribeRulesCommand({ ListenerArn: lsArn }));
      assert.deepEqual(rules.Rules?.map((r) => r.Priority), ['1', '2', 'default']);
      await elb.send(new ModifyRuleCommand({ RuleArn: r2, Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }] }));
      await elb.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: r1, Priority: 10 }] }));
      const rulesNow = await elb.send(new DescribeRulesCommand({ RuleArns: [r1, r2] }));
      assert.deepEqual(rulesNow.Rules?.map((r) => [r.RuleArn, r.Priority]).sort(), [[r1, '10'], [r2, '2']].sort());
      assert.equal(rulesNow.Rules?.find((r) => r.RuleArn === r2)?.Conditions?.[0]?.Field, 'path-pattern');

      // tags
      await elb.send(new AddTagsCommand({ ResourceArns: [lbArn, tgArn], Tags: [{ Key: 'team', Value: 'shop' }] }));
      await elb.send(new RemoveTagsCommand({ ResourceArns: [lbArn], TagKeys: [ingressTag.Key] }));
      const tagDescs = await elb.send(new DescribeTagsCommand({ ResourceArns: [lbArn, tgArn, lsArn, r1] }));
      const lbTags = tagDescs.TagDescriptions?.find((t) => t.ResourceArn === lbArn)?.Tags ?? [];
      assert.ok(lbTags.some((t) => t.Key === 'team') && !lbTags.some((t) => t.Key === ingressTag.Key));
      assert.ok(tagDescs.TagDescriptions?.find((t) => t.ResourceArn === r1)?.Tags?.some((t) => t.Key === clusterTag.Key));

      // tagging API: find the stack's load balancers and target groups by tag
      const found = await tagging.send(new GetResourcesCommand({ ResourceTypeFilters: ['elasticloadbalancing:loadbalancer', 'elasticloadbalancing:targetgroup'],
        TagFilters: [{ Key: clusterTag.Key, Values: [clusterTag.Value] }] }));
      const foundArns = found.ResourceTagMappingList?.map((m) => m.ResourceARN) ?? [];
      assert.ok(foundArns.includes(lbArn) && foundArns.includes(tgArn) && foundArns.includes(ipTgArn), `GetResources returned ${foundArns.join(', ')}`);

      // targets
      const inst = f.nodes.map((n) => ({ Id: n.instanceId, Port: 30080 }));
      await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: inst }));
      await elb.send(new RegisterTargetsCommand({ TargetGroupArn: ipTgArn, Targets: [{ Id: '10.0.130.7', Port: 8080 }] }));
      const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
      assert.deepEqual(health.TargetHealthDescriptions?.map((d) => d.Target?.Id).sort(), f.nodes.map((n) => n.instanceId).sort());
      await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [inst[0]!] }));
      assert.equal((await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }))).TargetHealthDescriptions?.length, 1);

      // teardown in dependency order
      await elb.send(new DeleteRuleCommand({ RuleArn: r2 }));
      assert.deepEqual((await elb.send(new DescribeRulesCommand({ ListenerArn: lsArn }))).Rules?.map((r) => r.Priority), ['10', 'default']);
      await elb.send(new DeleteListenerCommand({ ListenerArn: lsArn }));
      await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tgArn }));
      await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: ipTgArn }));
      await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn }));
      await rejectsWith(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] })), awsName('LoadBalancerNotFoundException'), 'LB gone');
      await ec2.send(new DeleteSecurityGroupCommand({ GroupId: sgId }));
      await rejectsWith(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [sgId] })), awsName('InvalidGroup.NotFound'), 'SG gone');
    });
  });

  describe('moto quirks (recorded; see the header of this file)', () => {
    let elb: ELBv2;
    let tagging: ResourceGroupsTaggingAPIClient;
    let acm: ACMClient;
    let lbArn = '';
    let lsArn = '';
    before(async () => {
      elb = new ELBv2(awsConfig());
      tagging = new ResourceGroupsTaggingAPIClient(awsConfig());
      acm = new ACMClient(awsConfig());
      const f = seeded();
      // Single subnet, internal: AWS would refuse the single AZ.
      const lb = await elb.send(new CreateLoadBalancerCommand({ Name: 'quirks', Scheme: 'internal', Subnets: [f.subnets.private[0]!.id] }));
      lbArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
      assert.equal(lb.LoadBalancers![0]!.DNSName, 'quirks-1.us-east-1.elb.amazonaws.com');
      lsArn = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTPS', Port: 443,
        Certificates: [{ CertificateArn: f.certificates.exact.arn }],
        DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }] }))).Listeners![0]!.ListenerArn!;
    });
    after(async () => {
      await elb?.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn }));
      for (const c of [elb, tagging, acm]) c?.destroy();
    });

    it('a duplicate LB name creates a second LB', async () => {
      const again = await elb.send(new CreateLoadBalancerCommand({ Name: 'quirks', Scheme: 'internal', Subnets: [seeded().subnets.private[0]!.id] }));
      assert.notEqual(again.LoadBalancers?.[0]?.LoadBalancerArn, lbArn);
      await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: again.LoadBalancers![0]!.LoadBalancerArn! }));
    });

    it('SetRulePriorities cannot swap two rules (PriorityInUse)', async () => {
      const mk = async (p: number) => (await elb.send(new CreateRuleCommand({ ListenerArn: lsArn, Priority: p,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [`/p${p}`] } }],
        Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' } }] }))).Rules![0]!.RuleArn!;
      const a = await mk(1);
      const b = await mk(2);
      await rejectsWith(elb.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: a, Priority: 2 }, { RuleArn: b, Priority: 1 }] })),
        awsName('PriorityInUseException'), 'swap');
      // The two-phase workaround works.
      await elb.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: a, Priority: 1002 }, { RuleArn: b, Priority: 1001 }] }));
      await elb.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: a, Priority: 2 }, { RuleArn: b, Priority: 1 }] }));
    });

    it('CreateTargetGroup with an existing name fails (DuplicateTargetGroupName), and HealthCheckEnabled=false is ignored', async () => {
      const input = { Name: 'quirks-tg', Protocol: 'HTTP' as const, Port: 80, VpcId: seeded().vpcId, TargetType: 'ip' as const, HealthCheckEnabled: false };
      const tg = await elb.send(new CreateTargetGroupCommand(input));
      assert.equal(tg.TargetGroups?.[0]?.HealthCheckEnabled, true);
      await rejectsWith(elb.send(new CreateTargetGroupCommand(input)), awsName('DuplicateTargetGroupNameException'), 'duplicate TG');
      await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroups![0]!.TargetGroupArn! }));
    });

    it('DescribeTargetGroups(LoadBalancerArn) with no target groups fails (TargetGroupNotFound)', async () => {
      await rejectsWith(elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lbArn })), awsName('TargetGroupNotFoundException'), 'TGs of LB');
    });

    it('a new tag key on a resource that has 10 tags is refused (AWS: 50); the check ignores the keys of the same call', async () => {
      const tags = Array.from({ length: 12 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
      await elb.send(new AddTagsCommand({ ResourceArns: [lbArn], Tags: tags.slice(0, 10) }));
      await rejectsWith(elb.send(new AddTagsCommand({ ResourceArns: [lbArn], Tags: tags.slice(10) })), awsName('TooManyTagsException'), '11th tag');
      await elb.send(new RemoveTagsCommand({ ResourceArns: [lbArn], TagKeys: tags.map((t) => t.Key) }));
      await elb.send(new AddTagsCommand({ ResourceArns: [lbArn], Tags: tags }));
      await elb.send(new RemoveTagsCommand({ ResourceArns: [lbArn], TagKeys: tags.map((t) => t.Key) }));
    });

    it('idle_timeout is missing from DescribeLoadBalancerAttributes until set', async () => {
      const attrs = await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn }));
      assert.ok(!attrs.Attributes?.some((a) => a.Key === 'idle_timeout.timeout_seconds'), JSON.stringify(attrs.Attributes));
    });

    it('AddListenerCertificates duplicates; ModifyListener(Certificates) drops SNI certificates', async () => {
      const f = seeded();
      const wildcard = { CertificateArn: f.certificates.wildcard.arn };
      await elb.send(new AddListenerCertificatesCommand({ ListenerArn: lsArn, Certificates: [wildcard] }));
      await elb.send(new AddListenerCertificatesCommand({ ListenerArn: lsArn, Certificates: [wildcard] }));
      const before = await elb.send(new DescribeListenerCertificatesCommand({ ListenerArn: lsArn }));
      assert.equal(before.Certificates?.filter((c) => c.CertificateArn === wildcard.CertificateArn).length, 2);
      await elb.send(new ModifyListenerCommand({ ListenerArn: lsArn, Certificates: [{ CertificateArn: f.certificates.exact.arn }] }));
      const after = await elb.send(new DescribeListenerCertificatesCommand({ ListenerArn: lsArn }));
      assert.equal(after.Certificates?.filter((c) => c.CertificateArn === wildcard.CertificateArn).length, 0);
    });

    it('targets are healthy at once; IP targets outside the VPC are accepted', async () => {
      const tg = await elb.send(new CreateTargetGroupCommand({ Name: 'quirks-health', Protocol: 'HTTP', Port: 80, VpcId: seeded().vpcId, TargetType: 'ip' }));
      const arn = tg.TargetGroups![0]!.TargetGroupArn!;
      await elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '192.168.1.1', Port: 80 }] }));
      const h = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
      assert.equal(h.TargetHealthDescriptions?.[0]?.TargetHealth?.State, 'healthy');
      await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }));
    });

    it('GetResources returns untagged load balancers and never listeners', async () => {
      const all = await tagging.send(new GetResourcesCommand({ ResourceTypeFilters: ['elasticloadbalancing'] }));
      const arns = all.ResourceTagMappingList?.map((m) => m.ResourceARN ?? '') ?? [];
      assert.ok(arns.includes(lbArn), 'untagged LB listed');
      assert.ok(!arns.some((a) => a.includes(':listener/')), 'no listeners');
    });

    it('ListCertificates summaries have no SubjectAlternativeNameSummaries (DescribeCertificate gives SANs)', async () => {
      const list = await acm.send(new ListCertificatesCommand({}));
      const mine = list.CertificateSummaryList?.filter((c) => c.CertificateArn === seeded().certificates.wildcard.arn) ?? [];
      assert.equal(mine.length, 1);
      assert.equal(mine[0]?.KeyAlgorithm, 'RSA_2048');
      assert.equal(mine[0]?.SubjectAlternativeNameSummaries, undefined);
    });
  });

  describe('e2e support: createBackend', () => {
    it('makes a NodePort Service, Running/Ready Pods on the seeded Nodes, their EndpointSlice and pod ENIs', async () => {
      const namespace = await freshNamespace('backend');
      const b = await createBackend({ namespace, name: 'web', replicas: 3 });
      assert.ok(b.nodePort >= 30000 && b.nodePort <= 32767);
      const slices = await kube().controller.makeApiClient(k8s.DiscoveryV1Api)
        .listNamespacedEndpointSlice({ namespace, labelSelector: 'kubernetes.io/service-name=web' });
      assert.deepEqual(slices.items[0]?.endpoints?.map((e) => e.addresses[0]).sort(), [...b.podIps].sort());
      // as the controller sees pods: listed (it has no get on pods)
      const pod = (await kube().controller.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace, fieldSelector: 'metadata.name=web-0' })).items[0];
      assert.equal(pod?.status?.phase, 'Running');
      assert.equal(pod?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
      const ec2 = new EC2Client(awsConfig());
      try {
        const enis = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'addresses.private-ip-address', Values: b.podIps }] }));
        assert.equal(enis.NetworkInterfaces?.length, 3);
      } finally {
        ec2.destroy();
      }
    });
  });

  describe('resetAws', () => {
    it('wipes moto and reseeds it, replacing the Nodes (all IDs change)', async () => {
      const before = seeded();
      const after = await running().resetAws();
      assert.ok(after);
      assert.notEqual(after.vpcId, before.vpcId);
      const nodes = await kube().admin.makeApiClient(k8s.CoreV1Api).listNode({ labelSelector: 'stand-ins.aws-lb-controller/seeded=true' });
      assert.deepEqual(nodes.items.map((n) => n.spec?.providerID).sort(), after.nodes.map((n) => n.providerId).sort());
      const elb = new ELBv2(awsConfig());
      try {
        assert.equal((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers?.length, 0);
      } finally {
        elb.destroy();
      }
    });
  });
});
