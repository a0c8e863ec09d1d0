import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AuthorizeSecurityGroupIngressCommand, DescribeInstancesCommand, DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand,
  EC2Client, RevokeSecurityGroupIngressCommand,
  type Filter, type Instance, type IpPermission, type NetworkInterface, type SecurityGroup,
} from '@aws-sdk/client-ec2';
import {
  InstanceEniCache, NETWORKING_RULE_DESCRIPTION, bindingPermissions, bindingsWithout, coalescePermissions, diffPermissions, isLabelled,
  reconcileNetworking, resolveNetworkingPorts, revokeRulesFromSources, selectSecurityGroup,
  type BindingNetworking, type IngressPermission, type NetworkingBinding,
} from '../../../src/targets/networking.ts';

const CLUSTER = 'unit';
const TAG = `kubernetes.io/cluster/${CLUSTER}`;
const LABEL = NETWORKING_RULE_DESCRIPTION;
const VPC = 'vpc-1';

// ---- a small in-memory EC2 behind aws-sdk-client-mock: filters as EC2 applies them, atomic Authorize/Revoke
interface Rule { proto: string; from?: number; to?: number; src: string; desc?: string }
interface FakeSg { id: string; vpc: string; tags: Record<string, string>; rules: Rule[] }
interface FakeEni { id: string; ip: string; vpc: string; groups: string[] }
interface FakeInstance { id: string; eni: FakeEni }

class FakeEc2 {
  sgs = new Map<string, FakeSg>();
  enis: FakeEni[] = [];
  instances: FakeInstance[] = [];

  sg(id: string, opts: { tagged?: boolean; rules?: Rule[]; vpc?: string } = {}): this {
    this.sgs.set(id, { id, vpc: opts.vpc ?? VPC, tags: opts.tagged ? { [TAG]: 'owned' } : {}, rules: opts.rules ?? [] });
    return this;
  }
  instance(id: string, eniId: string, groups: string[]): this {
    this.instances.push({ id, eni: { id: eniId, ip: `10.0.0.${this.instances.length + 10}`, vpc: VPC, groups } });
    return this;
  }
  eni(id: string, ip: string, groups: string[], vpc = VPC): this {
    this.enis.push({ id, ip, vpc, groups });
    return this;
  }
  rules(id: string): Rule[] {
    return this.sgs.get(id)?.rules ?? [];
  }
}

const values = (filters: Filter[] | undefined, name: string): string[] | undefined => filters?.find((f) => f.Name === name)?.Values;
const ruleKey = (r: Rule): string => `${r.proto}|${r.from ?? ''}|${r.to ?? ''}|${r.src}`;
const awsErr = (code: string): Error => Object.assign(new Error(code), { name: code, Code: code, $metadata: { httpStatusCode: 400 } });

function rulesOf(perms: IpPermission[] | undefined): Rule[] {
  const out: Rule[] = [];
  for (const p of perms ?? []) {
    const base = { proto: p.IpProtocol ?? '-1', ...(p.FromPort !== undefined ? { from: p.FromPort } : {}), ...(p.ToPort !== undefined ? { to: p.ToPort } : {}) };
    for (const r of p.IpRanges ?? []) out.push({ ...base, src: `cidr:${r.CidrIp}`, ...(r.Description ? { desc: r.Description } : {}) });
    for (const r of p.Ipv6Ranges ?? []) out.push({ ...base, src: `cidr6:${r.CidrIpv6}`, ...(r.Description ? { desc: r.Description } : {}) });
    for (const g of p.UserIdGroupPairs ?? []) out.push({ ...base, src: `sg:${g.GroupId}`, ...(g.Description ? { desc: g.Description } : {}) });
  }
  return out;
}

function toPermission(r: Rule): IpPermission {
  const base: IpPermission = { IpProtocol: r.proto, ...(r.from !== undefined ? { FromPort: r.from } : {}), ...(r.to !== undefined ? { ToPort: r.to } : {}) };
  const d = r.desc ? { Description: r.desc } : {};
  const [kind, value] = [r.src.slice(0, r.src.indexOf(':')), r.src.slice(r.src.indexOf(':') + 1)];
  if (kind === 'sg') return { ...base, UserIdGroupPairs: [{ GroupId: value, UserId: '123456789012', ...d }] };
  if (kind === 'cidr6') return { ...base, Ipv6Ranges: [{ CidrIpv6: value, ...d }] };
  return { ...base, IpRanges: [{ CidrIp: value, ...d }] };
}

