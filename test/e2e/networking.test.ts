// targets/networking against moto: TargetGroupBinding networking rules land on the seeded node security group
// (tagged kubernetes.io/cluster/<cluster>), labelled elbv2.k8s.aws/targetGroupBinding=shared, one per source group
// with its ports coalesced into one range (as upstream); a second run makes
// no write; a binding that goes away takes its rules with it; a rule added by hand stays; afterwards nothing
// references the source group, so it can be deleted. Then the same in ip mode on pod ENIs, torn down with
// revokeRulesFromSources as the load balancer teardown would.
//
// moto never raises DependencyViolation when a referenced group is deleted, so the test asserts what AWS
// checks instead: no group has an ingress rule whose source is the group being deleted.
import assert from 'node:assert/strict';
import {
  AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DeleteSecurityGroupCommand, DescribeSecurityGroupsCommand,
  RevokeSecurityGroupIngressCommand, type IpPermission,
} from '@aws-sdk/client-ec2';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.ts';
import {
  InstanceEniCache, NETWORKING_RULE_DESCRIPTION, reconcileNetworking, revokeRulesFromSources, type NetworkingBinding,
} from '../../src/targets/networking.ts';
import { createBackend } from './support/backends.ts';
import { awsConfig, freshNamespace, seeded, standIns } from './support/stand-ins.ts';

const log = (msg: string): void => console.log(`      ${msg}`);

interface FlatRule { port: string; source: string; description: string }

function flatten(perms: readonly IpPermission[] | undefined): FlatRule[] {
  const out: FlatRule[] = [];
  for (const p of perms ?? []) {
    const port = `${p.IpProtocol}/${p.FromPort ?? ''}-${p.ToPort ?? ''}`;
    for (const r of p.IpRanges ?? []) out.push({ port, source: r.CidrIp ?? '', description: r.Description ?? '' });
    for (const g of p.UserIdGroupPairs ?? []) out.push({ port, source: g.GroupId ?? '', description: g.Description ?? '' });
  }
  return out.sort((a, b) => `${a.port}${a.source}`.localeCompare(`${b.port}${b.source}`));
}

