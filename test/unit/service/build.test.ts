import assert from 'node:assert/strict';
import { ref, type TargetGroupBindingSpec } from '../../../src/model/index.ts';
import { DEFAULT_SERVICE_GATES, serviceManagement } from '../../../src/service/index.ts';
import { CONFIG, FACTS, S, TCP80, build, issuesOf, one, stackOf, svc } from './fixtures.ts';

const managedSg = ref('SecurityGroup', 'ManagedLBSecurityGroup', 'groupId');

describe('service/match: which Services are ours (as upstream)', () => {
  const cfg = { loadBalancerClass: 'service.k8s.aws/nlb', serviceTypeLoadBalancerOnly: false };
  const cases: [string, Parameters<typeof svc>, boolean][] = [
    ['our loadBalancerClass', [{}], true],
    ['another class, even with our annotations', [{ 'aws-load-balancer-type': 'external', 'aws-load-balancer-nlb-target-type': 'ip' }, { loadBalancerClass: 'example.com/other' }], false],
    ['legacy nlb-ip without a class', [{ 'aws-load-balancer-type': 'nlb-ip' }, { loadBalancerClass: undefined }], true],
    ['external + ip', [{ 'aws-load-balancer-type': 'external', 'aws-load-balancer-nlb-target-type': 'ip' }, { loadBalancerClass: undefined }], true],
    ['external + instance', [{ 'aws-load-balancer-type': 'external', 'aws-load-balancer-nlb-target-type': 'instance' }, { loadBalancerClass: undefined }], true],
    ['external without a target type', [{ 'aws-load-balancer-type': 'external' }, { loadBalancerClass: undefined }], false],
    ['nlb (the in-tree provider\'s value)', [{ 'aws-load-balancer-type': 'nlb' }, { loadBalancerClass: undefined }], false],
    ['no class, no annotation', [{}, { loadBalancerClass: undefined }], false],
  ];
  for (const [name, args, managed] of cases) {
    it(`${name}: ${managed ? 'managed' : 'left alone'}`, () => assert.equal(serviceManagement(svc(...args), cfg).managed, managed));
  }
  it('a Service being deleted is not managed; with our finalizer it is torn down', () => {
    const s = svc();
    s.metadata = { ...s.metadata, deletionTimestamp: new Date(), finalizers: ['service.k8s.aws/resources'] };
    const r = build(s);
    assert.equal(r.action, 'teardown');
    assert.deepEqual(stackOf(r).resources, []);
  });
  it('ServiceTypeLoadBalancerOnly leaves NodePort Services alone', () => {
    const s = svc({ 'aws-load-balancer-type': 'nlb-ip' }, { type: 'NodePort', loadBalancerClass: undefined });
    assert.equal(serviceManagement(s, cfg).managed, true);
    assert.equal(serviceManagement(s, { ...cfg, serviceTypeLoadBalancerOnly: true }).managed, false);
  });
  it('a foreign Service is ignored: no stack, no issue', () => assert.equal(build(svc({}, { loadBalancerClass: 'other' })).action, 'ignored'));
});