const eniShape = (e: FakeEni): NetworkInterface => ({
  NetworkInterfaceId: e.id, PrivateIpAddress: e.ip, VpcId: e.vpc, Groups: e.groups.map((GroupId) => ({ GroupId })),
});

function install(mock: ReturnType<typeof mockClient>, fake: FakeEc2): void {
  mock.on(DescribeInstancesCommand).callsFake((input: { Filters?: Filter[] }) => {
    const ids = values(input.Filters, 'instance-id');
    const Instances: Instance[] = fake.instances.filter((i) => !ids || ids.includes(i.id)).map((i) => ({
      InstanceId: i.id,
      NetworkInterfaces: [{ ...eniShape(i.eni), Attachment: { DeviceIndex: 0 } }],
    }));
    return { Reservations: Instances.length ? [{ Instances }] : [] };
  });
  mock.on(DescribeNetworkInterfacesCommand).callsFake((input: { Filters?: Filter[] }) => {
    const ips = values(input.Filters, 'addresses.private-ip-address');
    const vpc = values(input.Filters, 'vpc-id');
    return { NetworkInterfaces: fake.enis.filter((e) => (!ips || ips.includes(e.ip)) && (!vpc || vpc.includes(e.vpc))).map(eniShape) };
  });
  mock.on(DescribeSecurityGroupsCommand).callsFake((input: { Filters?: Filter[]; GroupIds?: string[] }) => {
    const f = input.Filters;
    const SecurityGroups: SecurityGroup[] = [...fake.sgs.values()].filter((sg) =>
      (!values(f, 'tag-key') || values(f, 'tag-key')!.some((k) => k in sg.tags))
      && (!values(f, 'vpc-id') || values(f, 'vpc-id')!.includes(sg.vpc))
      && (!values(f, 'group-id') || values(f, 'group-id')!.includes(sg.id))
      && (!values(f, 'ip-permission.group-id') || sg.rules.some((r) => values(f, 'ip-permission.group-id')!.some((g) => r.src === `sg:${g}`))),
    ).map((sg) => ({ GroupId: sg.id, VpcId: sg.vpc, IpPermissions: sg.rules.map(toPermission), Tags: Object.entries(sg.tags).map(([Key, Value]) => ({ Key, Value })) }));
    return { SecurityGroups };
  });
  mock.on(AuthorizeSecurityGroupIngressCommand).callsFake((input: { GroupId: string; IpPermissions: IpPermission[] }) => {
    const sg = fake.sgs.get(input.GroupId);
    if (!sg) throw awsErr('InvalidGroup.NotFound');
    const add = rulesOf(input.IpPermissions);
    const have = new Set(sg.rules.map(ruleKey));
    if (add.some((r) => have.has(ruleKey(r)))) throw awsErr('InvalidPermission.Duplicate');
    sg.rules.push(...add);
    return { Return: true };
  });
  mock.on(RevokeSecurityGroupIngressCommand).callsFake((input: { GroupId: string; IpPermissions: IpPermission[] }) => {
    const sg = fake.sgs.get(input.GroupId);
    if (!sg) throw awsErr('InvalidGroup.NotFound');
    const drop = new Set(rulesOf(input.IpPermissions).map(ruleKey));
    const have = new Set(sg.rules.map(ruleKey));
    if ([...drop].some((k) => !have.has(k))) throw awsErr('InvalidPermission.NotFound');
    sg.rules = sg.rules.filter((r) => !drop.has(ruleKey(r)));
    return { Return: true };
  });
}

const fromSg = (groupID: string, ...ports: (number | string | undefined)[]) => ({
  ingress: [{ from: [{ securityGroup: { groupID } }], ports: ports.map((port) => ({ protocol: 'TCP' as const, ...(port !== undefined ? { port } : {}) })) }],
});
const instanceBinding = (key: string, ids: string[], networking: BindingNetworking = fromSg('sg-lb', 8080)): NetworkingBinding =>
  ({ key, targetType: 'instance', networking, targets: ids.map((id) => ({ id, port: 30080 })) });
const ipBinding = (key: string, ips: string[], networking: BindingNetworking = fromSg('sg-lb', 8080)): NetworkingBinding =>
  ({ key, targetType: 'ip', networking, targets: ips.map((id) => ({ id, port: 8080 })) });
const labelled = (src: string, port: number): Rule => ({ proto: 'tcp', from: port, to: port, src, desc: LABEL });