describe('targets/networking on moto', function () {
  this.timeout(300_000);
  const suffix = Math.random().toString(36).slice(2, 7);
  let aws: AwsClients;
  let clusterName = '';
  let vpcId = '';
  let nodeSg = '';
  let instanceIds: string[] = [];
  const created: string[] = [];
  const handRule: IpPermission = { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '192.168.0.0/16', Description: 'ssh, added by hand' }] };

  const rulesOn = async (groupId: string): Promise<FlatRule[]> => {
    const out = await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
    return flatten(out.SecurityGroups?.[0]?.IpPermissions);
  };
  const referencing = async (sourceId: string): Promise<string[]> => {
    const out = await aws.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'ip-permission.group-id', Values: [sourceId] }] }));
    return (out.SecurityGroups ?? []).map((g) => g.GroupId ?? '');
  };
  const sourceGroup = async (name: string): Promise<string> => {
    const out = await aws.ec2.send(new CreateSecurityGroupCommand({ GroupName: `${name}-${suffix}`, Description: 'stands in for the managed ALB group', VpcId: vpcId }));
    created.push(out.GroupId!);
    return out.GroupId!;
  };
  /** runs fn and returns its writes and reads from the call counter */
  const counted = async <T>(fn: () => Promise<T>): Promise<{ value: T; writes: number; reads: Record<string, number> }> => {
    aws.counter.reset();
    const value = await fn();
    return { value, writes: aws.counter.total({ write: true }), reads: aws.counter.byOperation({ write: false }) };
  };

  before(async function () {
    await standIns(this);
    const cfg = awsConfig();
    const s = seeded();
    clusterName = s.clusterName;
    vpcId = s.vpcId;
    nodeSg = s.nodeSecurityGroupId;
    instanceIds = s.nodes.map((n) => n.instanceId);
    assert.ok(instanceIds.length >= 2, 'seeded nodes');
    aws = createAwsClients({ region: cfg.region, credentials: cfg.credentials, retryDelayMs: 50, endpoints: `ec2=${cfg.endpoint}` });
  });

  after(async () => {
    // leave the shared node group as we found it
    const out = await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [nodeSg] })).catch(() => undefined);
    const hand = flatten(out?.SecurityGroups?.[0]?.IpPermissions).some((r) => r.source === '192.168.0.0/16');
    if (hand) await aws.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: nodeSg, IpPermissions: [handRule] })).catch(() => undefined);
    for (const id of created) await aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: id })).catch(() => undefined);
    aws?.destroy();
  });

  describe('instance mode on the seeded nodes', () => {
    let lbSg = '';
    const cache = new InstanceEniCache();
    const binding = (): NetworkingBinding => ({
      key: 'shop/web-tgb', targetType: 'instance',
      networking: { ingress: [{ from: [{ securityGroup: { groupID: lbSg } }], ports: [{ protocol: 'TCP', port: 30080 }, { protocol: 'TCP', port: 30081 }] }] },
      targets: instanceIds.map((id) => ({ id, port: 30080 })),
    });
    const run = (bindings: NetworkingBinding[]) => counted(() => reconcileNetworking({ ec2: aws.ec2, clusterName, vpcId, bindings, instanceCache: cache }));

    before(async () => {
      lbSg = await sourceGroup('e2e-net-lb');
      // start from a node group without our rules: suites that ran earlier may have left some behind
      const clean = await run([]);
      assert.deepEqual(clean.value.errors, []);
    });

    it('puts exactly one labelled rule per source group on the node security group, its ports coalesced into one range', async () => {
      const { value: r, writes, reads } = await run([binding()]);
      assert.deepEqual(r.errors, []);
      const ours = (await rulesOn(nodeSg)).filter((x) => x.source === lbSg);
      assert.deepEqual(ours, [{ port: 'tcp/30080-30081', source: lbSg, description: NETWORKING_RULE_DESCRIPTION }]);
      assert.equal(writes, 1, 'one Authorize for both ports');
      assert.equal(reads['DescribeInstances'], 1, `one DescribeInstances for ${instanceIds.length} nodes`);
      log(`first run: ${writes} write(s), reads ${JSON.stringify(reads)}`);
    });

    it('makes zero writes on the second run', async () => {
      const { value: r, writes, reads } = await run([binding()]);
      assert.deepEqual([r.errors, r.changes, writes], [[], [], 0]);
      assert.equal(reads['DescribeInstances'], undefined, 'node ENIs come from the cache');
      log(`second run: ${writes} writes, reads ${JSON.stringify(reads)}`);
    });

    it('revokes the rules when the binding goes, and keeps a rule added by hand', async () => {
      await aws.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: nodeSg, IpPermissions: [handRule] }));
      const { value: r, writes } = await run([]);
      assert.deepEqual(r.errors, []);
      assert.equal(r.revoked, 1);
      const rules = await rulesOn(nodeSg);
      assert.deepEqual(rules.filter((x) => x.source === lbSg), []);
      assert.deepEqual(rules.filter((x) => x.source === '192.168.0.0/16'), [{ port: 'tcp/22-22', source: '192.168.0.0/16', description: 'ssh, added by hand' }]);
      log(`binding removed: ${writes} write(s), ${r.revoked} rule(s) revoked`);
      const again = await run([]);
      assert.equal(again.writes, 0, 'nothing left to revoke');
    });

    it('leaves nothing referencing the source group, which can then be deleted', async () => {
      assert.deepEqual(await referencing(lbSg), []);
      await aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: lbSg }));
      created.splice(created.indexOf(lbSg), 1);
    });
  });

  describe('ip mode on pod ENIs', () => {
    let lbSg = '';
    let podIps: string[] = [];

    before(async function () {
      this.timeout(120_000);
      lbSg = await sourceGroup('e2e-net-lb-ip');
      const ns = await freshNamespace('e2e-net');
      podIps = (await createBackend({ namespace: ns, name: 'api', replicas: 3, targetPort: 8080 })).podIps;
    });

    it('puts the rule on the pod ENIs\' group with one DescribeNetworkInterfaces, then the teardown helper removes it', async () => {
      const bindings: NetworkingBinding[] = [{
        key: 'shop/api-tgb', targetType: 'ip',
        networking: { ingress: [{ from: [{ securityGroup: { groupID: lbSg } }], ports: [{ protocol: 'TCP', port: 8080 }] }] },
        targets: podIps.map((id) => ({ id, port: 8080 })),
      }];
      const first = await counted(() => reconcileNetworking({ ec2: aws.ec2, clusterName, vpcId, bindings }));
      assert.deepEqual(first.value.errors, []);
      assert.equal(first.reads['DescribeNetworkInterfaces'], 1, `one DescribeNetworkInterfaces for ${podIps.length} pod IPs`);
      assert.deepEqual((await rulesOn(nodeSg)).filter((x) => x.source === lbSg), [{ port: 'tcp/8080-8080', source: lbSg, description: NETWORKING_RULE_DESCRIPTION }]);
      const second = await counted(() => reconcileNetworking({ ec2: aws.ec2, clusterName, vpcId, bindings }));
      assert.equal(second.writes, 0);
      log(`ip mode: first run ${first.writes} write(s), second run ${second.writes} writes, reads ${JSON.stringify(second.reads)}`);

      // load balancer teardown: before deleting its group, revoke every labelled rule that names it
      const down = await counted(() => revokeRulesFromSources({ ec2: aws.ec2, sourceGroupIds: [lbSg], vpcId }));
      assert.deepEqual(down.value, { revoked: 1, writeCalls: 1, securityGroups: [nodeSg] });
      assert.deepEqual(await referencing(lbSg), []);
      assert.ok((await rulesOn(nodeSg)).some((x) => x.source === '192.168.0.0/16'), 'the hand rule is still there');
      await aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: lbSg }));
      created.splice(created.indexOf(lbSg), 1);
      log(`teardown: ${down.writes} write(s), reads ${JSON.stringify(down.reads)}`);
    });
  });
});