describe('service/build: the NLB stack', () => {
  it('upstream\'s "Simple service" (no security groups): one listener, TG and binding, rules from the subnet CIDRs', () => {
    const s = svc({ 'aws-load-balancer-type': 'nlb-ip' }, { loadBalancerClass: undefined, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }] }, 'nlb-ip-svc-tls');
    s.metadata = { ...s.metadata, namespace: 'default', uid: 'bdca2bd0-bfc6-449a-88a3-03451f05f18c' };
    const facts = { ...FACTS, vpcId: 'vpc-xxx', subnets: [{ ...FACTS.subnets![2]!, id: 'subnet-1', cidrBlock: '192.168.0.0/19' }] };
    const stack = stackOf(build(s, { facts, config: { ...CONFIG, clusterName: 'my-cluster', gates: { ...DEFAULT_SERVICE_GATES, nlbSecurityGroup: false } } }));
    assert.deepEqual(stack.resources.map((r) => `${r.kind}/${r.id}`),
      ['LoadBalancer/LoadBalancer', 'Listener/80', 'TargetGroup/default/nlb-ip-svc-tls:80', 'TargetGroupBinding/default/nlb-ip-svc-tls:80']);
    const lb = one(stack, 'LoadBalancer');
    assert.equal(lb.name, 'k8s-default-nlbipsvc-6b0ba8ff70');
    assert.deepEqual([lb.type, lb.scheme, lb.ipAddressType, lb.subnets, lb.securityGroups], ['network', 'internal', 'ipv4', ['subnet-1'], []]);
    assert.deepEqual(lb.tags, { 'elbv2.k8s.aws/cluster': 'my-cluster', 'service.k8s.aws/stack': 'default/nlb-ip-svc-tls', 'service.k8s.aws/resource': 'LoadBalancer' });
    const tg = one(stack, 'TargetGroup');
    assert.equal(tg.name, 'k8s-default-nlbipsvc-d4818dcd51');
    assert.deepEqual(tg.healthCheck, { enabled: true, port: 'traffic-port', protocol: 'TCP', intervalSeconds: 10, timeoutSeconds: 10, healthyThresholdCount: 3, unhealthyThresholdCount: 3 });
    assert.deepEqual(tg.attributes, { 'proxy_protocol_v2.enabled': 'false' });
    const tgb = one(stack, 'TargetGroupBinding');
    assert.deepEqual(tgb.networking, { ingress: [{ from: [{ ipBlock: { cidr: '192.168.0.0/19' } }], ports: [{ protocol: 'TCP', port: 80 }] }] });
    assert.deepEqual(tgb.labels, { 'service.k8s.aws/stack-namespace': 'default', 'service.k8s.aws/stack-name': 'nlb-ip-svc-tls' });
    assert.equal(tgb.targetGroupProtocol, 'TCP');
  });

  it('by default: a managed frontend group open to the world on the listener port, node rules from that group on the NodePort', () => {
    const stack = stackOf(build(svc()));
    const sg = one(stack, 'SecurityGroup');
    assert.deepEqual(sg.ingress, [{ ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' }]);
    assert.equal(sg.description, '[k8s] Managed SecurityGroup for LoadBalancer');
    assert.deepEqual(one(stack, 'LoadBalancer').securityGroups, [managedSg]);
    assert.deepEqual(one(stack, 'LoadBalancer').subnets, ['subnet-priv-a', 'subnet-priv-b']);
    const tgb = one(stack, 'TargetGroupBinding');
    assert.equal(tgb.targetType, 'instance');
    assert.deepEqual(tgb.networking, { ingress: [{ from: [{ securityGroup: { groupID: managedSg } }], ports: [{ protocol: 'TCP', port: 30080 }] }] });
    assert.equal(one(stack, 'TargetGroup').port, 30080);
  });

  it('the backend security group seam: attached next to the managed group and admitted by the nodes', () => {
    const stack = stackOf(build(svc(), { config: { ...CONFIG, backendSecurityGroup: 'sg-backend' } }));
    assert.deepEqual(one(stack, 'LoadBalancer').securityGroups, [managedSg, 'sg-backend']);
    assert.deepEqual(one(stack, 'TargetGroupBinding').networking?.ingress[0]?.from, [{ securityGroup: { groupID: 'sg-backend' } }]);
  });

  it('externalTrafficPolicy Local with instance targets: HTTP /healthz on the healthCheckNodePort, its own node rule', () => {
    const stack = stackOf(build(svc({}, { externalTrafficPolicy: 'Local', healthCheckNodePort: 32000 })));
    const tg = one(stack, 'TargetGroup');
    assert.deepEqual(tg.healthCheck, {
      enabled: true, port: '32000', protocol: 'HTTP', path: '/healthz', intervalSeconds: 10, timeoutSeconds: 6,
      healthyThresholdCount: 2, unhealthyThresholdCount: 2, matcher: { httpCode: '200-399' },
    });
    assert.deepEqual(one(stack, 'TargetGroupBinding').networking?.ingress[0]?.ports, [{ protocol: 'TCP', port: 30080 }, { protocol: 'TCP', port: 32000 }]);
  });

  it('health-check annotations, with the advanced-config gate deciding timeout and matcher', () => {
    const a = {
      'aws-load-balancer-healthcheck-protocol': 'http', 'aws-load-balancer-healthcheck-path': '/ready', 'aws-load-balancer-healthcheck-port': 'tcp',
      'aws-load-balancer-healthcheck-interval': '30', 'aws-load-balancer-healthcheck-timeout': '20', 'aws-load-balancer-healthcheck-healthy-threshold': '4',
      'aws-load-balancer-healthcheck-unhealthy-threshold': '5', 'aws-load-balancer-healthcheck-success-codes': '200-299',
    };
    assert.deepEqual(one(stackOf(build(svc(a))), 'TargetGroup').healthCheck, {
      enabled: true, port: '30080', protocol: 'HTTP', path: '/ready', intervalSeconds: 30, timeoutSeconds: 20, healthyThresholdCount: 4, unhealthyThresholdCount: 5, matcher: { httpCode: '200-299' },
    });
    const off = one(stackOf(build(svc(a), { config: { ...CONFIG, gates: { ...DEFAULT_SERVICE_GATES, nlbHealthCheckAdvancedConfig: false } } })), 'TargetGroup').healthCheck;
    assert.equal(off.timeoutSeconds, 10);
    assert.equal(off.matcher, undefined);
    // a named port maps to the numeric targetPort for ip targets
    assert.equal(one(stackOf(build(svc({ ...a, 'aws-load-balancer-nlb-target-type': 'ip' }))), 'TargetGroup').healthCheck.port, '8080');
  });

  it('TLS on ssl-ports with the certificates, SSL policy and ALPN; backend-protocol ssl makes the target group TLS', () => {
    const ports = [TCP80, { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP', nodePort: 30443 }];
    const a = {
      'aws-load-balancer-ssl-cert': 'arn:aws:acm:us-east-1:1:certificate/a,arn:aws:acm:us-east-1:1:certificate/b', 'aws-load-balancer-ssl-ports': 'https',
      'aws-load-balancer-ssl-negotiation-policy': 'ELBSecurityPolicy-TLS13-1-2-2021-06', 'aws-load-balancer-alpn-policy': 'HTTP2Preferred',
    };
    const stack = stackOf(build(svc(a, { ports })));
    const tls = one(stack, 'Listener', '443');
    assert.deepEqual([tls.protocol, tls.sslPolicy, tls.certificates, tls.alpnPolicy],
      ['TLS', 'ELBSecurityPolicy-TLS13-1-2-2021-06', ['arn:aws:acm:us-east-1:1:certificate/a', 'arn:aws:acm:us-east-1:1:certificate/b'], ['HTTP2Preferred']]);
    const tcp = one(stack, 'Listener', '80');
    assert.deepEqual([tcp.protocol, tcp.sslPolicy, tcp.certificates, tcp.alpnPolicy], ['TCP', undefined, [], undefined]);
    assert.equal(one(stack, 'TargetGroup', 'shop/echo:443').protocol, 'TCP');
    assert.equal(one(stackOf(build(svc({ ...a, 'aws-load-balancer-backend-protocol': 'ssl' }, { ports }))), 'TargetGroup', 'shop/echo:443').protocol, 'TLS');
    // without ssl-ports every TCP port is TLS
    const all = stackOf(build(svc({ 'aws-load-balancer-ssl-cert': 'arn:aws:acm:us-east-1:1:certificate/a' }, { ports })));
    assert.deepEqual([one(all, 'Listener', '80').protocol, one(all, 'Listener', '443').protocol], ['TLS', 'TLS']);
  });

  it('a TCP and a UDP port on one number: one TCP_UDP listener when asked, an Issue otherwise', () => {
    const ports = [{ name: 'dns-tcp', port: 53, targetPort: 53, protocol: 'TCP', nodePort: 30053 }, { name: 'dns-udp', port: 53, targetPort: 53, protocol: 'UDP', nodePort: 30054 }];
    const merged = stackOf(build(svc({ 'aws-load-balancer-enable-tcp-udp-listener': 'true' }, { ports })));
    assert.equal(one(merged, 'Listener', '53').protocol, 'TCP_UDP');
    assert.equal(one(merged, 'TargetGroup').protocol, 'TCP_UDP');
    assert.deepEqual(one(merged, 'SecurityGroup').ingress.map((r) => r.ipProtocol), ['tcp', 'udp']);
    assert.deepEqual(one(merged, 'TargetGroupBinding').networking?.ingress[0]?.ports, [{ protocol: 'UDP', port: 30053 }, { protocol: 'TCP', port: 30053 }]);
    assert.deepEqual(issuesOf(build(svc({}, { ports }))).map((i) => [i.field, i.code]), [['spec.ports', 'ConflictingValue']]);
    // the gate turns it on for every Service; the annotation wins both ways
    const gated = { config: { ...CONFIG, gates: { ...DEFAULT_SERVICE_GATES, enableTCPUDPListener: true } } };
    assert.equal(one(stackOf(build(svc({}, { ports }), gated)), 'Listener').protocol, 'TCP_UDP');
    assert.equal(build(svc({ 'aws-load-balancer-enable-tcp-udp-listener': 'false' }, { ports }), gated).action === 'build' && issuesOf(build(svc({ 'aws-load-balancer-enable-tcp-udp-listener': 'false' }, { ports }), gated)).length, 1);
  });

  it('QUIC upgrades UDP and TCP_UDP ports only', () => {
    const udp = { name: 'q', port: 443, targetPort: 8443, protocol: 'UDP', nodePort: 30443 };
    const stack = stackOf(build(svc({ 'aws-load-balancer-quic-enabled-ports': 'q' }, { ports: [udp] })));
    assert.deepEqual([one(stack, 'Listener').protocol, one(stack, 'TargetGroup').protocol], ['QUIC', 'QUIC']);
    assert.deepEqual(issuesOf(build(svc({ 'aws-load-balancer-quic-enabled-ports': '80' }))).map((i) => i.field), [`${S}aws-load-balancer-quic-enabled-ports`]);
  });

  it('scheme: annotation, then the legacy internal flag, then the live NLB, then the default', () => {
    const scheme = (a: Record<string, string>, existing?: 'internal' | 'internet-facing'): string =>
      one(stackOf(build(svc(a), existing ? { existing: { scheme: existing, subnets: [], securityGroups: ['sg-1'] } } : {})), 'LoadBalancer').scheme;
    assert.equal(scheme({ 'aws-load-balancer-scheme': 'internet-facing', 'aws-load-balancer-internal': 'true' }), 'internet-facing');
    assert.equal(scheme({ 'aws-load-balancer-internal': 'false' }), 'internet-facing');
    assert.equal(scheme({}, 'internet-facing'), 'internet-facing');
    assert.equal(scheme({}), 'internal');
  });

  it('subnets: explicit (IDs or Name tags), the live NLB\'s while its scheme stays, else discovery (one AZ is enough)', () => {
    const subnets = (a: Record<string, string>, existing?: { scheme: 'internal' | 'internet-facing'; subnets: string[] }): unknown =>
      one(stackOf(build(svc(a), existing ? { existing: { ...existing, securityGroups: ['sg-1'] } } : {})), 'LoadBalancer').subnets;
    assert.deepEqual(subnets({ 'aws-load-balancer-subnets': 'public-a' }), ['subnet-pub-a']);
    assert.deepEqual(subnets({}, { scheme: 'internal', subnets: ['subnet-priv-b'] }), ['subnet-priv-b']);
    assert.deepEqual(subnets({ 'aws-load-balancer-scheme': 'internet-facing' }, { scheme: 'internal', subnets: ['subnet-priv-b'] }), ['subnet-pub-a', 'subnet-pub-b']);
    assert.deepEqual(issuesOf(build(svc({ 'aws-load-balancer-subnets': 'nope' }))).map((i) => i.code), ['SubnetsNotFound']);
  });

  it('per-subnet addresses: EIPs in subnet order, private IPs matched by CIDR, each checked as upstream', () => {
    const eips = stackOf(build(svc({ 'aws-load-balancer-scheme': 'internet-facing', 'aws-load-balancer-eip-allocations': 'eipalloc-1,eipalloc-2' })));
    assert.deepEqual(one(eips, 'LoadBalancer').subnetMappings, [{ subnetId: 'subnet-pub-a', allocationId: 'eipalloc-1' }, { subnetId: 'subnet-pub-b', allocationId: 'eipalloc-2' }]);
    const ips = stackOf(build(svc({ 'aws-load-balancer-private-ipv4-addresses': '10.0.160.9, 10.0.128.9' })));
    assert.deepEqual(one(ips, 'LoadBalancer').subnetMappings,
      [{ subnetId: 'subnet-priv-a', privateIPv4Address: '10.0.128.9' }, { subnetId: 'subnet-priv-b', privateIPv4Address: '10.0.160.9' }]);
    const codes = (a: Record<string, string>): string[] => issuesOf(build(svc(a))).map((i) => `${i.field.slice(S.length)}: ${i.reason}`);
    assert.match(codes({ 'aws-load-balancer-eip-allocations': 'eipalloc-1,eipalloc-2' })[0] ?? '', /internet-facing/);
    assert.match(codes({ 'aws-load-balancer-scheme': 'internet-facing', 'aws-load-balancer-eip-allocations': 'eipalloc-1' })[0] ?? '', /1 value\(s\) for 2 subnet/);
    assert.match(codes({ 'aws-load-balancer-private-ipv4-addresses': '10.0.128.9,10.0.129.9' })[0] ?? '', /exactly one address in subnet subnet-priv-a \(10.0.128.0\/19\), found 2/);
    assert.match(codes({ 'aws-load-balancer-ipv6-addresses': '2600::1,2600::2' })[0] ?? '', /dualstack/);
  });

  it('attributes: the deprecated single annotations win over aws-load-balancer-attributes on the same key', () => {
    const lb = one(stackOf(build(svc({
      'aws-load-balancer-attributes': 'load_balancing.cross_zone.enabled=false,deletion_protection.enabled=true',
      'aws-load-balancer-cross-zone-load-balancing-enabled': 'true', 'aws-load-balancer-access-log-enabled': 'true',
      'aws-load-balancer-access-log-s3-bucket-name': 'logs', 'aws-load-balancer-access-log-s3-bucket-prefix': 'nlb',
    }))), 'LoadBalancer');
    assert.deepEqual(lb.attributes, {
      'access_logs.s3.bucket': 'logs', 'access_logs.s3.enabled': 'true', 'access_logs.s3.prefix': 'nlb',
      'deletion_protection.enabled': 'true', 'load_balancing.cross_zone.enabled': 'true',
    });
    assert.deepEqual(issuesOf(build(svc({ 'aws-load-balancer-attributes': 'dns_record.client_routing_policy=nearest' }))).map((i) => i.code), ['InvalidAnnotation']);
  });

  it('target-group attributes: per port over Service-wide, proxy protocol per port, then * for all', () => {
    const ports = [TCP80, { name: 'b', port: 81, targetPort: 8081, protocol: 'TCP', nodePort: 30081 }];
    const stack = stackOf(build(svc({
      'aws-load-balancer-target-group-attributes': 'deregistration_delay.timeout_seconds=30,stickiness.enabled=true',
      'aws-load-balancer-target-group-attributes.81': 'deregistration_delay.timeout_seconds=5,stickiness.enabled=',
      'aws-load-balancer-proxy-protocol-per-target-group': '81',
    }, { ports })));
    assert.deepEqual(one(stack, 'TargetGroup', 'shop/echo:80').attributes,
      { 'deregistration_delay.timeout_seconds': '30', 'proxy_protocol_v2.enabled': 'false', 'stickiness.enabled': 'true' });
    assert.deepEqual(one(stack, 'TargetGroup', 'shop/echo:81').attributes,
      { 'deregistration_delay.timeout_seconds': '5', 'proxy_protocol_v2.enabled': 'true', 'stickiness.enabled': 'true' });
    const all = stackOf(build(svc({ 'aws-load-balancer-proxy-protocol': '*', 'aws-load-balancer-proxy-protocol-per-target-group': '81' }, { ports })));
    assert.equal(one(all, 'TargetGroup', 'shop/echo:80').attributes['proxy_protocol_v2.enabled'], 'true');
    assert.deepEqual(issuesOf(build(svc({ 'aws-load-balancer-proxy-protocol': 'v2' }))).map((i) => i.code), ['InvalidAnnotation']);
  });

  it('client ranges, prefix lists and ICMP for path MTU on the managed group; IPv6 ranges need dualstack', () => {
    const sg = one(stackOf(build(svc({ 'aws-load-balancer-security-group-prefix-lists': 'pl-1', 'aws-load-balancer-enable-icmp-for-path-mtu-discovery': 'on' },
      { loadBalancerSourceRanges: ['10.1.0.0/16'] }))), 'SecurityGroup');
    assert.deepEqual(sg.ingress, [
      { ipProtocol: 'icmp', fromPort: 3, toPort: 4, cidrIpv4: '10.1.0.0/16' },
      { ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '10.1.0.0/16' },
      { ipProtocol: 'tcp', fromPort: 80, toPort: 80, prefixListId: 'pl-1' },
    ]);
    // prefix lists alone: no 0.0.0.0/0
    assert.deepEqual(one(stackOf(build(svc({ 'aws-load-balancer-security-group-prefix-lists': 'pl-1' }))), 'SecurityGroup').ingress.map((r) => r.prefixListId), ['pl-1']);
    assert.deepEqual(issuesOf(build(svc({ 'load-balancer-source-ranges': '::/0' }))).map((i) => i.field), [`${S}load-balancer-source-ranges`]);
    const dual = one(stackOf(build(svc({ 'aws-load-balancer-ip-address-type': 'dualstack' }))), 'SecurityGroup');
    assert.deepEqual(dual.ingress.map((r) => r.cidrIpv4 ?? r.cidrIpv6), ['0.0.0.0/0', '::/0']);
  });

  it('security groups: the user\'s replace the managed one; rule management with them needs the backend group', () => {
    const stack = stackOf(build(svc({ 'aws-load-balancer-security-groups': 'web-sg' })));
    assert.equal(stack.resources.some((r) => r.kind === 'SecurityGroup'), false);
    assert.deepEqual(one(stack, 'LoadBalancer').securityGroups, ['sg-web']);
    assert.equal(one(stack, 'TargetGroupBinding').networking, undefined);
    assert.deepEqual(issuesOf(build(svc({ 'aws-load-balancer-security-groups': 'web-sg', 'aws-load-balancer-manage-backend-security-group-rules': 'true' }))).map((i) => i.code), ['Unsupported']);
    const withBackend = stackOf(build(svc({ 'aws-load-balancer-security-groups': 'sg-x', 'aws-load-balancer-manage-backend-security-group-rules': 'true' }), { config: { ...CONFIG, backendSecurityGroup: 'sg-b' } }));
    assert.deepEqual(one(withBackend, 'LoadBalancer').securityGroups, ['sg-x', 'sg-b']);
  });

  it('no security groups (disable-nlb-sg): client IPs preserved by instance targets, so node rules admit the clients (the VPC for internal)', () => {
    const stack = stackOf(build(svc({ 'aws-load-balancer-disable-nlb-sg': 'true' })));
    assert.deepEqual(one(stack, 'LoadBalancer').securityGroups, []);
    const ingress = one(stack, 'TargetGroupBinding').networking?.ingress;
    assert.deepEqual(ingress, [{ from: [{ ipBlock: { cidr: '10.0.0.0/16' } }], ports: [{ protocol: 'TCP', port: 30080 }] }]);
    const ranged = one(stackOf(build(svc({ 'aws-load-balancer-disable-nlb-sg': 'true' }, { loadBalancerSourceRanges: ['1.2.3.0/24'] }))), 'TargetGroupBinding').networking?.ingress;
    assert.deepEqual(ranged, [
      { from: [{ ipBlock: { cidr: '1.2.3.0/24' } }], ports: [{ protocol: 'TCP', port: 30080 }] },
      { from: [{ ipBlock: { cidr: '10.0.128.0/19' } }, { ipBlock: { cidr: '10.0.160.0/19' } }], ports: [{ protocol: 'TCP', port: 30080 }] },
    ]);
    // a live NLB with security groups cannot lose them
    assert.deepEqual(issuesOf(build(svc({ 'aws-load-balancer-disable-nlb-sg': 'true' }), { existing: { scheme: 'internal', subnets: [], securityGroups: ['sg-1'] } })).map((i) => i.code), ['ConflictingValue']);
    // a live NLB without security groups keeps none
    assert.deepEqual(one(stackOf(build(svc(), { existing: { scheme: 'internal', subnets: [], securityGroups: [] } })), 'LoadBalancer').securityGroups, []);
  });

  it('tags: additional-resource-tags everywhere, --default-tags win unless the gate lowers them; external-managed keys refused', () => {
    const config = { ...CONFIG, defaultTags: { team: 'infra', env: 'prod' } };
    const stack = stackOf(build(svc({ 'aws-load-balancer-additional-resource-tags': 'team=web,app=echo' }), { config }));
    for (const r of stack.resources.filter((x) => x.kind !== 'TargetGroupBinding')) {
      const tags = (r.spec as { tags: Record<string, string> }).tags;
      assert.deepEqual([tags.team, tags.env, tags.app], ['infra', 'prod', 'echo'], r.kind);
    }
    const low = stackOf(build(svc({ 'aws-load-balancer-additional-resource-tags': 'team=web' }), { config: { ...config, gates: { ...DEFAULT_SERVICE_GATES, enableDefaultTagsLowPriority: true } } }));
    assert.equal(one(low, 'LoadBalancer').tags.team, 'web');
    assert.deepEqual(issuesOf(build(svc({ 'aws-load-balancer-additional-resource-tags': 'owner=x' }), { config: { ...CONFIG, externalManagedTags: ['owner'] } })).map((i) => i.code), ['InvalidAnnotation']);
  });

  it('listener attributes by final protocol and port; refused on TLS; a key for no listener is a note', () => {
    const r = build(svc({ 'aws-load-balancer-listener-attributes.TCP-80': 'tcp.idle_timeout.seconds=600', 'aws-load-balancer-listener-attributes.UDP-53': 'x=y' }));
    assert.deepEqual(one(stackOf(r), 'Listener').attributes, { 'tcp.idle_timeout.seconds': '600' });
    assert.equal(r.action === 'build' && r.notes.length, 1);
    const tls = build(svc({ 'aws-load-balancer-ssl-cert': 'arn:aws:acm:us-east-1:1:certificate/a', 'aws-load-balancer-listener-attributes.TLS-80': 'a=b' }));
    assert.deepEqual(issuesOf(tls).map((i) => i.code), ['Unsupported']);
  });

  it('capacity reservation when the gate allows it', () => {
    assert.equal(one(stackOf(build(svc({ 'aws-load-balancer-minimum-load-balancer-capacity': 'CapacityUnits=1500' }))), 'LoadBalancer').minimumCapacityUnits, 1500);
    const off = { config: { ...CONFIG, gates: { ...DEFAULT_SERVICE_GATES, lbCapacityReservation: false } } };
    assert.equal(one(stackOf(build(svc({ 'aws-load-balancer-minimum-load-balancer-capacity': 'CapacityUnits=1500' }), off)), 'LoadBalancer').minimumCapacityUnits, undefined);
    assert.deepEqual(issuesOf(build(svc({ 'aws-load-balancer-minimum-load-balancer-capacity': 'Units=1' }))).map((i) => i.code), ['InvalidAnnotation']);
  });

  it('target nodes by label for instance targets only', () => {
    const tgb: TargetGroupBindingSpec = one(stackOf(build(svc({ 'aws-load-balancer-target-node-labels': 'pool=edge' }))), 'TargetGroupBinding');
    assert.deepEqual(tgb.nodeSelector, { matchLabels: { pool: 'edge' } });
    assert.equal(one(stackOf(build(svc({ 'aws-load-balancer-target-node-labels': 'pool=edge', 'aws-load-balancer-nlb-target-type': 'ip' }))), 'TargetGroupBinding').nodeSelector, undefined);
  });

  it('mistakes are Issues naming the Service and the field, and leave no stack', () => {
    const cases: [Record<string, string>, Partial<Parameters<typeof svc>[1]>, string, string][] = [
      [{ 'aws-load-balancer-scheme': 'public' }, {}, `${S}aws-load-balancer-scheme`, 'InvalidAnnotation'],
      [{ 'aws-load-balancer-nlb-target-type': 'IP' }, {}, `${S}aws-load-balancer-nlb-target-type`, 'InvalidAnnotation'],
      [{ 'aws-load-balancer-healthcheck-interval': '3' }, {}, `${S}aws-load-balancer-healthcheck-interval`, 'InvalidAnnotation'],
      [{ 'aws-load-balancer-ssl-ports': '*' }, {}, `${S}aws-load-balancer-ssl-ports`, 'InvalidAnnotation'],
      [{ 'aws-load-balancer-name': 'x'.repeat(33) }, {}, `${S}aws-load-balancer-name`, 'InvalidAnnotation'],
      [{ 'actions.TCP-80': '{"type":"forward"}' }, {}, `${S}actions.TCP-80`, 'UnsupportedAnnotation'],
      [{}, { type: 'ClusterIP' }, 'spec.type', 'InvalidServiceType'],
      [{}, { ports: [{ port: 80, protocol: 'TCP' }] }, 'spec.ports', 'NodePortNotAllocated'],
      [{}, { ports: [{ port: 80, protocol: 'SCTP', nodePort: 30001 }] }, 'spec.ports', 'InvalidSpec'],
      [{}, { ports: [] }, 'spec.ports', 'InvalidSpec'],
      [{}, { ipFamilies: ['IPv6'] }, 'spec.ipFamilies', 'InvalidSpec'],
      [{ 'aws-load-balancer-inbound-sg-rules-on-private-link-traffic': 'yes' }, {}, `${S}aws-load-balancer-inbound-sg-rules-on-private-link-traffic`, 'InvalidAnnotation'],
    ];
    for (const [a, spec, field, code] of cases) {
      const r = build(svc(a, spec));
      assert.equal(r.action === 'build' && r.stack, undefined, JSON.stringify(a));
      assert.deepEqual(issuesOf(r).map((i) => [i.field, i.code]), [[field, code]], `${JSON.stringify(a)} ${JSON.stringify(spec)}`);
      assert.ok(r.action !== 'ignored' && r.issues.every((i) => i.object.kind === 'Service' && i.object.name === 'echo'));
    }
  });

  it('aws-load-balancer-multi-cluster-target-group marks the binding multi-cluster (ADR 20)', () => {
    assert.equal(one(stackOf(build(svc({ 'aws-load-balancer-multi-cluster-target-group': 'true' }))), 'TargetGroupBinding').multiClusterTargetGroup, true);
    assert.equal(one(stackOf(build(svc({ 'aws-load-balancer-multi-cluster-target-group': 'False' }))), 'TargetGroupBinding').multiClusterTargetGroup, undefined);
  });

  it('deletion protection holds a teardown with an Issue', () => {
    const s = svc({ 'aws-load-balancer-attributes': 'deletion_protection.enabled=true' }, { loadBalancerClass: 'other' });
    s.metadata = { ...s.metadata, finalizers: ['service.k8s.aws/resources'] };
    const r = build(s);
    assert.equal(r.action, 'teardown');
    assert.deepEqual(issuesOf(r).map((i) => i.code), ['DeletionProtected']);
  });

  it('without discovery, the VPC and subnets are known later; the plan says so', () => {
    const stack = stackOf(build(svc(), { facts: {} }));
    assert.deepEqual(one(stack, 'LoadBalancer').subnets, { $unknown: 'discovery:subnets' });
    assert.deepEqual(one(stack, 'TargetGroup').vpcId, { $unknown: 'discovery:vpc' });
  });
});