describe('targets/networking: pure parts', () => {
  const eni = (groups: string[]) => ({ networkInterfaceId: 'eni-1', privateIps: ['10.0.0.1'], securityGroupIds: groups });

  it('selects the only group of an ENI, tagged or not', () => {
    assert.deepEqual(selectSecurityGroup(eni(['sg-a']), new Set()), { groupId: 'sg-a' });
  });

  it('selects the single cluster-tagged group among several', () => {
    assert.deepEqual(selectSecurityGroup(eni(['sg-a', 'sg-node', 'sg-b']), new Set(['sg-node', 'sg-other'])), { groupId: 'sg-node' });
  });

  it('returns an error value naming the ENI when no group or several groups carry the tag', () => {
    const none = selectSecurityGroup(eni(['sg-a', 'sg-b']), new Set());
    assert.ok('error' in none && /eni-1/.test(none.error) && /none carries the cluster tag/.test(none.error));
    const two = selectSecurityGroup(eni(['sg-a', 'sg-b']), new Set(['sg-a', 'sg-b']));
    assert.ok('error' in two && /eni-1/.test(two.error) && /expected exactly one/.test(two.error));
    const empty = selectSecurityGroup(eni([]), new Set());
    assert.ok('error' in empty && /eni-1/.test(empty.error));
  });

  it('turns binding rules into labelled permissions: port-less opens nothing, CIDRs v4 and v6, numeric strings', () => {
    const { permissions, problems } = bindingPermissions({
      ingress: [
        { from: [{ securityGroup: { groupID: 'sg-lb' } }], ports: [] },
        { from: [{ ipBlock: { cidr: '10.1.0.0/16' } }, { ipBlock: { cidr: '2600:1f::/56' } }], ports: [{ protocol: 'TCP', port: '8443' }, { protocol: 'UDP', port: 53 }] },
      ],
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(permissions, [
      { protocol: 'tcp', fromPort: 8443, toPort: 8443, source: { cidr: '10.1.0.0/16' }, description: LABEL },
      { protocol: 'udp', fromPort: 53, toPort: 53, source: { cidr: '10.1.0.0/16' }, description: LABEL },
      { protocol: 'tcp', fromPort: 8443, toPort: 8443, source: { cidrIpv6: '2600:1f::/56' }, description: LABEL },
      { protocol: 'udp', fromPort: 53, toPort: 53, source: { cidrIpv6: '2600:1f::/56' }, description: LABEL },
    ]);
  });

  it('reports unresolved group references and named ports as problems, keeping the good permissions', () => {
    const { permissions, problems } = bindingPermissions({
      ingress: [{ from: [{ securityGroup: { groupID: '$ref:SecurityGroup/ManagedLBSecurityGroup' } }, { securityGroup: { groupID: 'sg-lb' } }], ports: [{ port: 'http' }, { port: 80 }] }],
    });
    assert.equal(permissions.length, 1);
    assert.deepEqual(permissions[0]?.fromPort, 80);
    assert.equal(problems.length, 2);
    assert.match(problems.join('\n'), /not a resolved sg- ID/);
    assert.match(problems.join('\n'), /named port "http"/);
  });

  it('never opens every port: a port entry without a port is a problem until resolved', () => {
    const { permissions, problems } = bindingPermissions({ ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'UDP' }] }] });
    assert.deepEqual(permissions, []);
    assert.match(problems.join('\n'), /without a port must be resolved/);
  });

  it('resolves absent ports to the traffic ports and named ports to the target ports, keeping numbers', () => {
    const resolved = resolveNetworkingPorts({
      ingress: [
        { from: [{ securityGroup: { groupID: 'sg-lb' } }], ports: [] },
        { from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] },
        { from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ protocol: 'UDP' }, { port: 'http' }, { protocol: 'TCP', port: 9000 }] },
      ],
    }, [8080], [8080, 9090]);
    assert.deepEqual(resolved?.ingress?.map((r) => r.ports), [
      [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 9090 }],
      [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 9090 }],
      [{ protocol: 'UDP', port: 8080 }, { protocol: 'UDP', port: 9090 }, { protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 9000 }],
    ]);
    assert.deepEqual(resolveNetworkingPorts({ ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [] }] }, [])?.ingress?.[0]?.ports, [], 'no targets: no port');
    assert.equal(resolveNetworkingPorts(undefined, [80]), undefined);
  });

  it('property: whatever the rules, the resolved permissions never span more than one port', () => {
    const port = fc.oneof(fc.constant(undefined), fc.constant(''), fc.integer({ min: -5, max: 70_000 }), fc.string({ maxLength: 6 }), fc.integer({ min: 0, max: 65535 }).map(String));
    const rule = fc.record({
      from: fc.array(fc.oneof(fc.record({ ipBlock: fc.record({ cidr: fc.constantFrom('0.0.0.0/0', '10.0.0.0/8', '::/0', 'bad') }) }), fc.record({ securityGroup: fc.record({ groupID: fc.constantFrom('sg-1', 'sg-abc', 'x') }) })), { maxLength: 3 }),
      ports: fc.option(fc.array(fc.record({ protocol: fc.option(fc.constantFrom('TCP' as const, 'UDP' as const), { nil: undefined }), port }, { requiredKeys: ['protocol'] }), { maxLength: 4 }), { nil: undefined }),
    }, { requiredKeys: ['from'] });
    fc.assert(fc.property(fc.array(rule, { maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 65535 }), { maxLength: 3 }), (ingress, targetPorts) => {
      const resolved = resolveNetworkingPorts({ ingress: ingress as never }, targetPorts, targetPorts);
      for (const p of bindingPermissions(resolved).permissions) {
        assert.equal(p.fromPort, p.toPort, `${JSON.stringify(p)} spans a range`);
        assert.ok(p.fromPort !== undefined && p.fromPort >= 0 && p.fromPort <= 65535);
      }
      for (const p of bindingPermissions({ ingress: ingress as never }).permissions) assert.equal(p.fromPort, p.toPort, 'unresolved rules never open a range either');
    }), { numRuns: 2_000 });
  });

  it('recognises the label inside a comma-separated description only as a whole pair', () => {
    assert.ok(isLabelled(LABEL));
    assert.ok(isLabelled(`team=web, ${LABEL}`));
    assert.ok(!isLabelled('elbv2.k8s.aws/targetGroupBinding=other'));
    assert.ok(!isLabelled(undefined));
  });

  it('diffs: authorizes what is missing, revokes only labelled stale permissions, and counts an identical unlabelled one as present', () => {
    const p = (port: number, src: string, description?: string): IngressPermission =>
      ({ protocol: 'tcp', fromPort: port, toPort: port, source: { groupId: src }, ...(description ? { description } : {}) });
    const d = diffPermissions(
      [p(80, 'sg-lb', LABEL), p(443, 'sg-lb', LABEL), p(9000, 'sg-lb', LABEL)],
      [p(80, 'sg-lb', LABEL), p(8080, 'sg-old', LABEL), p(22, 'sg-bastion', 'ssh'), p(9000, 'sg-lb', 'by hand')],
    );
    assert.deepEqual(d.authorize, [p(443, 'sg-lb', LABEL)]);
    assert.deepEqual(d.revoke, [p(8080, 'sg-old', LABEL)]);
  });

  it('coalesces the permissions from one source group and protocol into one range, as upstream; CIDR sources stay per port', () => {
    const sg = (from: number, to: number, src = 'sg-backend', protocol = 'tcp'): IngressPermission =>
      ({ protocol, fromPort: from, toPort: to, source: { groupId: src }, description: LABEL });
    const cidr = (port: number): IngressPermission => ({ protocol: 'tcp', fromPort: port, toPort: port, source: { cidr: '10.0.0.0/16' }, description: LABEL });
    assert.deepEqual(coalescePermissions([sg(31000, 31000), cidr(80), sg(30080, 30080), sg(8080, 8080, 'sg-other'), sg(30500, 30500), cidr(443), sg(53, 53, 'sg-backend', 'udp')]), [
      cidr(80), cidr(443), sg(30080, 31000), sg(8080, 8080, 'sg-other'), sg(53, 53, 'sg-backend', 'udp'),
    ]);
    // a rule for every port (a binding rule without ports) makes the range 0-65535
    assert.deepEqual(coalescePermissions([sg(30080, 30080), sg(0, 65535)]), [sg(0, 65535)]);
    assert.deepEqual(coalescePermissions([]), []);
  });

  it('bindingsWithout drops one binding by key', () => {
    assert.deepEqual(bindingsWithout([instanceBinding('a/x', ['i-1']), instanceBinding('a/y', ['i-1'])], 'a/x').map((b) => b.key), ['a/y']);
  });
});

