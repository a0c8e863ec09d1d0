// Network load balancers through observe and apply: Service stacks by their own tags, TLS listeners with their
// certificates, no rule reads for NLB listeners, the extras read only when asked, and the NLB-only writes
// (subnet mappings, private-link enforcement, capacity, ALPN, listener attributes, Protocol only when it changes).
import assert from 'node:assert/strict';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeCapacityReservationCommand, DescribeListenerAttributesCommand,
  DescribeListenerCertificatesCommand, DescribeListenersCommand, DescribeLoadBalancerAttributesCommand, DescribeLoadBalancersCommand, DescribeRulesCommand,
  DescribeTagsCommand, DescribeTargetGroupAttributesCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client, ModifyCapacityReservationCommand,
  ModifyListenerAttributesCommand, ModifyListenerCommand, ModifyTargetGroupAttributesCommand, SetSecurityGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { applyPlan } from '../../../src/deploy/apply.ts';
import { observeExtras, observeStack } from '../../../src/deploy/observe.ts';
import { toTargetGroupSpec } from '../../../src/deploy/convert.ts';
import { ref, stackTags, type ListenerSpec, type LoadBalancerSpec, type Stack, type TargetGroupSpec } from '../../../src/model/index.ts';
import { fastTiming, plan } from './apply-fixtures.ts';

const ACCT = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';
const LB = `${ACCT}:loadbalancer/net/k8s-shop-echo-1/0a`;
const TG = `${ACCT}:targetgroup/k8s-shop-echo-2/0b`;
const LSN = (port: number) => `${ACCT}:listener/net/k8s-shop-echo-1/0a/${port}`;
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/c';
const tags = (id: string) => Object.entries(stackTags('prod', 'shop/echo', id, 'service')).map(([Key, Value]) => ({ Key, Value }));

