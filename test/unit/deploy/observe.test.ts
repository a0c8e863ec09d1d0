import assert from 'node:assert/strict';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeListenerCertificatesCommand, DescribeListenersCommand, DescribeLoadBalancerAttributesCommand, DescribeLoadBalancersCommand,
  DescribeRulesCommand, DescribeTagsCommand, DescribeTargetGroupAttributesCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client,
  type LoadBalancer, type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { observeAllStacks, observeStack, OwnershipCache } from '../../../src/deploy/observe.ts';
import { owningStack } from '../../../src/model/tags.ts';
import type { ObservedState } from '../../../src/model/observed.ts';

const region = 'us-east-1';
const ACCT = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';
const LB = (n: string) => `${ACCT}:loadbalancer/app/${n}/0a`;
const TG = (n: string) => `${ACCT}:targetgroup/${n}/0b`;
const LSN = (lb: string, port: number) => `${ACCT}:listener/app/${lb}/0a/${port}`;
const RULE = (lb: string, port: number, p: string) => `${ACCT}:listener-rule/app/${lb}/0a/${port}/${p}`;
const CERT = (n: string) => `arn:aws:acm:us-east-1:123456789012:certificate/${n}`;

const own = (stack: string, resource: string) => [
  { Key: 'elbv2.k8s.aws/cluster', Value: 'prod' }, { Key: 'ingress.k8s.aws/stack', Value: stack }, { Key: 'ingress.k8s.aws/resource', Value: resource },
];

const lb = (name: string, vpc = 'vpc-1'): LoadBalancer => ({
  LoadBalancerArn: LB(name), LoadBalancerName: name, DNSName: `${name}-1.us-east-1.elb.amazonaws.com`, CanonicalHostedZoneId: 'Z2P70J7EXAMPLE',
  Type: 'application', Scheme: 'internet-facing', IpAddressType: 'ipv4', VpcId: vpc,
  AvailabilityZones: [{ ZoneName: 'us-east-1b', SubnetId: 'subnet-b' }, { ZoneName: 'us-east-1a', SubnetId: 'subnet-a' }],
  SecurityGroups: ['sg-9', 'sg-1'],
});

const tg = (name: string, vpc: string | undefined = 'vpc-1'): TargetGroup => ({
  TargetGroupArn: TG(name), TargetGroupName: name, Protocol: 'HTTP', Port: 30080, ...(vpc ? { VpcId: vpc } : {}), TargetType: 'instance',
  ProtocolVersion: 'HTTP1', IpAddressType: 'ipv4',
  HealthCheckEnabled: true, HealthCheckProtocol: 'HTTP', HealthCheckPort: 'traffic-port', HealthCheckPath: '/healthz',
  HealthCheckIntervalSeconds: 15, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2, Matcher: { HttpCode: '200-299' },
});