describe('targets/networking: reconcileNetworking', () => {
  const ec2 = new EC2Client({ region: 'us-east-1' });
  const mock = mockClient(EC2Client);
  let fake: FakeEc2;
  beforeEach(() => {
    mock.reset();
    fake = new FakeEc2();
    install(mock, fake);
  });
  after(() => mock.restore());

  const calls = (cmd: Parameters<typeof mock.commandCalls>[0]) => mock.commandCalls(cmd).length;
  const writes = () => calls(AuthorizeSecurityGroupIngressCommand) + calls(RevokeSecurityGroupIngressCommand);

  it('instance mode: one DescribeInstances for all nodes, one labelled rule per source group (its ports coalesced) on the node group, one Authorize call', async () => {
    fake.sg('sg-node', { tagged: true }).sg('sg-lb').instance('i-1', 'eni-1', ['sg-node']).instance('i-2', 'eni-2', ['sg-node']);
    const r = await reconcileNetworking({ ec2, clusterName: CLUSTER, vpcId: VPC, bindings: [instanceBinding('web/a', ['i-1', 'i-2'], fromSg('sg-lb', 30080, 30081))] });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(fake.rules('sg-node'), [{ ...labelled('sg:sg-lb', 30080), to: 30081 }]);
    assert.equal(calls(DescribeInstancesCommand), 1);
    assert.deepEqual(mock.commandCalls(DescribeInstancesCommand)[0]?.args[0].input.Filters, [{ Name: 'instance-id', Values: ['i-1', 'i-2'] }]);
    assert.equal(calls(AuthorizeSecurityGroupIngressCommand), 1);
    assert.equal(calls(DescribeSecurityGroupsCommand), 1, 'the node group carries the cluster tag: the tag query finds it');
    assert.equal(calls(DescribeNetworkInterfacesCommand), 0);
    assert.deepEqual([r.authorized, r.revoked, r.writeCalls], [1, 0, 1]);
    assert.deepEqual(r.securityGroups, ['sg-node']);
  });

  it('makes no write when in sync, and the instance cache saves DescribeInstances the second time', async () => {
    fake.sg('sg-node', { tagged: true }).instance('i-1', 'eni-1', ['sg-node']);
    const cache = new InstanceEniCache();
    const input = { ec2, clusterName: CLUSTER, bindings: [instanceBinding('web/a', ['i-1'])], instanceCache: cache };
    await reconcileNetworking(input);
    mock.resetHistory();
    const r = await reconcileNetworking(input);
    assert.equal(writes(), 0);
    assert.deepEqual([r.authorized, r.revoked, r.writeCalls, r.changes.length], [0, 0, 0, 0]);
    assert.equal(calls(DescribeInstancesCommand), 0);
    assert.equal(mock.calls().length, 1, 'one DescribeSecurityGroups is the whole cost of a steady-state run');
  });

  it('ip mode: one DescribeNetworkInterfaces for every pod IP, scoped to the VPC', async () => {
    fake.sg('sg-node', { tagged: true }).eni('eni-p1', '10.0.1.1', ['sg-node']).eni('eni-p2', '10.0.1.2', ['sg-node']).eni('eni-x', '10.0.1.1', ['sg-node'], 'vpc-other');
    const r = await reconcileNetworking({ ec2, clusterName: CLUSTER, vpcId: VPC, bindings: [ipBinding('web/a', ['10.0.1.1', '10.0.1.2'])] });
    assert.deepEqual(r.errors, []);
    assert.equal(calls(DescribeNetworkInterfacesCommand), 1);
    assert.deepEqual(mock.commandCalls(DescribeNetworkInterfacesCommand)[0]?.args[0].input.Filters, [
      { Name: 'addresses.private-ip-address', Values: ['10.0.1.1', '10.0.1.2'] }, { Name: 'vpc-id', Values: [VPC] },
    ]);
    assert.deepEqual(fake.rules('sg-node'), [labelled('sg:sg-lb', 8080)]);
  });

  it('aggregates bindings per group: instance and ip bindings on the same group, different groups for different ENIs', async () => {
    fake.sg('sg-node', { tagged: true }).sg('sg-pods').sg('sg-extra')
      .instance('i-1', 'eni-1', ['sg-node', 'sg-extra'])
      .eni('eni-p1', '10.0.1.1', ['sg-node'])
      .eni('eni-p2', '10.0.2.1', ['sg-pods']);
    const r = await reconcileNetworking({ ec2, clusterName: CLUSTER, bindings: [
      instanceBinding('web/a', ['i-1'], fromSg('sg-lb1', 30080)),
      ipBinding('web/b', ['10.0.1.1'], fromSg('sg-lb2', 8080)),
      ipBinding('web/c', ['10.0.2.1'], { ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16' } }], ports: [{ protocol: 'TCP', port: 8080 }] }] }),
      ipBinding('web/d', ['10.0.1.1'], fromSg('sg-lb2', 8080)),
    ] });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(fake.rules('sg-node'), [labelled('sg:sg-lb1', 30080), labelled('sg:sg-lb2', 8080)]);
    assert.deepEqual(fake.rules('sg-pods'), [{ proto: 'tcp', from: 8080, to: 8080, src: 'cidr:10.0.0.0/16', desc: LABEL }]);
    assert.deepEqual(fake.rules('sg-extra'), [], 'the untagged second group of a multi-group ENI gets nothing');
    assert.equal(calls(AuthorizeSecurityGroupIngressCommand), 2, 'one call per group');
    assert.equal(calls(DescribeSecurityGroupsCommand), 2, 'tag query, then one query for the untagged single group');
    assert.deepEqual(mock.commandCalls(DescribeSecurityGroupsCommand)[1]?.args[0].input.Filters, [{ Name: 'group-id', Values: ['sg-pods'] }]);
  });

  it('revokes only labelled permissions nobody wants any more; unlabelled ones stay, even with the same source', async () => {
    fake.sg('sg-node', { tagged: true, rules: [
      labelled('sg:sg-lb', 8080), labelled('sg:sg-gone', 9090),
      { proto: 'tcp', from: 9091, to: 9091, src: 'sg:sg-gone', desc: 'added by hand' },
      { proto: 'tcp', from: 22, to: 22, src: 'cidr:10.0.0.0/8' },
    ] }).instance('i-1', 'eni-1', ['sg-node']);
    const r = await reconcileNetworking({ ec2, clusterName: CLUSTER, bindings: [instanceBinding('web/a', ['i-1'])] });
    assert.deepEqual([r.authorized, r.revoked], [0, 1]);
    assert.deepEqual(fake.rules('sg-node'), [
      labelled('sg:sg-lb', 8080),
      { proto: 'tcp', from: 9091, to: 9091, src: 'sg:sg-gone', desc: 'added by hand' },
      { proto: 'tcp', from: 22, to: 22, src: 'cidr:10.0.0.0/8' },
    ]);
    const revoke = mock.commandCalls(RevokeSecurityGroupIngressCommand)[0]?.args[0].input;
    assert.deepEqual(revoke?.IpPermissions, [{ IpProtocol: 'tcp', FromPort: 9090, ToPort: 9090, UserIdGroupPairs: [{ GroupId: 'sg-gone', UserId: '123456789012', Description: LABEL }] }]);
  });

  it('with no bindings left, revokes every labelled permission on the tagged groups (and on named extra groups)', async () => {
    fake.sg('sg-node', { tagged: true, rules: [labelled('sg:sg-lb', 8080), { proto: 'tcp', from: 22, to: 22, src: 'cidr:10.0.0.0/8' }] })
      .sg('sg-untagged', { rules: [labelled('cidr:10.0.0.0/16', 80)] })
      .sg('sg-other', { rules: [labelled('sg:sg-lb', 80)] });
    const r = await reconcileNetworking({ ec2, clusterName: CLUSTER, bindings: [], extraSecurityGroupIds: ['sg-untagged', 'sg-missing'] });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(fake.rules('sg-node'), [{ proto: 'tcp', from: 22, to: 22, src: 'cidr:10.0.0.0/8' }]);
    assert.deepEqual(fake.rules('sg-untagged'), []);
    assert.deepEqual(fake.rules('sg-other'), [labelled('sg:sg-lb', 80)], 'a group neither tagged nor named is not looked at');
    assert.deepEqual(r.securityGroups, ['sg-node', 'sg-untagged']);
  });

  it('an ambiguous ENI is an error value (not a throw): other bindings still get their rules; only rules from sources nobody names are revoked', async () => {
    fake.sg('sg-node', { tagged: true, rules: [labelled('sg:sg-old', 1234), labelled('sg:sg-lb', 1234)] }).sg('sg-a').sg('sg-b')
      .instance('i-1', 'eni-1', ['sg-node'])
      .instance('i-2', 'eni-2', ['sg-a', 'sg-b']);
    const r = await reconcileNetworking({ ec2, clusterName: CLUSTER, bindings: [instanceBinding('web/a', ['i-1']), instanceBinding('web/b', ['i-2'], fromSg('sg-lb', 9000))] });
    assert.equal(r.errors.length, 1);
    assert.deepEqual({ ...r.errors[0], message: undefined }, { binding: 'web/b', target: 'i-2', networkInterfaceId: 'eni-2', message: undefined });
    assert.match(r.errors[0]?.message ?? '', /eni-2/);
    assert.ok(r.revocationsHeld);
    // sg-lb:1234 might be wanted by the binding we could not place; sg-old is named by no binding at all
    assert.deepEqual(fake.rules('sg-node'), [labelled('sg:sg-lb', 1234), labelled('sg:sg-lb', 8080)]);
  });

  it('revokes nothing while a binding names a group that is not resolved yet', async () => {
    fake.sg('sg-node', { tagged: true, rules: [labelled('sg:sg-old', 1234)] }).instance('i-1', 'eni-1', ['sg-node']);
    const r = await reconcileNetworking({ ec2, clusterName: CLUSTER, bindings: [instanceBinding('web/a', ['i-1'], fromSg('ManagedLBSecurityGroup', 80))] });
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]?.binding, 'web/a');
    assert.ok(r.revocationsHeld);
    assert.equal(writes(), 0);
  });

  it('a target without an ENI is an error value naming the target', async () => {
    fake.sg('sg-node', { tagged: true });
    const r = await reconcileNetworking({ ec2, clusterName: CLUSTER, bindings: [ipBinding('web/a', ['10.9.9.9']), instanceBinding('web/b', ['i-gone'])] });
    assert.deepEqual(r.errors.map((e) => [e.binding, e.target]), [['web/a', '10.9.9.9'], ['web/b', 'i-gone']]);
    assert.equal(writes(), 0);
  });

  it('bindings without rules or without targets cost no lookup', async () => {
    fake.sg('sg-node', { tagged: true });
    await reconcileNetworking({ ec2, clusterName: CLUSTER, bindings: [
      { key: 'web/a', targetType: 'instance', targets: [{ id: 'i-1', port: 1 }] },
      instanceBinding('web/b', []),
      ipBinding('web/c', ['10.0.0.1'], { ingress: [] }),
    ] });
    assert.deepEqual(mock.calls().map((c) => c.args[0].constructor.name), ['DescribeSecurityGroupsCommand']);
  });

  it('treats InvalidPermission.Duplicate on authorize as success, retrying the rest one by one', async () => {
    fake.sg('sg-node', { tagged: true }).instance('i-1', 'eni-1', ['sg-node']);
    // another writer adds one of the two rules between our read and our write
    let raced = false;
    mock.on(DescribeSecurityGroupsCommand).callsFake(() => ({ SecurityGroups: [{ GroupId: 'sg-node', Tags: [{ Key: TAG, Value: 'owned' }], IpPermissions: [] }] }));
    const authorize = mock.on(AuthorizeSecurityGroupIngressCommand);
    authorize.callsFake((input: { GroupId: string; IpPermissions: IpPermission[] }) => {
      if (!raced) { raced = true; fake.rules('sg-node').push(labelled('sg:sg-lb', 80)); }
      const add = rulesOf(input.IpPermissions);
      const have = new Set(fake.rules('sg-node').map(ruleKey));
      if (add.some((x) => have.has(ruleKey(x)))) throw awsErr('InvalidPermission.Duplicate');
      fake.rules('sg-node').push(...add);
      return {};
    });
    // two source groups: two permissions that no coalescing merges
    const twoSources: BindingNetworking = { ingress: [{ from: [{ securityGroup: { groupID: 'sg-lb' } }, { securityGroup: { groupID: 'sg-lb2' } }], ports: [{ protocol: 'TCP', port: 80 }] }] };
    const r = await reconcileNetworking({ ec2, clusterName: CLUSTER, bindings: [instanceBinding('web/a', ['i-1'], twoSources)] });
    assert.deepEqual(r.errors, []);
    assert.equal(r.writeCalls, 3, 'the batch, then each permission alone');
    assert.deepEqual(fake.rules('sg-node').map(ruleKey).sort(), ['tcp|80|80|sg:sg-lb', 'tcp|80|80|sg:sg-lb2']);
  });

  it('treats InvalidPermission.NotFound on revoke as success', async () => {
    fake.sg('sg-node', { tagged: true, rules: [labelled('sg:sg-old', 80)] });
    mock.on(RevokeSecurityGroupIngressCommand).rejects(awsErr('InvalidPermission.NotFound'));
    const r = await reconcileNetworking({ ec2, clusterName: CLUSTER, bindings: [] });
    assert.deepEqual(r.errors, []);
    assert.equal(r.revoked, 1);
  });

  it('treats InvalidGroup.NotFound on revoke as success: the group, or the source of the rule, is already gone', async () => {
    fake.sg('sg-node', { tagged: true, rules: [labelled('sg:sg-deleted', 80), labelled('sg:sg-deleted', 443)] });
    mock.on(RevokeSecurityGroupIngressCommand).rejects(awsErr('InvalidGroup.NotFound'));
    const r = await reconcileNetworking({ ec2, clusterName: CLUSTER, bindings: [] });
    assert.deepEqual(r.errors, []);
    assert.equal(r.revoked, 2);
    assert.equal(r.writeCalls, 3, 'the batch, then each permission alone');
  });

  it('a failed write is an error value for that group; the other groups are still reconciled', async () => {
    fake.sg('sg-a', { tagged: true }).sg('sg-b', { tagged: true }).instance('i-1', 'eni-1', ['sg-a']).instance('i-2', 'eni-2', ['sg-b']);
    mock.on(AuthorizeSecurityGroupIngressCommand, { GroupId: 'sg-a' }).rejects(awsErr('RulesPerSecurityGroupLimitExceeded'));
    const r = await reconcileNetworking({ ec2, clusterName: CLUSTER, bindings: [instanceBinding('web/a', ['i-1', 'i-2'])] });
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]?.securityGroupId, 'sg-a');
    assert.match(r.errors[0]?.message ?? '', /RulesPerSecurityGroupLimitExceeded/);
    assert.equal(r.errors[0]?.operation, 'authorize');
    assert.deepEqual(fake.rules('sg-b'), [labelled('sg:sg-lb', 8080)]);
  });

  it('marks a failed write with its operation; a failed authorize does not hold back the revocation on that group', async () => {
    fake.sg('sg-a', { tagged: true, rules: [labelled('sg:sg-gone', 80)] }).sg('sg-b', { tagged: true, rules: [labelled('sg:sg-gone', 81)] })
      .instance('i-1', 'eni-1', ['sg-a']);
    mock.on(AuthorizeSecurityGroupIngressCommand, { GroupId: 'sg-a' }).rejects(awsErr('RulesPerSecurityGroupLimitExceeded'));
    mock.on(RevokeSecurityGroupIngressCommand, { GroupId: 'sg-b' }).rejects(awsErr('UnauthorizedOperation'));
    const r = await reconcileNetworking({ ec2, clusterName: CLUSTER, bindings: [instanceBinding('web/a', ['i-1'])] });
    assert.deepEqual(r.errors.map((e) => [e.securityGroupId, e.operation]), [['sg-a', 'authorize'], ['sg-b', 'revoke']]);
    assert.deepEqual(fake.rules('sg-a'), [], 'the stale rule on sg-a went although the authorize failed');
    assert.deepEqual(r.changes, [{ groupId: 'sg-a', authorized: [], revoked: [{ protocol: 'tcp', fromPort: 80, toPort: 80, source: { groupId: 'sg-gone', userId: '123456789012' }, description: LABEL }] }]);
  });

  it('read failures throw', async () => {
    fake.sg('sg-node', { tagged: true });
    mock.on(DescribeInstancesCommand).rejects(awsErr('UnauthorizedOperation'));
    await assert.rejects(reconcileNetworking({ ec2, clusterName: CLUSTER, bindings: [instanceBinding('web/a', ['i-1'])] }), /DescribeInstances/);
  });
});

