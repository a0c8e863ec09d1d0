// The shared backend security group: found by its tags or created with them (one create for concurrent callers),
// cached, given by flag, and released only when nothing may use it, in the order of the guards.
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateSecurityGroupCommand, CreateTagsCommand, DeleteSecurityGroupCommand, DeleteTagsCommand, DescribeSecurityGroupsCommand, EC2Client,
  RevokeSecurityGroupIngressCommand, type Filter,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { BackendSecurityGroup, ingressStackKey, ruleSourcesOf, stacksHeldBy, type BackendSecurityGroupDeps } from '../../../src/controllers/backend-security-group.ts';
import { BackendSecurityGroupConflictError } from '../../../src/deploy/backend-security-group.ts';
import { BACKEND_SG_DESCRIPTION, backendSecurityGroupName } from '../../../src/ingress/index.ts';
import { backendSecurityGroupTags } from '../../../src/model/index.ts';
import { silentLogger } from '../../../src/server/log.ts';
import { waitFor } from '../../../src/stand-ins/wait.ts';
import { NETWORKING_RULE_DESCRIPTION } from '../../../src/targets/networking.ts';

const ec2 = mockClient(EC2Client);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const CLUSTER = 'demo';
const VPC = 'vpc-1';
const NAME = backendSecurityGroupName(CLUSTER);
const ID = 'sg-0bac0000000000001';
const awsErr = (code: string): Error => Object.assign(new Error(`${code}: refused`), { name: code, Code: code, $metadata: { httpStatusCode: 400 } });
const tagList = (t: Record<string, string>) => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
const ourTags = backendSecurityGroupTags(CLUSTER, { team: 'platform' });

describe('controllers: what may hold the shared backend security group', () => {
  it('stacks from Ingress finalizers: a lone Ingress, an explicit group, both while it moves between them', () => {
    const ing = (name: string, finalizers: string[]) => ({ metadata: { name, namespace: 'shop', finalizers } });
    assert.deepEqual(stacksHeldBy([
      ing('web', ['ingress.k8s.aws/resources']), ing('api', ['group.ingress.k8s.aws/shared', 'ingress.k8s.aws/resources']), ing('x', ['other/finalizer']),
    ]), ['ingress:shop/web', 'ingress:shared', 'ingress:shop/api']);
  });

  it('rule sources from TargetGroupBindings: security groups only, not CIDRs', () => {
    const tgb = (from: unknown[]) => ({ metadata: { name: 'b', namespace: 'shop' }, spec: { targetGroupARN: 'arn', serviceRef: { name: 's', port: 80 }, networking: { ingress: [{ from }] } } });
    assert.deepEqual(ruleSourcesOf([
      tgb([{ securityGroup: { groupID: 'sg-1' } }, { ipBlock: { cidr: '10.0.0.0/8' } }]), tgb([{ securityGroup: { groupID: 'sg-2' } }]),
      { metadata: { name: 'c' }, spec: { targetGroupARN: 'arn', serviceRef: { name: 's', port: 80 } } },
    ] as never), new Set(['sg-1', 'sg-2']));
  });
});

