import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AddListenerCertificatesCommand, AddTagsCommand, CreateListenerCommand, CreateLoadBalancerCommand, CreateRuleCommand,
  CreateTargetGroupCommand, DeleteLoadBalancerCommand, DeleteTargetGroupCommand, DescribeListenerCertificatesCommand,
  DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetGroupAttributesCommand, DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client, ModifyListenerCommand, ModifyLoadBalancerAttributesCommand, ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand, RemoveListenerCertificatesCommand, RemoveTagsCommand, SetSubnetsCommand,
  DuplicateTargetGroupNameException, ResourceInUseException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DeleteSecurityGroupCommand, DescribeSecurityGroupsCommand, EC2Client, RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { applyPlan, ApplyError } from '../../../src/deploy/apply.ts';
import { NETWORKING_RULE_DESCRIPTION } from '../../../src/targets/networking.ts';
import type { ApplyChange } from '../../../src/deploy/apply.ts';
import { TAG_CLUSTER, unknown, ref } from '../../../src/model/index.ts';
import {
  ARN, CLUSTER, FakeBindings, bindingSpec, create, fastTiming, forwardTo, lbSpec, listenerSpec, plan, ruleSpec, sgSpec, tagsFor, tgSpec,
} from './apply-fixtures.ts';

const elb = mockClient(ElasticLoadBalancingV2Client);
const ec2 = mockClient(EC2Client);
const deps = (extra: Partial<Parameters<typeof applyPlan>[1]> = {}) => ({
  elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
  ec2: new EC2Client({ region: 'us-east-1' }),
  clusterName: CLUSTER,
  timing: fastTiming(),
  ...extra,
});

// sinon numbers every spy call globally, which orders calls across the two mocked clients
const callId = (c: unknown): number => (c as { callId: number }).callId;
/** every call on both clients, in the order made, as "Operation" names */
const callOrder = (): string[] => [...elb.calls(), ...ec2.calls()]
  .sort((a, b) => callId(a) - callId(b))
  .map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));

const awsError = (name: string): Error => Object.assign(new Error(name), { name });

function stubCreates(): void {
  ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: ARN.sg });
  ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
  elb.on(CreateTargetGroupCommand).resolves({ TargetGroups: [{ TargetGroupArn: ARN.tg }] });
  elb.on(CreateLoadBalancerCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: ARN.lb, DNSName: 'K8S-Shop-1.us-east-1.elb.amazonaws.com' }] });
  elb.on(CreateListenerCommand).resolves({ Listeners: [{ ListenerArn: ARN.listener }] });
  elb.on(CreateRuleCommand).resolves({ Rules: [{ RuleArn: ARN.rule(1) }] });
}

const fullCreatePlan = (): ApplyChange[] => [
  create('SecurityGroup', 'ManagedLBSecurityGroup', sgSpec()),
  create('TargetGroup', 'shop/web-web:80', tgSpec({ attributes: { 'deregistration_delay.timeout_seconds': '30' } })),
  create('LoadBalancer', 'LoadBalancer', lbSpec({ attributes: { 'idle_timeout.timeout_seconds': '120' } })),
  create('Listener', '80', listenerSpec()),
  create('ListenerRule', '80:1', ruleSpec()),
  create('TargetGroupBinding', 'shop/web-web:80', bindingSpec()),
];