describe('deploy/observe', () => {
  const elbv2 = new ElasticLoadBalancingV2Client({ region });
  const ec2 = new EC2Client({ region });
  // class-level mocks, as the apply tests use (sinon cannot stub an instance once the prototype is stubbed)
  const elbMock = mockClient(ElasticLoadBalancingV2Client);
  const ec2Mock = mockClient(EC2Client);
  after(() => {
    elbMock.restore();
    ec2Mock.restore();
  });
  let tags: Record<string, { Key: string; Value: string }[]>;

  beforeEach(() => {
    elbMock.reset();
    ec2Mock.reset();
    tags = {
      [LB('shop')]: own('shop', 'LoadBalancer'),
      [LB('foreign')]: [{ Key: 'elbv2.k8s.aws/cluster', Value: 'other' }, { Key: 'ingress.k8s.aws/stack', Value: 'shop' }],
      [LB('untagged')]: [],
      [LB('legacy')]: [{ Key: 'ingress.k8s.aws/cluster', Value: 'prod' }, { Key: 'ingress.k8s.aws/stack', Value: 'ns/legacy' }],
      [LB('elsewhere')]: own('shop', 'LoadBalancer'),
      [TG('shop-web')]: own('shop', 'ns/ing-web:80'),
      [TG('foreign-tg')]: [{ Key: 'elbv2.k8s.aws/cluster', Value: 'other' }, { Key: 'ingress.k8s.aws/stack', Value: 'shop' }],
      [LSN('shop', 80)]: own('shop', '80'),
      [RULE('shop', 80, '1')]: own('shop', '80:1'),
    };
    elbMock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [lb('shop'), lb('foreign'), lb('untagged'), lb('legacy'), lb('elsewhere', 'vpc-2')] });
    elbMock.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [tg('shop-web'), tg('foreign-tg'), { TargetGroupArn: TG('lambda'), TargetType: 'lambda' }] });
    elbMock.on(DescribeTagsCommand).callsFake((input: { ResourceArns: string[] }) => ({
      TagDescriptions: input.ResourceArns.map((a) => ({ ResourceArn: a, Tags: tags[a] ?? [] })),
    }));
    elbMock.on(DescribeLoadBalancerAttributesCommand).resolves({ Attributes: [
      { Key: 'deletion_protection.enabled', Value: 'false' }, { Key: 'idle_timeout.timeout_seconds', Value: '60' }] });
    elbMock.on(DescribeTargetGroupAttributesCommand).resolves({ Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '300' }] });
    elbMock.on(DescribeListenersCommand).resolves({ Listeners: [] });
    elbMock.on(DescribeListenersCommand, { LoadBalancerArn: LB('shop') }).resolves({ Listeners: [
      { ListenerArn: LSN('shop', 443), LoadBalancerArn: LB('shop'), Port: 443, Protocol: 'HTTPS', SslPolicy: 'ELBSecurityPolicy-2016-08',
        Certificates: [{ CertificateArn: CERT('default') }],
        DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain' } }] },
      { ListenerArn: LSN('shop', 80), LoadBalancerArn: LB('shop'), Port: 80, Protocol: 'HTTP', SslPolicy: 'ELBSecurityPolicy-2016-08',
        DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }] },
    ] });
    elbMock.on(DescribeListenerCertificatesCommand).resolves({ Certificates: [
      { CertificateArn: CERT('default'), IsDefault: true }, { CertificateArn: CERT('z-sni') }, { CertificateArn: CERT('a-sni') }, { CertificateArn: CERT('z-sni') },
    ] });
    elbMock.on(DescribeRulesCommand).resolves({ Rules: [{ RuleArn: RULE('x', 1, 'd'), Priority: 'default', IsDefault: true, Actions: [] }] });
    elbMock.on(DescribeRulesCommand, { ListenerArn: LSN('shop', 80) }).resolves({ Rules: [
      { RuleArn: RULE('shop', 80, '2'), Priority: '2', IsDefault: false,
        Conditions: [{ Field: 'path-pattern', Values: ['/b/*', '/a/*'] }],
        Actions: [{ Type: 'forward', TargetGroupArn: TG('shop-web'), ForwardConfig: {
          TargetGroups: [{ TargetGroupArn: TG('shop-web'), Weight: 80 }, { TargetGroupArn: TG('canary'), Weight: 20 }],
          TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 60 } } }] },
      { RuleArn: RULE('shop', 80, '1'), Priority: '1', IsDefault: false,
        Conditions: [
          { Field: 'host-header', HostHeaderConfig: { Values: ['shop.example.com'] } },
          { Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } },
          { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Env', Values: ['prod', 'canary'] } },
          { Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'v', Value: '2' }, { Value: 'raw' }] } },
          { Field: 'source-ip', SourceIpConfig: { Values: ['10.0.0.0/8'] } },
          { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['POST', 'GET'] } },
        ],
        // moto echoes a single-target forward as a plain TargetGroupArn with no ForwardConfig
        Actions: [{ Type: 'forward', TargetGroupArn: TG('shop-web') }] },
      { RuleArn: RULE('shop', 80, 'default'), Priority: 'default', IsDefault: true,
        Actions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }] },
    ] });
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{
      GroupId: 'sg-1', GroupName: 'k8s-shop-0123456789', Description: '[k8s] Managed SecurityGroup for LoadBalancer', VpcId: 'vpc-1',
      Tags: own('shop', 'ManagedLBSecurityGroup'),
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
        { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/8' }, { CidrIp: '0.0.0.0/0' }], PrefixListIds: [{ PrefixListId: 'pl-1' }] },
      ],
    }] });
  });

  const clients = () => ({ elbv2, ec2 });

  it('converts what AWS reports into the model shapes the builder produces', async () => {
    const state = await observeStack(clients(), { clusterName: 'prod', stackId: 'shop', vpcId: 'vpc-1' });
    const lbTags = { 'elbv2.k8s.aws/cluster': 'prod', 'ingress.k8s.aws/stack': 'shop', 'ingress.k8s.aws/resource': 'LoadBalancer' };
    const attrs = { 'deletion_protection.enabled': 'false', 'idle_timeout.timeout_seconds': '60' };
    const expected: ObservedState = {
      loadBalancers: [{
        arn: LB('shop'), tags: lbTags, attributes: attrs, dnsName: 'shop-1.us-east-1.elb.amazonaws.com', canonicalHostedZoneId: 'Z2P70J7EXAMPLE',
        spec: { name: 'shop', type: 'application', scheme: 'internet-facing', ipAddressType: 'ipv4', subnets: ['subnet-a', 'subnet-b'],
          securityGroups: ['sg-1', 'sg-9'], attributes: attrs, tags: lbTags },
      }],
      listeners: [
        { arn: LSN('shop', 80), loadBalancerArn: LB('shop'), tags: { ...lbTags, 'ingress.k8s.aws/resource': '80' },
          spec: { loadBalancer: LB('shop'), port: 80, protocol: 'HTTP', certificates: [],
            defaultActions: [{ type: 'redirect', redirectConfig: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
            tags: { ...lbTags, 'ingress.k8s.aws/resource': '80' } } },
        { arn: LSN('shop', 443), loadBalancerArn: LB('shop'), tags: {},
          spec: { loadBalancer: LB('shop'), port: 443, protocol: 'HTTPS', sslPolicy: 'ELBSecurityPolicy-2016-08',
            certificates: [CERT('default'), CERT('a-sni'), CERT('z-sni')],
            defaultActions: [{ type: 'fixed-response', fixedResponseConfig: { statusCode: '404', contentType: 'text/plain' } }], tags: {} } },
      ],
      rules: [
        { arn: RULE('shop', 80, '1'), listenerArn: LSN('shop', 80), tags: { ...lbTags, 'ingress.k8s.aws/resource': '80:1' },
          spec: { listener: LSN('shop', 80), priority: 1, tags: { ...lbTags, 'ingress.k8s.aws/resource': '80:1' },
            conditions: [
              { field: 'host-header', hostHeaderConfig: { values: ['shop.example.com'] } },
              { field: 'path-pattern', pathPatternConfig: { values: ['/*'] } },
              { field: 'http-header', httpHeaderConfig: { httpHeaderName: 'X-Env', values: ['canary', 'prod'] } },
              { field: 'query-string', queryStringConfig: { values: [{ value: 'raw' }, { key: 'v', value: '2' }] } },
              { field: 'source-ip', sourceIpConfig: { values: ['10.0.0.0/8'] } },
              { field: 'http-request-method', httpRequestMethodConfig: { values: ['GET', 'POST'] } },
            ],
            actions: [{ type: 'forward', forwardConfig: { targetGroups: [{ targetGroupArn: TG('shop-web') }] } }] } },
        { arn: RULE('shop', 80, '2'), listenerArn: LSN('shop', 80), tags: {},
          spec: { listener: LSN('shop', 80), priority: 2, tags: {},
            conditions: [{ field: 'path-pattern', pathPatternConfig: { values: ['/a/*', '/b/*'] } }],
            actions: [{ type: 'forward', forwardConfig: {
              targetGroups: [{ targetGroupArn: TG('shop-web'), weight: 80 }, { targetGroupArn: TG('canary'), weight: 20 }],
              targetGroupStickinessConfig: { enabled: true, durationSeconds: 60 } } }] } },
      ],
      targetGroups: [{
        arn: TG('shop-web'), tags: { ...lbTags, 'ingress.k8s.aws/resource': 'ns/ing-web:80' },
        attributes: { 'deregistration_delay.timeout_seconds': '300' },
        spec: { name: 'shop-web', targetType: 'instance', port: 30080, protocol: 'HTTP', protocolVersion: 'HTTP1', ipAddressType: 'ipv4', vpcId: 'vpc-1',
          healthCheck: { enabled: true, port: 'traffic-port', protocol: 'HTTP', path: '/healthz', intervalSeconds: 15, timeoutSeconds: 5,
            healthyThresholdCount: 2, unhealthyThresholdCount: 2, matcher: { httpCode: '200-299' } },
          attributes: { 'deregistration_delay.timeout_seconds': '300' }, tags: { ...lbTags, 'ingress.k8s.aws/resource': 'ns/ing-web:80' } },
      }],
      securityGroups: [{
        arn: 'sg-1', groupId: 'sg-1', tags: { ...lbTags, 'ingress.k8s.aws/resource': 'ManagedLBSecurityGroup' },
        spec: { groupName: 'k8s-shop-0123456789', description: '[k8s] Managed SecurityGroup for LoadBalancer', vpcId: 'vpc-1',
          ingress: [
            { ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' },
            { ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '10.0.0.0/8' },
            { ipProtocol: 'tcp', fromPort: 80, toPort: 80, prefixListId: 'pl-1' },
            { ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' },
            { ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv6: '::/0' },
          ],
          tags: { ...lbTags, 'ingress.k8s.aws/resource': 'ManagedLBSecurityGroup' } },
      }],
    };
    assert.deepEqual(state, expected);
  });

  it('observes only what carries this cluster\'s tag and a stack tag, in the VPC (never the v1 cluster tag alone)', async () => {
    const all = await observeAllStacks(clients(), { clusterName: 'prod', vpcId: 'vpc-1' });
    assert.deepEqual([...all.keys()], ['shop']);
    assert.deepEqual(all.get('shop')?.loadBalancers.map((l) => l.arn), [LB('shop')]);
    assert.deepEqual(all.get('shop')?.targetGroups.map((t) => t.arn), [TG('shop-web')]);
    // nothing beyond the tags is read for resources this cluster does not own (the v1-tagged one included)
    const detailed = elbMock.commandCalls(DescribeListenersCommand).map((c) => c.args[0].input.LoadBalancerArn).sort();
    assert.deepEqual(detailed, [LB('shop')]);
    assert.deepEqual(elbMock.commandCalls(DescribeTargetGroupAttributesCommand).map((c) => c.args[0].input.TargetGroupArn), [TG('shop-web')]);
    // resources outside the VPC are not even asked for their tags; a lambda target group has no VPC
    const tagged = elbMock.commandCalls(DescribeTagsCommand).flatMap((c) => c.args[0].input.ResourceArns ?? []);
    assert.ok(!tagged.includes(LB('elsewhere')));
    assert.ok(!tagged.includes(TG('lambda')));
  });

  it('asks EC2 for security groups by tag filters', async () => {
    await observeAllStacks(clients(), { clusterName: 'prod', vpcId: 'vpc-1' });
    await observeStack(clients(), { clusterName: 'prod', stackId: 'shop' });
    const filters = ec2Mock.commandCalls(DescribeSecurityGroupsCommand).map((c) => c.args[0].input.Filters);
    assert.deepEqual(filters, [
      [{ Name: 'tag:elbv2.k8s.aws/cluster', Values: ['prod'] }, { Name: 'tag-key', Values: ['ingress.k8s.aws/stack'] }, { Name: 'vpc-id', Values: ['vpc-1'] }],
      [{ Name: 'tag:elbv2.k8s.aws/cluster', Values: ['prod'] }, { Name: 'tag:ingress.k8s.aws/stack', Values: ['shop'] }],
    ]);
  });

  it('returns an empty state for a stack that owns nothing', async () => {
    const state = await observeStack(clients(), { clusterName: 'prod', stackId: 'nothing-here', vpcId: 'vpc-1' });
    assert.deepEqual(state, { loadBalancers: [], listeners: [], rules: [], targetGroups: [], securityGroups: [] });
    assert.equal(elbMock.commandCalls(DescribeListenersCommand).length, 0);
  });

  it('costs a known number of calls per stack', async () => {
    await observeStack(clients(), { clusterName: 'prod', stackId: 'shop', vpcId: 'vpc-1' });
    const count = (cmd: Parameters<typeof elbMock.commandCalls>[0]) => elbMock.commandCalls(cmd).length;
    assert.deepEqual({
      DescribeLoadBalancers: count(DescribeLoadBalancersCommand), DescribeTargetGroups: count(DescribeTargetGroupsCommand),
      DescribeTags: count(DescribeTagsCommand), DescribeLoadBalancerAttributes: count(DescribeLoadBalancerAttributesCommand),
      DescribeListeners: count(DescribeListenersCommand), DescribeRules: count(DescribeRulesCommand),
      DescribeListenerCertificates: count(DescribeListenerCertificatesCommand), DescribeTargetGroupAttributes: count(DescribeTargetGroupAttributesCommand),
      DescribeSecurityGroups: ec2Mock.commandCalls(DescribeSecurityGroupsCommand).length,
    }, {
      DescribeLoadBalancers: 1, DescribeTargetGroups: 1, DescribeTags: 2, DescribeLoadBalancerAttributes: 1, DescribeListeners: 1,
      DescribeRules: 2, DescribeListenerCertificates: 1, DescribeTargetGroupAttributes: 1, DescribeSecurityGroups: 1,
    });
  });

  it('reads tags in chunks of 20: 45 load balancers and target groups → 3 DescribeTags calls', async () => {
    elbMock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: Array.from({ length: 30 }, (_, i) => lb(`lb${i}`)) });
    elbMock.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: Array.from({ length: 15 }, (_, i) => tg(`tg${i}`)) });
    const all = await observeAllStacks(clients(), { clusterName: 'prod', vpcId: 'vpc-1' });
    assert.deepEqual(elbMock.commandCalls(DescribeTagsCommand).map((c) => c.args[0].input.ResourceArns?.length), [20, 20, 5]);
    assert.deepEqual([...all.keys()], ['shop'], 'only the security group is owned');
  });

  it('decides ownership from tags', () => {
    assert.equal(owningStack({ 'elbv2.k8s.aws/cluster': 'prod', 'ingress.k8s.aws/stack': 'a' }, 'prod'), 'a');
    assert.equal(owningStack({ 'ingress.k8s.aws/cluster': 'prod', 'ingress.k8s.aws/stack': 'a' }, 'prod'), undefined, 'v1 tag alone: not adopted');
    assert.equal(owningStack({ 'elbv2.k8s.aws/cluster': 'prod' }, 'prod'), undefined);
    assert.equal(owningStack({ 'elbv2.k8s.aws/cluster': 'dev', 'ingress.k8s.aws/stack': 'a' }, 'prod'), undefined);
    assert.equal(owningStack({ 'ingress.k8s.aws/stack': 'a' }, 'prod'), undefined);
    assert.equal(owningStack({ 'elbv2.k8s.aws/cluster': 'prod', 'ingress.k8s.aws/stack': '' }, 'prod'), undefined);
  });

  describe('with an OwnershipCache', () => {
    const tagCalls = () => elbMock.commandCalls(DescribeTagsCommand).map((c) => [...(c.args[0].input.ResourceArns ?? [])].sort());
    const children = [LSN('shop', 443), LSN('shop', 80), RULE('shop', 80, '1'), RULE('shop', 80, '2')];

    it('asks for the tags of every listed ARN once, then only for owned ones (in the listener/rule batch)', async () => {
      const cache = new OwnershipCache();
      const opts = { clusterName: 'prod', stackId: 'shop', vpcId: 'vpc-1', cache };
      const first = await observeStack(clients(), opts);
      assert.equal(elbMock.commandCalls(DescribeTagsCommand).length, 2);
      assert.equal(cache.size, 6, 'the 4 load balancers and 2 target groups in the VPC');
      elbMock.resetHistory();
      const second = await observeStack(clients(), opts);
      assert.deepEqual(second, first);
      assert.deepEqual(tagCalls(), [[LB('shop'), TG('shop-web'), ...children].sort()], 'one DescribeTags call');
      // another stack's pass reuses the same verdicts
      elbMock.resetHistory();
      assert.deepEqual(await observeStack(clients(), { ...opts, stackId: 'other' }), { loadBalancers: [], listeners: [], rules: [], targetGroups: [], securityGroups: [] });
      assert.equal(elbMock.commandCalls(DescribeTagsCommand).length, 0);
    });

    it('reads only new ARNs, forgets deleted ones, and still reads user tags fresh', async () => {
      const cache = new OwnershipCache();
      const opts = { clusterName: 'prod', stackId: 'shop', vpcId: 'vpc-1', cache };
      await observeStack(clients(), opts);
      elbMock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [lb('shop'), lb('new')] });
      tags[LB('new')] = own('shop', 'Other');
      tags[LB('shop')] = [...own('shop', 'LoadBalancer'), { Key: 'team', Value: 'payments' }];
      elbMock.resetHistory();
      const state = await observeStack(clients(), opts);
      const calls = tagCalls();
      assert.deepEqual(calls[0], [LB('new')], 'ownership: only the ARN not seen before');
      assert.ok(calls[1]?.includes(LB('shop')) && calls[1]?.includes(TG('shop-web')), 'owned ones: full tags, fresh');
      assert.equal(cache.size, 4, 'the load balancers no longer listed are forgotten');
      assert.deepEqual(state.loadBalancers.map((l) => [l.arn, l.tags['team']]), [[LB('new'), undefined], [LB('shop'), 'payments']]);
    });

    it('drops a cached owned resource whose fresh tags no longer make it ours', async () => {
      const cache = new OwnershipCache();
      const opts = { clusterName: 'prod', stackId: 'shop', vpcId: 'vpc-1', cache };
      await observeStack(clients(), opts);
      tags[TG('shop-web')] = [{ Key: 'ingress.k8s.aws/stack', Value: 'shop' }];
      const state = await observeStack(clients(), opts);
      assert.deepEqual(state.targetGroups, []);
      assert.deepEqual(state.loadBalancers.map((l) => l.arn), [LB('shop')]);
      elbMock.resetHistory();
      await observeStack(clients(), opts);
      assert.equal(elbMock.commandCalls(DescribeTargetGroupAttributesCommand).length, 0, 'the new verdict is cached');
    });

    it('at scale (100 stacks, 100 load balancers + 300 target groups): 20 DescribeTags calls per observeStack without a cache, 1 with', async () => {
      elbMock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: Array.from({ length: 100 }, (_, i) => lb(`s${i}`)) });
      elbMock.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: Array.from({ length: 300 }, (_, i) => tg(`s${Math.floor(i / 3)}-${i % 3}`)) });
      for (let i = 0; i < 100; i++) {
        tags[LB(`s${i}`)] = own(`s${i}`, 'LoadBalancer');
        for (let t = 0; t < 3; t++) tags[TG(`s${i}-${t}`)] = own(`s${i}`, `ns/svc${t}:80`);
      }
      const cost = async (cache?: OwnershipCache) => {
        elbMock.resetHistory();
        for (let i = 0; i < 100; i++) await observeStack(clients(), { clusterName: 'prod', stackId: `s${i}`, vpcId: 'vpc-1', ...(cache ? { cache } : {}) });
        return elbMock.commandCalls(DescribeTagsCommand).length / 100;
      };
      assert.equal(await cost(), 20, '⌈400/20⌉ (these load balancers have no listeners, so no second batch)');
      const cache = new OwnershipCache();
      await cost(cache);
      assert.equal(await cost(cache), 1, 'the 4 owned ARNs, fresh');
      const warm = await observeStack(clients(), { clusterName: 'prod', stackId: 's7', vpcId: 'vpc-1', cache });
      assert.deepEqual(warm, await observeStack(clients(), { clusterName: 'prod', stackId: 's7', vpcId: 'vpc-1' }));
      assert.deepEqual(warm.targetGroups.map((t) => t.spec.name), ['s7-0', 's7-1', 's7-2']);
    });

    it('re-reads a verdict after its TTL: a v1-only load balancer retagged by hand is adopted then', async () => {
      let now = 0;
      const cache = new OwnershipCache({ ttlMs: 60_000, now: () => now });
      const opts = { clusterName: 'prod', vpcId: 'vpc-1', cache };
      assert.deepEqual([...(await observeAllStacks(clients(), opts)).keys()], ['shop']);
      tags[LB('legacy')] = [...(tags[LB('legacy')] ?? []), { Key: 'elbv2.k8s.aws/cluster', Value: 'prod' }];
      now = 59_999;
      assert.deepEqual([...(await observeAllStacks(clients(), opts)).keys()], ['shop'], 'within the TTL: the cached verdict');
      now = 60_000;
      elbMock.resetHistory();
      assert.deepEqual([...(await observeAllStacks(clients(), opts)).keys()], ['ns/legacy', 'shop']);
      assert.ok(tagCalls()[0]?.includes(LB('legacy')));
    });
  });
});
