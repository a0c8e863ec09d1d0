// The inventory: one listing of the account sorts what this cluster owns by stack, reads tags only for ARNs the
// ownership cache does not know, and is shared by the reconciles of a pass (InventoryCache): a reconcile takes a
// listing younger than the max age and not older than its pass, an apply's results override a listing made
// before it, and invalidate() forces the next listing.
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EMPTY_STACK_INVENTORY, InventoryCache, listInventories, listInventory, OwnershipCache, type Inventory } from '../../../src/deploy/inventory.ts';

const lbArn = (n: string): string => `arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/${n}/0123456789abcdef`;
const tgArn = (n: string): string => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${n}/0123456789abcdef`;
const tags = (cluster: string, stack?: string) => [{ Key: 'elbv2.k8s.aws/cluster', Value: cluster }, ...(stack ? [{ Key: 'ingress.k8s.aws/stack', Value: stack }] : [])];

describe('deploy: inventory', () => {
  const elbMock = mockClient(ElasticLoadBalancingV2Client);
  const ec2Mock = mockClient(EC2Client);
  const clients = { elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }), ec2: new EC2Client({ region: 'us-east-1' }) };

  beforeEach(() => {
    elbMock.reset();
    ec2Mock.reset();
    elbMock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [
      { LoadBalancerArn: lbArn('a'), VpcId: 'vpc-1', DNSName: 'a.elb' },
      { LoadBalancerArn: lbArn('theirs'), VpcId: 'vpc-1' },
      { LoadBalancerArn: lbArn('elsewhere'), VpcId: 'vpc-2' },
    ] });
    elbMock.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: tgArn('a'), VpcId: 'vpc-1' }, { TargetGroupArn: tgArn('b'), VpcId: 'vpc-1' }] });
    elbMock.on(DescribeTagsCommand).callsFake((input: { ResourceArns: string[] }) => ({
      TagDescriptions: input.ResourceArns.map((arn) => ({
        ResourceArn: arn,
        Tags: arn === lbArn('theirs') ? tags('other') : arn === tgArn('b') ? tags('prod', 'ns/b') : tags('prod', 'ns/a'),
      })),
    }));
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-a', VpcId: 'vpc-1', Tags: tags('prod', 'ns/a') }] });
  });

  it('lists once for every stack, in the VPC, by owner; the second listing reads no tags', async () => {
    const cache = new OwnershipCache();
    const inv = await listInventory(clients, { clusterName: 'prod', vpcId: 'vpc-1', cache });
    assert.deepEqual(inv.stackIds, ['ns/a', 'ns/b']);
    assert.deepEqual(inv.stack('ns/a').loadBalancerArns, [lbArn('a')]);
    assert.deepEqual(inv.stack('ns/a').targetGroupArns, [tgArn('a')]);
    assert.deepEqual(inv.stack('ns/a').securityGroupIds, ['sg-a']);
    assert.equal(inv.stack('ns/a').listed?.loadBalancers[0]?.DNSName, 'a.elb');
    assert.deepEqual(inv.stack('ns/b').targetGroupArns, [tgArn('b')]);
    assert.equal(inv.stack('ns/none'), EMPTY_STACK_INVENTORY);
    assert.equal(elbMock.commandCalls(DescribeTagsCommand).length, 1, 'the 4 ARNs of the VPC in one DescribeTags');
    assert.equal(elbMock.commandCalls(DescribeTagsCommand)[0]?.args[0].input.ResourceArns?.includes(lbArn('elsewhere')), false, 'nothing outside the VPC');
    await listInventory(clients, { clusterName: 'prod', vpcId: 'vpc-1', cache });
    assert.equal(elbMock.commandCalls(DescribeTagsCommand).length, 1, 'every ARN known: no DescribeTags');
    assert.equal(elbMock.commandCalls(DescribeLoadBalancersCommand).length, 2);
  });

  it('sorts one listing by stack family: a Service stack (service.k8s.aws/stack) is not an IngressGroup, even with the same ID', async () => {
    const svcTags = (stack: string) => [{ Key: 'elbv2.k8s.aws/cluster', Value: 'prod' }, { Key: 'service.k8s.aws/stack', Value: stack }];
    elbMock.on(DescribeTagsCommand).callsFake((input: { ResourceArns: string[] }) => ({
      TagDescriptions: input.ResourceArns.map((arn) => ({
        ResourceArn: arn, Tags: arn === lbArn('theirs') ? tags('other') : arn === tgArn('b') || arn === lbArn('elsewhere') ? svcTags('ns/a') : tags('prod', 'ns/a'),
      })),
    }));
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-a', VpcId: 'vpc-1', Tags: tags('prod', 'ns/a') }, { GroupId: 'sg-s', VpcId: 'vpc-1', Tags: svcTags('ns/a') }] });
    const cache = new OwnershipCache();
    const both = await listInventories(clients, { clusterName: 'prod', vpcId: 'vpc-1', cache }, ['ingress', 'service']);
    assert.equal(elbMock.commandCalls(DescribeLoadBalancersCommand).length, 1, 'one listing for both families');
    assert.deepEqual(ec2Mock.commandCalls(DescribeSecurityGroupsCommand)[0]?.args[0].input.Filters?.find((f) => f.Name === 'tag-key')?.Values, ['ingress.k8s.aws/stack', 'service.k8s.aws/stack']);
    const ingress = both.get('ingress') as Inventory;
    const service = both.get('service') as Inventory;
    assert.deepEqual([ingress.stack('ns/a').loadBalancerArns, ingress.stack('ns/a').targetGroupArns, ingress.stack('ns/a').securityGroupIds], [[lbArn('a')], [tgArn('a')], ['sg-a']]);
    assert.deepEqual([service.stack('ns/a').loadBalancerArns, service.stack('ns/a').targetGroupArns, service.stack('ns/a').securityGroupIds], [[], [tgArn('b')], ['sg-s']]);
    // the cache keeps the Service stack tag too: a second listing of Services alone reads no tags and finds the same
    const again = await listInventory(clients, { clusterName: 'prod', vpcId: 'vpc-1', cache, family: 'service' });
    assert.equal(elbMock.commandCalls(DescribeTagsCommand).length, 1);
    assert.deepEqual(again.stack('ns/a').targetGroupArns, [tgArn('b')]);
  });

  describe('InventoryCache', () => {
    let now = 0;
    let listings = 0;
    const fake = (): Promise<Inventory> => {
      listings++;
      return Promise.resolve({ listedAt: now, stackIds: ['ns/a'], tags: new Map(), stack: (id) => (id === 'ns/a' ? { ...EMPTY_STACK_INVENTORY, loadBalancerArns: [lbArn('a')] } : EMPTY_STACK_INVENTORY) });
    };
    const cache = (): InventoryCache => new InventoryCache(clients, { clusterName: 'prod', maxAgeMs: 60_000, now: () => now, list: fake });
    beforeEach(() => { now = 1_000; listings = 0; });

    it('shares one listing between concurrent reconciles and while younger than the max age', async () => {
      const c = cache();
      await Promise.all([c.get(), c.get(), c.get()]);
      assert.equal(listings, 1);
      now += 59_000;
      await c.get();
      assert.equal(listings, 1);
      now += 1_000;
      await c.get();
      assert.equal(listings, 2, 'a minute old: listed again');
    });

    it('a resync pass takes no listing older than its start', async () => {
      const c = cache();
      await c.get();
      now += 10_000;
      await c.get(now - 5_000);
      assert.equal(listings, 2, 'the pass started after the listing');
      await c.get(now - 5_000);
      assert.equal(listings, 2, 'the rest of the pass shares it');
    });

    it("an apply's result overrides the listing before it, without descriptions, until a later listing", async () => {
      const c = cache();
      await c.get();
      now += 1;
      c.applied('ns/new', { loadBalancerArns: [lbArn('new')], targetGroupArns: [tgArn('new')], securityGroupIds: [] });
      const inv = await c.get();
      assert.deepEqual(inv.stackIds, ['ns/a', 'ns/new']);
      assert.deepEqual(inv.stack('ns/new').loadBalancerArns, [lbArn('new')]);
      assert.equal(inv.stack('ns/new').listed, undefined);
      now += 60_000;
      assert.deepEqual((await c.get()).stackIds, ['ns/a'], 'a listing after the apply is the word on it');
    });

    it('invalidate() makes the next reconcile list again', async () => {
      const c = cache();
      await c.get();
      c.invalidate();
      await c.get();
      assert.equal(listings, 2);
      assert.equal(c.listings, 2);
    });
  });
});