describe('deploy: network load balancers', () => {
  const elbv2 = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });
  const ec2 = new EC2Client({ region: 'us-east-1' });
  // class-level mocks, made when this suite runs and undone after it (other files use the real SDK)
  let elb: AwsClientStub<ElasticLoadBalancingV2Client>;
  let ec2Mock: AwsClientStub<EC2Client>;
  before(() => { elb = mockClient(ElasticLoadBalancingV2Client); ec2Mock = mockClient(EC2Client); });
  after(() => { elb.restore(); ec2Mock.restore(); });
  beforeEach(() => { elb.reset(); ec2Mock.reset(); });

  describe('observe', () => {
    beforeEach(() => {
      elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{
        LoadBalancerArn: LB, LoadBalancerName: 'k8s-shop-echo-1', Type: 'network', Scheme: 'internal', VpcId: 'vpc-1', DNSName: 'k8s-shop-echo-1.elb',
        AvailabilityZones: [{ SubnetId: 'subnet-a' }], SecurityGroups: ['sg-1'], EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic: 'on',
      }] });
      elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: TG, TargetGroupName: 'k8s-shop-echo-2', Protocol: 'TCP', Port: 8080, VpcId: 'vpc-1', TargetType: 'ip', HealthCheckProtocol: 'TCP' }] });
      const byArn: Record<string, { Key: string; Value: string }[]> = { [LB]: tags('LoadBalancer'), [TG]: tags('shop/echo:80'), [LSN(80)]: tags('80'), [LSN(443)]: tags('443') };
      elb.on(DescribeTagsCommand).callsFake((i: { ResourceArns: string[] }) => ({ TagDescriptions: i.ResourceArns.map((a) => ({ ResourceArn: a, Tags: byArn[a] ?? [] })) }));
      elb.on(DescribeLoadBalancerAttributesCommand).resolves({ Attributes: [] });
      elb.on(DescribeTargetGroupAttributesCommand).resolves({ Attributes: [{ Key: 'proxy_protocol_v2.enabled', Value: 'false' }] });
      elb.on(DescribeListenersCommand).resolves({ Listeners: [
        { ListenerArn: LSN(80), LoadBalancerArn: LB, Port: 80, Protocol: 'TCP', DefaultActions: [{ Type: 'forward', TargetGroupArn: TG }] },
        { ListenerArn: LSN(443), LoadBalancerArn: LB, Port: 443, Protocol: 'TLS', SslPolicy: 'ELBSecurityPolicy-2016-08', AlpnPolicy: ['HTTP2Only'],
          Certificates: [{ CertificateArn: CERT }], DefaultActions: [{ Type: 'forward', TargetGroupArn: TG }] },
      ] });
      elb.on(DescribeListenerCertificatesCommand).resolves({ Certificates: [{ CertificateArn: CERT, IsDefault: true }] });
      ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    });

    it('finds a Service stack by service.k8s.aws/stack only, reads TLS certificates, and no rules of NLB listeners', async () => {
      const asIngress = await observeStack({ elbv2, ec2 }, { clusterName: 'prod', stackId: 'shop/echo' });
      assert.deepEqual(asIngress.loadBalancers, [], 'not an Ingress stack');
      const o = await observeStack({ elbv2, ec2 }, { clusterName: 'prod', stackId: 'shop/echo', family: 'service' });
      assert.equal(o.loadBalancers[0]?.spec.type, 'network');
      assert.equal(o.loadBalancers[0]?.spec.enforceSecurityGroupInboundRulesOnPrivateLinkTraffic, 'on');
      const tls = o.listeners.find((l) => l.spec.port === 443)?.spec;
      assert.deepEqual([tls?.protocol, tls?.sslPolicy, tls?.certificates, tls?.alpnPolicy], ['TLS', 'ELBSecurityPolicy-2016-08', [CERT], ['HTTP2Only']]);
      assert.equal(elb.commandCalls(DescribeRulesCommand).length, 0);
      const sgFilter = ec2Mock.commandCalls(DescribeSecurityGroupsCommand).at(-1)?.args[0].input.Filters;
      assert.ok(sgFilter?.some((f: { Name?: string }) => f.Name === 'tag:service.k8s.aws/stack'));
      // a TCP target group has no protocol version, path or matcher
      const tgSpec = o.targetGroups[0]?.spec;
      assert.deepEqual([tgSpec?.protocolVersion, tgSpec?.healthCheck.path, tgSpec?.healthCheck.matcher], [undefined, undefined, undefined]);
    });

    it('reads listener attributes and the capacity reservation only where the desired stack sets them', async () => {
      const o = await observeStack({ elbv2, ec2 }, { clusterName: 'prod', stackId: 'shop/echo', family: 'service' });
      elb.on(DescribeListenerAttributesCommand).resolves({ Attributes: [{ Key: 'tcp.idle_timeout.seconds', Value: '350' }] });
      elb.on(DescribeCapacityReservationCommand).resolves({ MinimumLoadBalancerCapacity: { CapacityUnits: 100 } });
      const none = await observeExtras(elbv2, desired({}), o);
      assert.equal(elb.commandCalls(DescribeListenerAttributesCommand).length + elb.commandCalls(DescribeCapacityReservationCommand).length, 0);
      assert.deepEqual(none, o, 'nothing read, nothing changed');
      const more = await observeExtras(elbv2, desired({ minimumCapacityUnits: 200 }, { 'tcp.idle_timeout.seconds': '600' }), o);
      assert.equal(elb.commandCalls(DescribeListenerAttributesCommand).length, 1);
      assert.equal(more.loadBalancers[0]?.spec.minimumCapacityUnits, 100);
      assert.deepEqual(more.listeners.find((l) => l.spec.port === 80)?.spec.attributes, { 'tcp.idle_timeout.seconds': '350' });
    });
  });

  describe('apply', () => {
    it('creates an NLB with subnet mappings, then its private-link enforcement and capacity; a TLS listener with ALPN and attributes after', async () => {
      elb.on(CreateLoadBalancerCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: LB, DNSName: 'K8S-1.elb' }] });
      elb.on(CreateTargetGroupCommand).resolves({ TargetGroups: [{ TargetGroupArn: TG }] });
      elb.on(CreateListenerCommand).resolves({ Listeners: [{ ListenerArn: LSN(443) }] });
      const lb: LoadBalancerSpec = {
        ...nlb(), subnetMappings: [{ subnetId: 'subnet-a', allocationId: 'eipalloc-1' }], enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: 'off', minimumCapacityUnits: 100,
      };
      const listener: ListenerSpec = {
        loadBalancer: ref('LoadBalancer', 'LoadBalancer'), port: 443, protocol: 'TLS', sslPolicy: 'ELBSecurityPolicy-2016-08', certificates: [CERT],
        alpnPolicy: ['HTTP2Preferred'], attributes: { 'tcp.idle_timeout.seconds': '600' },
        defaultActions: [{ type: 'forward', forwardConfig: { targetGroups: [{ targetGroupArn: ref('TargetGroup', 'shop/echo:443') }] } }], tags: {},
      };
      const r = await applyPlan(plan([
        { action: 'create', kind: 'TargetGroup', id: 'shop/echo:443', after: tcpTg(), reason: 't' },
        { action: 'create', kind: 'LoadBalancer', id: 'LoadBalancer', after: lb, reason: 't' },
        { action: 'create', kind: 'Listener', id: '443', after: listener, reason: 't' },
      ]), { elbv2, ec2, clusterName: 'prod', timing: fastTiming() });
      assert.equal(r.errors, undefined);
      const tgIn = elb.commandCalls(CreateTargetGroupCommand)[0]?.args[0].input;
      assert.equal('ProtocolVersion' in (tgIn ?? {}), false);
      assert.equal(tgIn?.HealthCheckPath, undefined);
      assert.deepEqual(elb.commandCalls(ModifyTargetGroupAttributesCommand)[0]?.args[0].input.Attributes, [{ Key: 'proxy_protocol_v2.enabled', Value: 'false' }]);
      const lbIn = elb.commandCalls(CreateLoadBalancerCommand)[0]?.args[0].input;
      assert.deepEqual([lbIn?.Type, lbIn?.SubnetMappings, lbIn?.Subnets], ['network', [{ SubnetId: 'subnet-a', AllocationId: 'eipalloc-1' }], undefined]);
      assert.deepEqual(elb.commandCalls(SetSecurityGroupsCommand)[0]?.args[0].input,
        { LoadBalancerArn: LB, SecurityGroups: ['sg-1'], EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic: 'off' });
      assert.deepEqual(elb.commandCalls(ModifyCapacityReservationCommand)[0]?.args[0].input, { LoadBalancerArn: LB, MinimumLoadBalancerCapacity: { CapacityUnits: 100 } });
      const lsIn = elb.commandCalls(CreateListenerCommand)[0]?.args[0].input;
      assert.deepEqual([lsIn?.Protocol, lsIn?.SslPolicy, lsIn?.Certificates, lsIn?.AlpnPolicy], ['TLS', 'ELBSecurityPolicy-2016-08', [{ CertificateArn: CERT }], ['HTTP2Preferred']]);
      assert.deepEqual(elb.commandCalls(ModifyListenerAttributesCommand)[0]?.args[0].input, { ListenerArn: LSN(443), Attributes: [{ Key: 'tcp.idle_timeout.seconds', Value: '600' }] });
    });

    it('modifies a TLS listener without sending its unchanged protocol; ALPN and attributes only when they differ', async () => {
      const before: ListenerSpec = {
        loadBalancer: LB, port: 443, protocol: 'TLS', sslPolicy: 'ELBSecurityPolicy-2016-08', certificates: [CERT], alpnPolicy: ['None'],
        attributes: { 'tcp.idle_timeout.seconds': '350' }, defaultActions: [{ type: 'forward', forwardConfig: { targetGroups: [{ targetGroupArn: TG }] } }], tags: {},
      };
      const after: ListenerSpec = { ...before, sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', alpnPolicy: ['HTTP2Only'], attributes: { 'tcp.idle_timeout.seconds': '600' } };
      await applyPlan(plan([{ action: 'update', kind: 'Listener', id: '443', arn: LSN(443), before, after, reason: 't', fields: ['sslPolicy', 'alpnPolicy', 'attributes["tcp.idle_timeout.seconds"]'] }]),
        { elbv2, ec2, clusterName: 'prod', timing: fastTiming() });
      const input = elb.commandCalls(ModifyListenerCommand)[0]?.args[0].input;
      assert.deepEqual(input, { ListenerArn: LSN(443), SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', AlpnPolicy: ['HTTP2Only'] });
      assert.deepEqual(elb.commandCalls(ModifyListenerAttributesCommand)[0]?.args[0].input.Attributes, [{ Key: 'tcp.idle_timeout.seconds', Value: '600' }]);
    });
  });

  it('convert: a TCP target group reads back without protocol version, path or matcher (as the builder writes it)', () => {
    const spec = toTargetGroupSpec({ TargetGroupName: 'x', Protocol: 'UDP', Port: 53, TargetType: 'ip', HealthCheckProtocol: 'TCP', HealthCheckPath: '/', Matcher: { HttpCode: '200' } }, {}, {});
    assert.deepEqual([spec.protocol, spec.protocolVersion, spec.healthCheck.path, spec.healthCheck.matcher], ['UDP', undefined, undefined, undefined]);
    assert.equal(toTargetGroupSpec({ Protocol: 'HTTP' }, {}, {}).protocolVersion, 'HTTP1');
  });
});

