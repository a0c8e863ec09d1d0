// TargetGroupDirectory: facts and tags of a target group read once per TTL, by ARN or name; prefetch in
// batches of 20; a target group that does not exist is remembered for a shorter time.
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeTagsCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { TargetGroupDirectory } from '../../../src/aws/target-groups.ts';

const arn = (i: number): string => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg-${i}/${String(i).padStart(16, '0')}`;
const notFound = (): Error => Object.assign(new Error('One or more target groups not found'), { name: 'TargetGroupNotFound', Code: 'TargetGroupNotFound', $fault: 'client', $metadata: { httpStatusCode: 400 } });

describe('aws/target-groups: TargetGroupDirectory', () => {
  const client = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });
  const mock = mockClient(ElasticLoadBalancingV2Client);
  let now: number;
  let known: Set<string>;

  beforeEach(() => {
    mock.reset();
    now = 0;
    known = new Set(Array.from({ length: 45 }, (_, i) => arn(i)));
    mock.on(DescribeTargetGroupsCommand).callsFake((input: { TargetGroupArns?: string[]; Names?: string[] }) => {
      const wanted = input.TargetGroupArns ?? (input.Names ?? []).map((n) => arn(Number(n.slice(3))));
      if (wanted.some((a) => !known.has(a))) throw notFound();
      return { TargetGroups: wanted.map((a) => ({ TargetGroupArn: a, TargetGroupName: a.split('/')[1], TargetType: 'ip', IpAddressType: 'ipv6', VpcId: 'vpc-1', Protocol: 'HTTPS', HealthCheckPort: '8081' })) };
    });
    mock.on(DescribeTagsCommand).callsFake((input: { ResourceArns: string[] }) => ({
      TagDescriptions: input.ResourceArns.map((a) => ({ ResourceArn: a, Tags: [{ Key: 'elbv2.k8s.aws/cluster', Value: 'c' }] })),
    }));
  });
  after(() => mock.restore());

  const dir = (): TargetGroupDirectory => new TargetGroupDirectory(client, { now: () => now, ttlMs: 1_000, notFoundTtlMs: 100 });
  const calls = (): [number, number] => [mock.commandCalls(DescribeTargetGroupsCommand).length, mock.commandCalls(DescribeTagsCommand).length];

  it('reads facts and tags once per TTL, concurrent callers sharing the read', async () => {
    const d = dir();
    const [a, b] = await Promise.all([d.byArn(arn(1)), d.byArn(arn(1))]);
    assert.deepEqual(a, {
      arn: arn(1), name: 'tg-1', targetType: 'ip', ipAddressType: 'ipv6', vpcId: 'vpc-1', protocol: 'HTTPS', healthCheckPort: '8081', tags: { 'elbv2.k8s.aws/cluster': 'c' },
    });
    assert.equal(a, b);
    await d.byArn(arn(1));
    assert.deepEqual(calls(), [1, 1]);
    now = 1_000;
    await d.byArn(arn(1));
    assert.deepEqual(calls(), [2, 2], 'read again after the TTL');
  });

  it('finds by name, and the ARN it found is then cached too', async () => {
    const d = dir();
    assert.equal((await d.byName('tg-7'))?.arn, arn(7));
    await d.byArn(arn(7));
    await d.byName('tg-7');
    assert.deepEqual(calls(), [1, 1]);
  });

  it('serves a target group the apply just created from what it was told, by ARN and by name, without a read', async () => {
    const d = dir();
    d.remember({ TargetGroupArn: arn(3), TargetGroupName: 'tg-3', TargetType: 'ip', VpcId: 'vpc-1', Protocol: 'HTTP', HealthCheckPort: 'traffic-port' }, { 'elbv2.k8s.aws/cluster': 'c', 'ingress.k8s.aws/stack': 'ns/app' });
    const facts = await d.byArn(arn(3));
    assert.deepEqual(facts, {
      arn: arn(3), name: 'tg-3', targetType: 'ip', ipAddressType: 'ipv4', vpcId: 'vpc-1', protocol: 'HTTP', healthCheckPort: 'traffic-port',
      tags: { 'elbv2.k8s.aws/cluster': 'c', 'ingress.k8s.aws/stack': 'ns/app' },
    });
    assert.equal(await d.byName('tg-3'), facts);
    assert.deepEqual(calls(), [0, 0]);
    now = 1_000;
    assert.deepEqual((await d.byArn(arn(3)))?.tags, { 'elbv2.k8s.aws/cluster': 'c' }, 'after the TTL, AWS says again');
    assert.deepEqual(calls(), [1, 1]);
  });

  it('remembers a missing target group for the shorter TTL', async () => {
    const d = dir();
    assert.equal(await d.byArn(arn(99)), undefined);
    assert.equal(await d.byArn(arn(99)), undefined);
    assert.deepEqual(calls(), [1, 0]);
    known.add(arn(99));
    now = 100;
    assert.equal((await d.byArn(arn(99)))?.arn, arn(99));
  });

  it('prefetches in batches of 20 and serves from the cache after; a batch with a gone ARN is read one by one', async () => {
    const d = dir();
    await d.prefetch(Array.from({ length: 45 }, (_, i) => arn(i)));
    assert.deepEqual(calls(), [3, 3]);
    for (let i = 0; i < 45; i++) await d.byArn(arn(i));
    assert.deepEqual(calls(), [3, 3]);
    mock.resetHistory();
    const e = dir();
    await e.prefetch([arn(1), arn(98), arn(2)]);
    assert.equal(await e.byArn(arn(98)), undefined);
    assert.equal((await e.byArn(arn(2)))?.arn, arn(2));
    assert.deepEqual(calls(), [4, 2], 'the failed batch, then each ARN alone');
  });
});