describe('targets/networking: revokeRulesFromSources', () => {
  const ec2 = new EC2Client({ region: 'us-east-1' });
  const mock = mockClient(EC2Client);
  let fake: FakeEc2;
  beforeEach(() => {
    mock.reset();
    fake = new FakeEc2();
    install(mock, fake);
  });
  after(() => mock.restore());

  it('revokes the labelled permissions from the given groups anywhere, leaving unlabelled and other-source ones', async () => {
    fake.sg('sg-node', { tagged: true, rules: [labelled('sg:sg-lb', 80), labelled('sg:sg-lb', 443), labelled('sg:sg-keep', 80), { proto: 'tcp', from: 22, to: 22, src: 'sg:sg-lb', desc: 'mine' }] })
      .sg('sg-pods', { rules: [labelled('sg:sg-lb', 8080)] })
      .sg('sg-quiet', { rules: [labelled('sg:sg-keep', 80)] });
    const r = await revokeRulesFromSources({ ec2, sourceGroupIds: ['sg-lb'] });
    assert.deepEqual(r, { revoked: 3, writeCalls: 2, securityGroups: ['sg-node', 'sg-pods'] });
    assert.deepEqual(fake.rules('sg-node'), [labelled('sg:sg-keep', 80), { proto: 'tcp', from: 22, to: 22, src: 'sg:sg-lb', desc: 'mine' }]);
    assert.deepEqual(fake.rules('sg-pods'), []);
    assert.equal(mock.commandCalls(DescribeSecurityGroupsCommand).length, 1);
  });

  it('does nothing for no sources', async () => {
    assert.deepEqual(await revokeRulesFromSources({ ec2, sourceGroupIds: [] }), { revoked: 0, writeCalls: 0, securityGroups: [] });
    assert.equal(mock.calls().length, 0);
  });
});