function nlb(): LoadBalancerSpec {
  return {
    name: 'k8s-shop-echo-1', type: 'network', scheme: 'internal', ipAddressType: 'ipv4', subnets: ['subnet-a'], securityGroups: ['sg-1'],
    attributes: {}, tags: stackTags('prod', 'shop/echo', 'LoadBalancer', 'service'),
  };
}

function tcpTg(): TargetGroupSpec {
  return {
    name: 'k8s-shop-echo-2', targetType: 'ip', port: 8443, protocol: 'TCP', ipAddressType: 'ipv4', vpcId: 'vpc-1',
    healthCheck: { enabled: true, port: 'traffic-port', protocol: 'TCP', intervalSeconds: 10, timeoutSeconds: 10, healthyThresholdCount: 3, unhealthyThresholdCount: 3 },
    attributes: { 'proxy_protocol_v2.enabled': 'false' }, tags: stackTags('prod', 'shop/echo', 'shop/echo:443', 'service'),
  };
}

function desired(lb: Partial<LoadBalancerSpec>, listener80Attributes?: Record<string, string>): Stack {
  return {
    id: 'shop/echo', family: 'service', members: [],
    resources: [
      { kind: 'LoadBalancer', id: 'LoadBalancer', spec: { ...nlb(), ...lb } },
      { kind: 'Listener', id: '80', spec: {
        loadBalancer: ref('LoadBalancer', 'LoadBalancer'), port: 80, protocol: 'TCP', certificates: [], defaultActions: [], tags: {},
        ...(listener80Attributes ? { attributes: listener80Attributes } : {}),
      } },
    ],
  };
}