describe('controllers: the shared backend security group', () => {
  let stacks: string[];
  let sources: Set<string>;
  let existing: { GroupId: string; GroupName: string; Tags: { Key: string; Value: string }[] }[];
  let lbs: { LoadBalancerArn: string; VpcId: string; SecurityGroups: string[] }[];
  let now: number;

  const provider = (over: Partial<BackendSecurityGroupDeps> = {}): BackendSecurityGroup => new BackendSecurityGroup({
    ec2: new EC2Client({ region: 'us-east-1' }), elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }), log: silentLogger,
    spec: { clusterName: CLUSTER, vpcId: VPC, name: NAME, description: BACKEND_SG_DESCRIPTION, tags: ourTags, externalManagedTags: ['owner'] },
    finalizedStacks: () => stacks, bindingSources: () => sources, now: () => now, ...over,
  });
  const sent = (): string[] => [...ec2.calls(), ...elbv2.calls()].map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

  beforeEach(() => {
    ec2.reset();
    elbv2.reset();
    stacks = [];
    sources = new Set();
    existing = [];
    lbs = [];
    now = 0;
    ec2.on(DescribeSecurityGroupsCommand).callsFake((input: { Filters?: Filter[] }) => {
      const f = (name: string) => input.Filters?.find((x) => x.Name === name)?.Values?.[0];
      if (f('ip-permission.group-id')) return { SecurityGroups: [] };
      const byTags = existing.filter((g) => g.Tags.some((t) => t.Key === 'elbv2.k8s.aws/resource' && t.Value === f('tag:elbv2.k8s.aws/resource'))
        && g.Tags.some((t) => t.Key === 'elbv2.k8s.aws/cluster' && t.Value === f('tag:elbv2.k8s.aws/cluster')));
      return { SecurityGroups: f('group-name') ? existing.filter((g) => g.GroupName === f('group-name')) : byTags };
    });
    ec2.on(CreateSecurityGroupCommand).callsFake(() => {
      existing.push({ GroupId: `sg-0new${existing.length}`, GroupName: NAME, Tags: tagList(ourTags) });
      return { GroupId: existing[existing.length - 1]?.GroupId };
    });
    ec2.on(DeleteSecurityGroupCommand).callsFake((input: { GroupId: string }) => {
      existing = existing.filter((g) => g.GroupId !== input.GroupId);
      return {};
    });
    elbv2.on(DescribeLoadBalancersCommand).callsFake(() => ({ LoadBalancers: lbs }));
  });
  after(() => { ec2.restore(); elbv2.restore(); });

  describe('acquire', () => {
    it('finds the group by its tags in the VPC, brings its tags in step (as upstream), and then answers from the cache', async () => {
      existing = [{ GroupId: ID, GroupName: NAME, Tags: tagList({ 'elbv2.k8s.aws/cluster': CLUSTER, 'elbv2.k8s.aws/resource': 'backend-sg', team: 'old', stale: '1', 'aws:cloudformation:x': 'y', owner: 'me' }) }];
      ec2.on(CreateTagsCommand).resolves({});
      ec2.on(DeleteTagsCommand).resolves({});
      const p = provider();
      assert.equal(p.known(), undefined);
      assert.equal(await p.acquire(ingressStackKey('shop')), ID);
      const filters = ec2.commandCalls(DescribeSecurityGroupsCommand)[0]?.args[0].input.Filters;
      assert.deepEqual(filters, [
        { Name: 'vpc-id', Values: [VPC] }, { Name: 'tag:elbv2.k8s.aws/cluster', Values: [CLUSTER] }, { Name: 'tag:elbv2.k8s.aws/resource', Values: ['backend-sg'] },
      ]);
      assert.deepEqual(ec2.commandCalls(CreateTagsCommand)[0]?.args[0].input, { Resources: [ID], Tags: [{ Key: 'team', Value: 'platform' }] });
      // aws: keys and --external-managed-tags stay
      assert.deepEqual(ec2.commandCalls(DeleteTagsCommand)[0]?.args[0].input, { Resources: [ID], Tags: [{ Key: 'stale' }] });
      const calls = sent().length;
      assert.equal(await p.acquire(ingressStackKey('other')), ID);
      assert.equal(p.known(), ID);
      assert.equal(sent().length, calls, 'a warm acquire makes no call');
    });

    it('creates it when there is none: name, description, VPC and tags in the create call; concurrent callers share one create', async () => {
      const p = provider();
      const ids = await Promise.all([p.acquire('ingress:a'), p.acquire('ingress:b'), p.acquire('ingress:c')]);
      assert.deepEqual(new Set(ids), new Set(['sg-0new0']));
      assert.equal(ec2.commandCalls(CreateSecurityGroupCommand).length, 1);
      assert.deepEqual(ec2.commandCalls(CreateSecurityGroupCommand)[0]?.args[0].input, {
        GroupName: 'k8s-traffic-demo-2a97516c35', Description: '[k8s] Shared Backend SecurityGroup for LoadBalancer', VpcId: VPC,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'team', Value: 'platform' }, { Key: 'elbv2.k8s.aws/cluster', Value: CLUSTER }, { Key: 'elbv2.k8s.aws/resource', Value: 'backend-sg' }] }],
      });
    });

    it('forget (an apply met a group that does not exist) makes the next acquire look again, and create one when it is gone', async () => {
      const p = provider();
      assert.equal(await p.acquire('ingress:a'), 'sg-0new0');
      existing = [];
      p.forget();
      assert.equal(p.known(), undefined);
      assert.equal(await p.acquire('ingress:a'), 'sg-0new0', 'a new group (the fake reuses the number)');
      assert.equal(ec2.commandCalls(CreateSecurityGroupCommand).length, 2);
      const given = provider({ userGroupId: 'sg-0given' });
      given.forget();
      assert.equal(given.known(), 'sg-0given');
    });

    it('a group of that name without our tags is a conflict it reports, never adopts', async () => {
      existing = [{ GroupId: 'sg-0someone', GroupName: NAME, Tags: [] }];
      ec2.on(CreateSecurityGroupCommand).rejects(awsErr('InvalidGroup.Duplicate'));
      await assert.rejects(provider().acquire('ingress:a'), (e) => e instanceof BackendSecurityGroupConflictError && /sg-0someone/.test(e.message) && /--backend-security-group/.test(e.message));
    });

    it('--backend-security-group is used as is: no call, ever, and never released', async () => {
      const p = provider({ userGroupId: 'sg-0given' });
      assert.equal(p.known(), 'sg-0given');
      assert.equal(await p.acquire('ingress:a'), 'sg-0given');
      p.settle('ingress:a', false);
      assert.deepEqual(await p.release(), { kept: 'given by --backend-security-group' });
      p.stop();
      assert.deepEqual(sent(), []);
    });
  });

  describe('release', () => {
    const acquired = async (): Promise<BackendSecurityGroup> => {
      const p = provider({ retryMs: 60_000 });
      await p.acquire('ingress:a');
      ec2.resetHistory();
      elbv2.resetHistory();
      return p;
    };

    it('keeps it while a stack uses it, or while a stack holding a finalizer has not been settled since start: no AWS call', async () => {
      const p = await acquired();
      assert.deepEqual(await p.release(), { kept: 'stack ingress:a uses it' });
      p.settle('ingress:a', false);
      stacks = ['ingress:a', 'ingress:b'];
      assert.deepEqual(await p.release(), { kept: 'stack ingress:b has not been reconciled since the controller started' });
      assert.deepEqual(sent(), []);
      p.stop();
    });

    it('keeps it while a TargetGroupBinding names it as a source, then tries again by itself', async () => {
      let looked = 0;
      const p = provider({ retryMs: 1, bindingSources: () => { looked++; return sources; } });
      const id = await p.acquire('ingress:a');
      sources = new Set([id]);
      p.settle('ingress:a', false);
      await waitFor('releases held back by the binding, tried again', async () => looked >= 3, 5000, 5);
      assert.equal(p.known(), id);
      assert.equal(ec2.commandCalls(DeleteSecurityGroupCommand).length + elbv2.commandCalls(DescribeLoadBalancersCommand).length, 0, 'no AWS call while a binding names it');
      sources = new Set();
      await waitFor('the retry deletes it', async () => p.known() === undefined, 5000, 5);
      assert.deepEqual(existing, []);
      p.stop();
    });

    it('keeps it while a load balancer in the VPC carries it (any controller\'s)', async () => {
      const p = await acquired();
      p.settle('ingress:a', false);
      lbs = [{ LoadBalancerArn: 'arn:lb/other', VpcId: VPC, SecurityGroups: ['sg-0new0'] }, { LoadBalancerArn: 'arn:lb/elsewhere', VpcId: 'vpc-2', SecurityGroups: [] }];
      assert.deepEqual(await p.release(), { kept: '1 load balancer(s) still carry sg-0new0: arn:lb/other' });
      assert.equal(ec2.commandCalls(DeleteSecurityGroupCommand).length, 0);
      p.stop();
    });

    it('when nothing uses it: revokes the labelled rules that still name it, deletes it, and a later acquire creates a new one', async () => {
      const p = await acquired();
      ec2.on(DescribeSecurityGroupsCommand, { Filters: [{ Name: 'ip-permission.group-id', Values: ['sg-0new0'] }, { Name: 'vpc-id', Values: [VPC] }] }).resolves({ SecurityGroups: [{
        GroupId: 'sg-node', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 30000, ToPort: 32767, UserIdGroupPairs: [{ GroupId: 'sg-0new0', Description: NETWORKING_RULE_DESCRIPTION }] }],
      }] });
      ec2.on(RevokeSecurityGroupIngressCommand).resolves({});
      p.settle('ingress:a', false);
      stacks = ['ingress:a'];
      assert.deepEqual(await p.release(), { deleted: 'sg-0new0' });
      assert.deepEqual(elbv2.calls().length, 1, 'one DescribeLoadBalancers');
      assert.deepEqual(ec2.calls().map((c) => (c.args[0] as object).constructor.name), ['DescribeSecurityGroupsCommand', 'RevokeSecurityGroupIngressCommand', 'DeleteSecurityGroupCommand']);
      assert.deepEqual(ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0]?.args[0].input.GroupId, 'sg-node');
      assert.equal(p.known(), undefined);
      assert.equal(await p.acquire('ingress:b'), 'sg-0new0', 'created anew (the fake reuses the first free number)');
      assert.equal(ec2.commandCalls(CreateSecurityGroupCommand).length, 1);
      p.stop();
    });

    it('EC2 refusing the delete (DependencyViolation: something we do not see uses it) keeps it for a later try', async () => {
      const p = await acquired();
      ec2.on(DeleteSecurityGroupCommand).rejects(awsErr('DependencyViolation'));
      p.settle('ingress:a', false);
      const r = await p.release();
      assert.ok('kept' in r && /EC2 refused to delete sg-0new0: DependencyViolation/.test(r.kept), JSON.stringify(r));
      assert.equal(p.known(), 'sg-0new0');
      p.stop();
    });

    it('after a restart (nothing cached) it finds the group by its tags and releases it', async () => {
      existing = [{ GroupId: ID, GroupName: NAME, Tags: tagList(ourTags) }];
      const p = provider();
      p.settle('ingress:gone', false);
      assert.deepEqual(await p.release(), { deleted: ID });
      ec2.resetHistory();
      elbv2.resetHistory();
      assert.deepEqual(await p.release(), { kept: 'there is no shared backend security group' });
      assert.deepEqual(sent(), [], 'once it is known to be gone, a release costs no call');
      p.stop();
    });

    it('a stack settling as before (a resync) tries no release; one that stops using the group does', async () => {
      const p = provider({ retryMs: 60_000 });
      let requested = 0;
      const request = p.requestRelease.bind(p);
      p.requestRelease = (ms: number) => { requested++; request(ms); };
      await p.acquire('ingress:a');
      p.settle('ingress:a', true);
      p.settle('ingress:a', true);
      assert.equal(requested, 0);
      p.settle('ingress:a', false);
      assert.equal(requested, 1);
      await waitFor('the release after a stopped using it', async () => p.known() === undefined, 1000, 5);
      p.settle('ingress:a', false);
      p.settle('ingress:b', false);
      assert.equal(requested, 2, 'only b, seen for the first time');
      p.stop();
    });

    it('an acquire while a release is deleting waits for it and gets a new group; one that came first keeps the group', async () => {
      const p = await acquired();
      p.settle('ingress:a', false);
      let letGo: () => void = () => undefined;
      elbv2.on(DescribeLoadBalancersCommand).callsFake(() => new Promise((resolve) => { letGo = () => resolve({ LoadBalancers: [] }); }));
      const release = p.release();
      await waitFor('the release is reading the load balancers', async () => elbv2.commandCalls(DescribeLoadBalancersCommand).length === 1, 1000, 1);
      const acquire = p.acquire('ingress:b');
      letGo();
      assert.deepEqual(await release, { deleted: 'sg-0new0' });
      assert.equal(await acquire, 'sg-0new0', 'a new group (created after the delete)');
      assert.equal(ec2.commandCalls(CreateSecurityGroupCommand).length, 1);
      // b uses it now: the next release keeps it
      assert.deepEqual(await p.release(), { kept: 'stack ingress:b uses it' });
      p.stop();
    });

    it('forgets settled stacks no object holds a finalizer for only after a while (the informer may lag)', async () => {
      const p = await acquired();
      p.settle('ingress:a', false);
      ec2.on(DeleteSecurityGroupCommand).rejects(awsErr('DependencyViolation'));
      await p.release();
      // a's finalizer shows up late: a was settled, so it does not hold the group
      stacks = ['ingress:a'];
      assert.match(JSON.stringify(await p.release()), /EC2 refused/);
      now = 11 * 60_000;
      stacks = [];
      await p.release();
      stacks = ['ingress:a'];
      assert.deepEqual(await p.release(), { kept: 'stack ingress:a has not been reconciled since the controller started' });
      p.stop();
    });
  });
});