describe('deploy/apply', () => {
  beforeEach(() => {
    elb.reset();
    ec2.reset();
  });

  describe('plan checks', () => {
    it('refuses a plan marked incomplete', async () => {
      await assert.rejects(applyPlan(plan([create('LoadBalancer', 'LoadBalancer', lbSpec())], false), deps()),
        (e: unknown) => e instanceof ApplyError && e.code === 'IncompletePlan');
      assert.equal(elb.calls().length, 0);
    });

    it('refuses a plan that still holds an Unknown, naming it', async () => {
      const p = plan([create('LoadBalancer', 'LoadBalancer', lbSpec({ subnets: unknown('discovery:subnets') }))]);
      await assert.rejects(applyPlan(p, deps()), /discovery:subnets/);
      assert.equal(elb.calls().length, 0);
    });
  });

  describe('creates', () => {
    it('runs the changes in plan order, resolving Refs from creates as they return', async () => {
      stubCreates();
      const bindings = new FakeBindings();
      const res = await applyPlan(plan(fullCreatePlan()), deps({ kube: bindings }));
      assert.equal(res.errors, undefined);
      assert.deepEqual(callOrder(), [
        'CreateSecurityGroup', 'AuthorizeSecurityGroupIngress', 'CreateTargetGroup', 'ModifyTargetGroupAttributes',
        'CreateLoadBalancer', 'ModifyLoadBalancerAttributes', 'CreateListener', 'CreateRule',
      ]);
      assert.deepEqual(elb.commandCalls(CreateLoadBalancerCommand)[0]?.args[0].input.SecurityGroups, [ARN.sg]);
      assert.equal(elb.commandCalls(CreateListenerCommand)[0]?.args[0].input.LoadBalancerArn, ARN.lb);
      const rule = elb.commandCalls(CreateRuleCommand)[0]?.args[0].input;
      assert.equal(rule?.ListenerArn, ARN.listener);
      assert.deepEqual(rule?.Actions, [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: ARN.tg }] } }]);
      assert.deepEqual(rule?.Conditions, [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }]);
      assert.equal(bindings.upserts[0]?.targetGroupARN, ARN.tg);
      assert.equal(res.applied, 6);
      assert.equal(res.dnsName, 'k8s-shop-1.us-east-1.elb.amazonaws.com');
      assert.equal(res.arns.get('TargetGroup/shop/web-web:80'), ARN.tg);
      assert.equal(res.arns.get('SecurityGroup/ManagedLBSecurityGroup'), ARN.sg);
    });

    it('puts the ownership tags in the create calls themselves', async () => {
      stubCreates();
      await applyPlan(plan(fullCreatePlan()), deps({ kube: new FakeBindings() }));
      const hasCluster = (tags: { Key?: string; Value?: string }[] | undefined): boolean => !!tags?.some((t) => t.Key === TAG_CLUSTER && t.Value === CLUSTER);
      assert.ok(hasCluster(elb.commandCalls(CreateLoadBalancerCommand)[0]?.args[0].input.Tags));
      assert.ok(hasCluster(elb.commandCalls(CreateTargetGroupCommand)[0]?.args[0].input.Tags));
      const spec = ec2.commandCalls(CreateSecurityGroupCommand)[0]?.args[0].input.TagSpecifications?.[0];
      assert.equal(spec?.ResourceType, 'security-group');
      assert.ok(hasCluster(spec?.Tags));
      assert.equal(elb.commandCalls(AddTagsCommand).length, 0, 'no tagging as a second step');
    });

    it('tells onTargetGroupCreated what CreateTargetGroup answered and the tags it wrote', async () => {
      stubCreates();
      const answer = { TargetGroupArn: ARN.tg, TargetGroupName: 'k8s-shop-web', TargetType: 'ip' as const, VpcId: 'vpc-1', Protocol: 'HTTP' as const };
      elb.on(CreateTargetGroupCommand).resolves({ TargetGroups: [answer] });
      const told: [unknown, Readonly<Record<string, string>>][] = [];
      await applyPlan(plan([create('TargetGroup', 'tg', tgSpec())]), deps({ onTargetGroupCreated: (tg, tags) => told.push([tg, tags]) }));
      assert.equal(told.length, 1);
      assert.deepEqual(told[0]?.[0], answer);
      const written = Object.fromEntries((elb.commandCalls(CreateTargetGroupCommand)[0]?.args[0].input.Tags ?? []).map((t) => [t.Key, t.Value]));
      assert.deepEqual(told[0]?.[1], written);
      assert.equal(told[0]?.[1][TAG_CLUSTER], CLUSTER);
    });

    it('sends the health check and matcher in CreateTargetGroup, and no attribute call when none are set', async () => {
      stubCreates();
      await applyPlan(plan([create('TargetGroup', 'tg', tgSpec())]), deps());
      const input = elb.commandCalls(CreateTargetGroupCommand)[0]?.args[0].input;
      assert.equal(input?.HealthCheckPath, '/healthz');
      assert.equal(input?.HealthCheckIntervalSeconds, 15);
      assert.deepEqual(input?.Matcher, { HttpCode: '200-399' });
      assert.equal(input?.TargetType, 'ip');
      assert.equal(elb.commandCalls(ModifyTargetGroupAttributesCommand).length, 0);
    });

    it('creates an HTTPS listener with the default certificate in the call and SNI certificates after it', async () => {
      elb.on(CreateListenerCommand).resolves({ Listeners: [{ ListenerArn: ARN.listener }] });
      elb.on(AddListenerCertificatesCommand).resolves({});
      const spec = listenerSpec({ port: 443, protocol: 'HTTPS', sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', certificates: ['cert-a', 'cert-b', 'cert-c'] });
      await applyPlan(plan([{ action: 'create', kind: 'Listener', id: '443', after: { ...spec, loadBalancer: ARN.lb }, reason: 't' }]), deps());
      const input = elb.commandCalls(CreateListenerCommand)[0]?.args[0].input;
      assert.deepEqual(input?.Certificates, [{ CertificateArn: 'cert-a' }]);
      assert.equal(input?.SslPolicy, 'ELBSecurityPolicy-TLS13-1-2-2021-06');
      assert.deepEqual(elb.commandCalls(AddListenerCertificatesCommand).map((c) => c.args[0].input.Certificates?.[0]?.CertificateArn), ['cert-b', 'cert-c']);
    });

    it('sends weighted forwards as ForwardConfig.TargetGroups with stickiness', async () => {
      elb.on(CreateRuleCommand).resolves({ Rules: [{ RuleArn: ARN.rule(1) }] });
      const actions = [{ type: 'forward' as const, forwardConfig: { targetGroups: [{ targetGroupArn: 'tg-1', weight: 80 }, { targetGroupArn: 'tg-2', weight: 20 }], targetGroupStickinessConfig: { enabled: true, durationSeconds: 60 } } }];
      await applyPlan(plan([create('ListenerRule', '80:1', ruleSpec({ listener: ARN.listener, actions }))]), deps());
      assert.deepEqual(elb.commandCalls(CreateRuleCommand)[0]?.args[0].input.Actions, [{
        Type: 'forward',
        ForwardConfig: { TargetGroups: [{ TargetGroupArn: 'tg-1', Weight: 80 }, { TargetGroupArn: 'tg-2', Weight: 20 }], TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 60 } },
      }]);
    });

    it('reports an unresolvable Ref (plan out of order) without calling AWS', async () => {
      const res = await applyPlan(plan([create('Listener', '80', listenerSpec())]), deps());
      assert.equal(res.errors?.[0]?.code, 'UnresolvedRef');
      assert.equal(elb.calls().length, 0);
    });

    it('needs a BindingWriter for binding changes', async () => {
      const res = await applyPlan(plan([{ ...create('TargetGroupBinding', 'b', { ...bindingSpec(), targetGroupARN: ARN.tg }) }]), deps());
      assert.equal(res.errors?.[0]?.code, 'MissingBindingWriter');
    });
  });

  describe('adoption after a crashed apply', () => {
    it('adopts a same-named target group carrying this cluster and stack tags', async () => {
      elb.on(CreateTargetGroupCommand).rejects(new DuplicateTargetGroupNameException({ message: 'dup', $metadata: {} }));
      elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{
        TargetGroupArn: ARN.tg, TargetGroupName: tgSpec().name, TargetType: 'ip', Port: 8080, Protocol: 'HTTP', ProtocolVersion: 'HTTP1',
        VpcId: 'vpc-1', IpAddressType: 'ipv4', HealthCheckEnabled: true, HealthCheckPort: 'traffic-port', HealthCheckProtocol: 'HTTP',
        HealthCheckPath: '/', HealthCheckIntervalSeconds: 30, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 5, UnhealthyThresholdCount: 2,
        Matcher: { HttpCode: '200' },
      }] });
      elb.on(DescribeTagsCommand).resolves({ TagDescriptions: [{ ResourceArn: ARN.tg, Tags: Object.entries(tagsFor('shop/web-web:80')).map(([Key, Value]) => ({ Key, Value })) }] });
      elb.on(DescribeTargetGroupAttributesCommand).resolves({ Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '300' }] });
      elb.on(CreateRuleCommand).resolves({ Rules: [{ RuleArn: ARN.rule(1) }] });
      const res = await applyPlan(plan([
        create('TargetGroup', 'shop/web-web:80', tgSpec({ attributes: { 'deregistration_delay.timeout_seconds': '30' } })),
        create('ListenerRule', '80:1', ruleSpec({ listener: ARN.listener })),
      ]), deps());
      assert.equal(res.errors, undefined);
      assert.equal(res.arns.get('TargetGroup/shop/web-web:80'), ARN.tg);
      // converged to the desired health check and attributes
      assert.equal(elb.commandCalls(ModifyTargetGroupCommand)[0]?.args[0].input.HealthCheckPath, '/healthz');
      assert.deepEqual(elb.commandCalls(ModifyTargetGroupAttributesCommand)[0]?.args[0].input.Attributes, [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]);
      assert.equal(elb.commandCalls(CreateRuleCommand)[0]?.args[0].input.Actions?.[0]?.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn, ARN.tg);
    });

    it('never adopts a same-named target group without our tags', async () => {
      elb.on(CreateTargetGroupCommand).rejects(new DuplicateTargetGroupNameException({ message: 'dup', $metadata: {} }));
      elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: ARN.tg, TargetGroupName: tgSpec().name }] });
      elb.on(DescribeTagsCommand).resolves({ TagDescriptions: [{ ResourceArn: ARN.tg, Tags: [{ Key: 'team', Value: 'other' }] }] });
      const res = await applyPlan(plan([create('TargetGroup', 'shop/web-web:80', tgSpec()), create('LoadBalancer', 'LoadBalancer', lbSpec({ securityGroups: [] }))]), deps());
      assert.equal(res.errors?.[0]?.code, 'NotOwned');
      assert.equal(res.errors?.[0]?.resource, 'TargetGroup/shop/web-web:80');
      assert.deepEqual(callOrder(), ['CreateTargetGroup', 'DescribeTargetGroups', 'DescribeTags'], 'stops: nothing modified, later changes not run');
    });

    it("never adopts another stack's target group", async () => {
      elb.on(CreateTargetGroupCommand).rejects(awsError('DuplicateTargetGroupName'));
      elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: ARN.tg, TargetGroupName: tgSpec().name }] });
      const tags = { ...tagsFor('shop/web-web:80'), 'ingress.k8s.aws/stack': 'other/app' };
      elb.on(DescribeTagsCommand).resolves({ TagDescriptions: [{ ResourceArn: ARN.tg, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }] });
      const res = await applyPlan(plan([create('TargetGroup', 'shop/web-web:80', tgSpec())]), deps());
      assert.equal(res.errors?.[0]?.code, 'NotOwned');
      assert.match(res.errors?.[0]?.message ?? '', /other\/app/);
    });

    it('adopts a same-named load balancer after DuplicateLoadBalancerName when it is ours', async () => {
      elb.on(CreateLoadBalancerCommand).rejects(awsError('DuplicateLoadBalancerName'));
      elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{
        LoadBalancerArn: ARN.lb, DNSName: 'x-1.elb.amazonaws.com', Type: 'application', Scheme: 'internet-facing', IpAddressType: 'ipv4',
        AvailabilityZones: [{ SubnetId: 'subnet-a' }, { SubnetId: 'subnet-b' }], SecurityGroups: [],
      }] });
      elb.on(DescribeTagsCommand).resolves({ TagDescriptions: [{ ResourceArn: ARN.lb, Tags: Object.entries(tagsFor('LoadBalancer')).map(([Key, Value]) => ({ Key, Value })) }] });
      const res = await applyPlan(plan([create('LoadBalancer', 'LoadBalancer', lbSpec({ securityGroups: [] }))]), deps());
      assert.equal(res.errors, undefined);
      assert.equal(res.arns.get('LoadBalancer/LoadBalancer'), ARN.lb);
      assert.equal(res.dnsName, 'x-1.elb.amazonaws.com');
      assert.equal(elb.commandCalls(SetSubnetsCommand).length, 0);
    });
  });

  describe('ownership of updates and deletes', () => {
    const foreign = { ...tagsFor('LoadBalancer'), [TAG_CLUSTER]: 'other-cluster' };

    it('refuses to update a load balancer whose cluster tag is not ours', async () => {
      const before = { ...lbSpec({ securityGroups: [] }), tags: foreign };
      const res = await applyPlan(plan([{ action: 'update', kind: 'LoadBalancer', id: 'LoadBalancer', arn: ARN.lb, before, after: lbSpec({ securityGroups: [], subnets: ['subnet-c'] }), reason: 't' }]), deps());
      assert.equal(res.errors?.[0]?.code, 'NotOwned');
      assert.equal(elb.calls().length, 0);
    });

    it('refuses to delete a target group or security group without a cluster tag', async () => {
      const { [TAG_CLUSTER]: _drop, ...untagged } = tagsFor('x');
      let res = await applyPlan(plan([{ action: 'delete', kind: 'TargetGroup', id: 'x', arn: ARN.tg, before: tgSpec({ tags: untagged }), reason: 't' }]), deps());
      assert.equal(res.errors?.[0]?.code, 'NotOwned');
      res = await applyPlan(plan([{ action: 'delete', kind: 'SecurityGroup', id: 'x', arn: ARN.sg, before: sgSpec({ tags: untagged }), reason: 't' }]), deps());
      assert.equal(res.errors?.[0]?.code, 'NotOwned');
      assert.equal(elb.calls().length + ec2.calls().length, 0);
    });

    it('refuses a delete without the observed spec', async () => {
      const res = await applyPlan(plan([{ action: 'delete', kind: 'LoadBalancer', id: 'LoadBalancer', arn: ARN.lb, reason: 't' }]), deps());
      assert.equal(res.errors?.[0]?.code, 'InvalidChange');
      assert.equal(elb.calls().length, 0);
    });
  });

  describe('deletes', () => {
    it('retries DeleteTargetGroup while ResourceInUse, backing off', async () => {
      const inUse = new ResourceInUseException({ message: 'in use', $metadata: {} });
      elb.on(DeleteTargetGroupCommand).rejectsOnce(inUse).rejectsOnce(inUse).resolves({});
      const timing = fastTiming();
      const res = await applyPlan(plan([{ action: 'delete', kind: 'TargetGroup', id: 'x', arn: ARN.tg, before: tgSpec(), reason: 't' }]), deps({ timing }));
      assert.equal(res.errors, undefined);
      assert.equal(elb.commandCalls(DeleteTargetGroupCommand).length, 3);
      assert.deepEqual(timing.slept, [200, 400]);
    });

    it('gives up on a target group still in use after its time budget', async () => {
      elb.on(DeleteTargetGroupCommand).rejects(new ResourceInUseException({ message: 'in use', $metadata: {} }));
      const timing = fastTiming(5_000);
      const res = await applyPlan(plan([{ action: 'delete', kind: 'TargetGroup', id: 'x', arn: ARN.tg, before: tgSpec(), reason: 't' }]), deps({ timing }));
      assert.equal(res.errors?.[0]?.code, 'Timeout');
      assert.ok(timing.slept.reduce((a, b) => a + b, 0) <= 5_000);
    });

    it('a target group or load balancer already gone counts as deleted', async () => {
      elb.on(DeleteTargetGroupCommand).rejects(Object.assign(new Error('gone'), { name: 'TargetGroupNotFoundException' }));
      elb.on(DeleteLoadBalancerCommand).rejects(Object.assign(new Error('gone'), { name: 'LoadBalancerNotFoundException' }));
      const res = await applyPlan(plan([
        { action: 'delete', kind: 'LoadBalancer', id: 'lb', arn: ARN.lb, before: lbSpec(), reason: 't' },
        { action: 'delete', kind: 'TargetGroup', id: 'x', arn: ARN.tg, before: tgSpec(), reason: 't' },
      ]), deps({ timing: fastTiming() }));
      assert.equal(res.errors, undefined);
      assert.equal(elb.commandCalls(DeleteTargetGroupCommand).length, 1, 'not retried');
    });

    it('revokes the labelled node-group rules that reference the managed group before deleting it', async () => {
      const nodeSg = {
        GroupId: 'sg-node', IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 30080, ToPort: 30080, UserIdGroupPairs: [{ GroupId: ARN.sg, Description: NETWORKING_RULE_DESCRIPTION }] },
          { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, UserIdGroupPairs: [{ GroupId: ARN.sg, Description: 'added by hand' }] },
        ],
      };
      ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [nodeSg] });
      ec2.on(RevokeSecurityGroupIngressCommand).resolves({});
      ec2.on(DeleteSecurityGroupCommand).resolves({});
      const res = await applyPlan(plan([{ action: 'delete', kind: 'SecurityGroup', id: 'ManagedLBSecurityGroup', arn: ARN.sg, before: sgSpec(), reason: 't' }]), deps());
      assert.equal(res.errors, undefined);
      const revoked = ec2.commandCalls(RevokeSecurityGroupIngressCommand).map((c) => c.args[0].input);
      assert.deepEqual(revoked.map((r) => [r.GroupId, r.IpPermissions?.map((p) => p.FromPort)]), [['sg-node', [30080]]]);
      const order = ec2.calls().map((c) => c.args[0].constructor.name);
      assert.ok(order.indexOf('RevokeSecurityGroupIngressCommand') < order.indexOf('DeleteSecurityGroupCommand'), order.join(','));
    });

    it('retries DeleteSecurityGroup while DependencyViolation', async () => {
      ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
      ec2.on(DeleteSecurityGroupCommand).rejectsOnce(awsError('DependencyViolation')).resolves({});
      const res = await applyPlan(plan([{ action: 'delete', kind: 'SecurityGroup', id: 'ManagedLBSecurityGroup', arn: ARN.sg, before: sgSpec(), reason: 't' }]), deps());
      assert.equal(res.errors, undefined);
      assert.equal(ec2.commandCalls(DeleteSecurityGroupCommand).length, 2);
    });

    it('refuses to delete a load balancer with deletion protection on', async () => {
      const before = lbSpec({ securityGroups: [], attributes: { 'deletion_protection.enabled': 'true' } });
      const res = await applyPlan(plan([{ action: 'delete', kind: 'LoadBalancer', id: 'LoadBalancer', arn: ARN.lb, before, reason: 't' }]), deps());
      assert.equal(res.errors?.[0]?.code, 'InvalidChange');
      assert.equal(elb.commandCalls(DeleteLoadBalancerCommand).length, 0);
    });
  });

  describe('updates', () => {
    it('modifies only differing load balancer attributes and syncs tags, leaving the cluster tag alone', async () => {
      elb.on(ModifyLoadBalancerAttributesCommand).resolves({});
      elb.on(AddTagsCommand).resolves({});
      elb.on(RemoveTagsCommand).resolves({});
      const before = lbSpec({ securityGroups: [ARN.sg], attributes: { 'idle_timeout.timeout_seconds': '60', 'routing.http2.enabled': 'true', 'deletion_protection.enabled': 'false' }, tags: tagsFor('LoadBalancer', { team: 'a', old: 'x', 'aws:cloudformation:stack-name': 's' }) });
      const after = lbSpec({ securityGroups: [ARN.sg], attributes: { 'idle_timeout.timeout_seconds': '120', 'routing.http2.enabled': 'true' }, tags: tagsFor('LoadBalancer', { team: 'b' }) });
      const res = await applyPlan(plan([{ action: 'update', kind: 'LoadBalancer', id: 'LoadBalancer', arn: ARN.lb, before, after, reason: 't' }]), deps({ observed: { loadBalancers: [{ arn: ARN.lb, dnsName: 'LB-1.elb.amazonaws.com', tags: {}, spec: before, attributes: {} }], listeners: [], rules: [], targetGroups: [], securityGroups: [] } }));
      assert.equal(res.errors, undefined);
      assert.deepEqual(callOrder(), ['ModifyLoadBalancerAttributes', 'AddTags', 'RemoveTags']);
      assert.deepEqual(elb.commandCalls(ModifyLoadBalancerAttributesCommand)[0]?.args[0].input.Attributes, [{ Key: 'idle_timeout.timeout_seconds', Value: '120' }]);
      assert.deepEqual(elb.commandCalls(AddTagsCommand)[0]?.args[0].input.Tags, [{ Key: 'team', Value: 'b' }]);
      assert.deepEqual(elb.commandCalls(RemoveTagsCommand)[0]?.args[0].input.TagKeys, ['old']);
      assert.equal(res.dnsName, 'lb-1.elb.amazonaws.com', 'DNS name from the observed state, without a read');
    });

    it("follows the plan's fields when given: a tag-only update sends only tag calls", async () => {
      elb.on(AddTagsCommand).resolves({});
      const before = { ...tgSpec({ healthCheck: { ...tgSpec().healthCheck, matcher: { httpCode: '200' } } }), tags: tagsFor('x') };
      const after = tgSpec({ tags: tagsFor('x', { team: 'b' }) });
      await applyPlan(plan([{ action: 'update', kind: 'TargetGroup', id: 'x', arn: ARN.tg, before, after, fields: ['tags.team'], reason: 't' }]), deps());
      assert.deepEqual(callOrder(), ['AddTags']);
    });

    it('modifies a target group health check in place', async () => {
      elb.on(ModifyTargetGroupCommand).resolves({});
      const before = tgSpec();
      const after = tgSpec({ healthCheck: { ...tgSpec().healthCheck, path: '/ready' } });
      await applyPlan(plan([{ action: 'update', kind: 'TargetGroup', id: 'x', arn: ARN.tg, before, after, fields: ['healthCheck.path'], reason: 't' }]), deps());
      assert.deepEqual(callOrder(), ['ModifyTargetGroup']);
      assert.equal(elb.commandCalls(ModifyTargetGroupCommand)[0]?.args[0].input.HealthCheckPath, '/ready');
    });

    it('refuses an in-place update of a field only replacement can change', async () => {
      const res = await applyPlan(plan([{ action: 'update', kind: 'TargetGroup', id: 'x', arn: ARN.tg, before: tgSpec(), after: tgSpec({ targetType: 'instance' }), reason: 't' }]), deps());
      assert.equal(res.errors?.[0]?.code, 'ImmutableField');
    });

    it('changes the default certificate with ModifyListener and fixes the SNI list from what AWS reports', async () => {
      elb.on(ModifyListenerCommand).resolves({});
      // as moto does: Certificates replaced the whole list, so only the new default is left
      elb.on(DescribeListenerCertificatesCommand).resolves({ Certificates: [{ CertificateArn: 'cert-new', IsDefault: true }] });
      elb.on(AddListenerCertificatesCommand).resolves({});
      const base = listenerSpec({ loadBalancer: ARN.lb, port: 443, protocol: 'HTTPS', sslPolicy: 'P1' });
      const before = { ...base, certificates: ['cert-old', 'cert-b'] };
      const after = { ...base, certificates: ['cert-new', 'cert-b'] };
      await applyPlan(plan([{ action: 'update', kind: 'Listener', id: '443', arn: ARN.listener, before, after, fields: ['certificates'], reason: 't' }]), deps());
      assert.deepEqual(elb.commandCalls(ModifyListenerCommand)[0]?.args[0].input, { ListenerArn: ARN.listener, Certificates: [{ CertificateArn: 'cert-new' }] });
      assert.deepEqual(elb.commandCalls(AddListenerCertificatesCommand).map((c) => c.args[0].input.Certificates), [[{ CertificateArn: 'cert-b' }]]);
    });

    it('changes SNI certificates without touching the default', async () => {
      elb.on(AddListenerCertificatesCommand).resolves({});
      elb.on(RemoveListenerCertificatesCommand).resolves({});
      const base = listenerSpec({ loadBalancer: ARN.lb, port: 443, protocol: 'HTTPS', sslPolicy: 'P1' });
      await applyPlan(plan([{
        action: 'update', kind: 'Listener', id: '443', arn: ARN.listener, before: { ...base, certificates: ['d', 'x', 'y'] }, after: { ...base, certificates: ['d', 'y', 'z'] }, fields: ['certificates'], reason: 't',
      }]), deps());
      assert.deepEqual(callOrder(), ['AddListenerCertificates', 'RemoveListenerCertificates']);
      assert.equal(elb.commandCalls(AddListenerCertificatesCommand)[0]?.args[0].input.Certificates?.[0]?.CertificateArn, 'z');
      assert.equal(elb.commandCalls(RemoveListenerCertificatesCommand)[0]?.args[0].input.Certificates?.[0]?.CertificateArn, 'x');
    });

    it('modifies a listener default action that points at a new target group', async () => {
      elb.on(CreateTargetGroupCommand).resolves({ TargetGroups: [{ TargetGroupArn: ARN.tg }] });
      elb.on(ModifyListenerCommand).resolves({});
      const before = listenerSpec({ loadBalancer: ARN.lb });
      const after = listenerSpec({ loadBalancer: ARN.lb, defaultActions: [forwardTo(ref('TargetGroup', 'tg'))] });
      await applyPlan(plan([create('TargetGroup', 'tg', tgSpec()), { action: 'update', kind: 'Listener', id: '80', arn: ARN.listener, before, after, fields: ['defaultActions'], reason: 't' }]), deps());
      assert.deepEqual(elb.commandCalls(ModifyListenerCommand)[0]?.args[0].input, {
        ListenerArn: ARN.listener, DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: ARN.tg }] } }],
      });
    });

    it('authorizes new and revokes stale security group rules', async () => {
      ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
      ec2.on(RevokeSecurityGroupIngressCommand).resolves({});
      const before = sgSpec({ ingress: [{ ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' }] });
      const after = sgSpec({ ingress: [{ ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' }] });
      await applyPlan(plan([{ action: 'update', kind: 'SecurityGroup', id: 'ManagedLBSecurityGroup', arn: ARN.sg, before, after, fields: ['ingress'], reason: 't' }]), deps());
      assert.deepEqual(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)[0]?.args[0].input.IpPermissions, [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]);
      assert.deepEqual(ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0]?.args[0].input.IpPermissions, [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]);
    });
  });

  describe('replacement', () => {
    it('replaces a target group create-first, then deletes the old one where the plan says', async () => {
      const newArn = `${ARN.tg}-new`;
      elb.on(CreateTargetGroupCommand).resolves({ TargetGroups: [{ TargetGroupArn: newArn }] });
      elb.on(ModifyListenerCommand).resolves({});
      elb.on(DeleteTargetGroupCommand).resolves({});
      const common = { action: 'replace' as const, kind: 'TargetGroup' as const, id: 'tg', arn: ARN.tg, before: tgSpec(), after: tgSpec({ name: 'k8s-new', targetType: 'instance' }), reason: 't' };
      const lBefore = listenerSpec({ loadBalancer: ARN.lb, defaultActions: [forwardTo(ARN.tg)] });
      const lAfter = listenerSpec({ loadBalancer: ARN.lb, defaultActions: [forwardTo(ref('TargetGroup', 'tg'))] });
      const res = await applyPlan(plan([
        { ...common, phase: 'create' },
        { action: 'update', kind: 'Listener', id: '80', arn: ARN.listener, before: lBefore, after: lAfter, fields: ['defaultActions'], reason: 't' },
        { ...common, phase: 'delete' },
      ]), deps());
      assert.equal(res.errors, undefined);
      assert.deepEqual(callOrder(), ['CreateTargetGroup', 'ModifyListener', 'DeleteTargetGroup']);
      assert.equal(elb.commandCalls(DeleteTargetGroupCommand)[0]?.args[0].input.TargetGroupArn, ARN.tg);
      assert.equal(res.arns.get('TargetGroup/tg'), newArn);
    });
  });

  describe('stopping', () => {
    it('stops at the first failing change and reports it', async () => {
      stubCreates();
      elb.on(CreateLoadBalancerCommand).rejects(awsError('InvalidSubnet'));
      const res = await applyPlan(plan(fullCreatePlan()), deps({ kube: new FakeBindings() }));
      assert.equal(res.applied, 2);
      assert.deepEqual(res.errors?.map((e) => [e.resource, e.code]), [['LoadBalancer/LoadBalancer', 'InvalidSubnet']]);
      assert.equal(elb.commandCalls(CreateListenerCommand).length, 0);
    });

    it('lets a progress hook interrupt between changes (a crash, as far as AWS can tell)', async () => {
      stubCreates();
      await assert.rejects(applyPlan(plan(fullCreatePlan()), deps({
        kube: new FakeBindings(),
        onChangeApplied: (_c, i) => { if (i === 1) throw new Error('killed'); },
      })), /killed/);
      assert.equal(elb.commandCalls(CreateLoadBalancerCommand).length, 0);
    });

    it('an aborted signal stops before the next change', async () => {
      stubCreates();
      const ctl = new AbortController();
      ctl.abort();
      await assert.rejects(applyPlan(plan(fullCreatePlan()), deps({ signal: ctl.signal })), (e: unknown) => e instanceof ApplyError && e.code === 'Aborted');
      assert.equal(ec2.calls().length, 0);
    });

    it('makes no calls at all for a plan of noops when the observed state gives the DNS name', async () => {
      const before = lbSpec({ securityGroups: [ARN.sg] });
      const res = await applyPlan(plan([
        { action: 'noop', kind: 'LoadBalancer', id: 'LoadBalancer', arn: ARN.lb, before, after: before, reason: 'matches' },
        { action: 'noop', kind: 'TargetGroup', id: 'tg', arn: ARN.tg, before: tgSpec(), after: tgSpec(), reason: 'matches' },
      ]), deps({ observed: { loadBalancers: [{ arn: ARN.lb, dnsName: 'lb.example', tags: {}, spec: before, attributes: {} }], listeners: [], rules: [], targetGroups: [], securityGroups: [] } }));
      assert.equal(elb.calls().length + ec2.calls().length, 0);
      assert.equal(res.applied, 0);
      assert.equal(res.dnsName, 'lb.example');
      assert.equal(res.arns.get('TargetGroup/tg'), ARN.tg);
    });
  });
});
