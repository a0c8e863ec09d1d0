import assert from 'node:assert/strict';
import { ACMClient, DescribeCertificateCommand, ListCertificatesCommand } from '@aws-sdk/client-acm';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeListenerCertificatesCommand, DescribeLoadBalancerAttributesCommand, DescribeLoadBalancersCommand, DescribeRulesCommand,
  DescribeTagsCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client, LoadBalancerNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { ALL_KEY_TYPES, describeCertificate, listCertificates } from '../../../src/aws/acm.ts';
import { describeSecurityGroups, describeSubnets, describeVpc } from '../../../src/aws/ec2.ts';
import {
  describeListenerCertificates, describeLoadBalancerAttributes, describeLoadBalancers, describeRules, describeTags, describeTargetGroups,
} from '../../../src/aws/elbv2.ts';
import { AwsError } from '../../../src/aws/errors.ts';
import { chunk, mapLimit } from '../../../src/aws/util.ts';

// Mocks are set on the client classes (as the apply tests do), reset before each test and restored after:
// sinon cannot stub an instance's send once the prototype's is stubbed.
const region = 'us-east-1';
const lbArn = (i: number) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/lb${i}/${i}`;

describe('aws/elbv2 adapters', () => {
  const elbv2 = new ElasticLoadBalancingV2Client({ region });
  const mock = mockClient(ElasticLoadBalancingV2Client);
  beforeEach(() => mock.reset());
  after(() => mock.restore());

  it('pages DescribeLoadBalancers by Marker', async () => {
    mock.on(DescribeLoadBalancersCommand)
      .resolvesOnce({ LoadBalancers: [{ LoadBalancerArn: lbArn(1) }], NextMarker: 'm1' })
      .resolvesOnce({ LoadBalancers: [{ LoadBalancerArn: lbArn(2) }] });
    const lbs = await describeLoadBalancers(elbv2);
    assert.deepEqual(lbs.map((l) => l.LoadBalancerArn), [lbArn(1), lbArn(2)]);
    // the SDK paginator reuses one input object, so both recorded inputs show the last Marker
    const calls = mock.commandCalls(DescribeLoadBalancersCommand).map((c) => c.args[0].input);
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[1], { PageSize: 400, Marker: 'm1' });
  });

  it('lists target groups without LoadBalancerArn (moto raises TargetGroupNotFound for an LB without any)', async () => {
    mock.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: 'arn:tg' }] });
    await describeTargetGroups(elbv2);
    const input = mock.commandCalls(DescribeTargetGroupsCommand)[0]?.args[0].input;
    assert.equal(input?.PageSize, 400);
    assert.equal(input?.LoadBalancerArn, undefined);
  });

  it('reads tags 20 ARNs a call: 45 ARNs → 3 calls, and ARNs AWS said nothing about have no tags', async () => {
    const arns = Array.from({ length: 45 }, (_, i) => lbArn(i));
    mock.on(DescribeTagsCommand).callsFake((input: { ResourceArns: string[] }) => ({
      TagDescriptions: input.ResourceArns.filter((a) => !a.endsWith('/7')).map((a) => ({ ResourceArn: a, Tags: [{ Key: 'k', Value: a.slice(-2) }] })),
    }));
    const tags = await describeTags(elbv2, [...arns, arns[0] as string]);
    const calls = mock.commandCalls(DescribeTagsCommand).map((c) => c.args[0].input.ResourceArns?.length);
    assert.deepEqual(calls, [20, 20, 5]);
    assert.equal(tags.size, 45);
    assert.deepEqual(tags.get(lbArn(44)), { k: '44' });
    assert.deepEqual(tags.get(lbArn(7)), {});
  });

  it('pages rules and listener certificates', async () => {
    mock.on(DescribeRulesCommand)
      .resolvesOnce({ Rules: [{ RuleArn: 'r1', Priority: '1' }], NextMarker: 'r1' })
      .resolvesOnce({ Rules: [{ RuleArn: 'rd', Priority: 'default', IsDefault: true }] });
    mock.on(DescribeListenerCertificatesCommand).resolves({ Certificates: [{ CertificateArn: 'c1', IsDefault: true }] });
    assert.deepEqual((await describeRules(elbv2, 'arn:l')).map((r) => r.RuleArn), ['r1', 'rd']);
    assert.equal(mock.commandCalls(DescribeRulesCommand)[1]?.args[0].input.Marker, 'r1');
    assert.deepEqual(await describeListenerCertificates(elbv2, 'arn:l'), [{ CertificateArn: 'c1', IsDefault: true }]);
  });

  it('returns attributes as a map', async () => {
    mock.on(DescribeLoadBalancerAttributesCommand).resolves({ Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '60' }, { Key: 'x' }] });
    assert.deepEqual(await describeLoadBalancerAttributes(elbv2, 'arn:lb'), { 'idle_timeout.timeout_seconds': '60', x: '' });
  });

  it('throws AwsError with the operation and the SDK error as cause', async () => {
    const sdk = new LoadBalancerNotFoundException({ message: 'not found', $metadata: {} });
    mock.on(DescribeLoadBalancersCommand).rejects(sdk);
    await assert.rejects(describeLoadBalancers(elbv2, { arns: ['arn:x'] }), (e: unknown) =>
      e instanceof AwsError && e.code === 'NotFound' && e.operation === 'DescribeLoadBalancers' && e.service === 'elbv2' && e.cause === sdk);
  });
});

describe('aws/ec2 adapters', () => {
  const ec2 = new EC2Client({ region });
  const mock = mockClient(EC2Client);
  beforeEach(() => mock.reset());
  after(() => mock.restore());

  it('pages subnets and security groups with the given filters', async () => {
    mock.on(DescribeSubnetsCommand).resolvesOnce({ Subnets: [{ SubnetId: 's1' }], NextToken: 't' }).resolvesOnce({ Subnets: [{ SubnetId: 's2' }] });
    mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-1' }] });
    const f = [{ Name: 'vpc-id', Values: ['vpc-1'] }];
    assert.deepEqual((await describeSubnets(ec2, f)).map((s) => s.SubnetId), ['s1', 's2']);
    assert.deepEqual(mock.commandCalls(DescribeSubnetsCommand)[1]?.args[0].input, { Filters: f, MaxResults: 1000, NextToken: 't' });
    await describeSecurityGroups(ec2, { groupIds: ['sg-1'] });
    const sgInput = mock.commandCalls(DescribeSecurityGroupsCommand)[0]?.args[0].input;
    assert.deepEqual(sgInput?.GroupIds, ['sg-1']);
    assert.equal(sgInput?.MaxResults, undefined, 'EC2 refuses MaxResults with GroupIds');
  });

  it('returns undefined for a VPC that does not exist', async () => {
    mock.on(DescribeVpcsCommand).rejects(Object.assign(new Error('nope'), { name: 'InvalidVpcID.NotFound' }));
    assert.equal(await describeVpc(ec2, 'vpc-x'), undefined);
  });
});

describe('aws/acm adapters', () => {
  const acm = new ACMClient({ region });
  const mock = mockClient(ACMClient);
  beforeEach(() => mock.reset());
  after(() => mock.restore());

  it('lists ISSUED certificates of every key type by default', async () => {
    mock.on(ListCertificatesCommand).resolves({ CertificateSummaryList: [{ CertificateArn: 'c' }] });
    await listCertificates(acm);
    const input = mock.commandCalls(ListCertificatesCommand)[0]?.args[0].input;
    assert.deepEqual(input?.CertificateStatuses, ['ISSUED']);
    assert.deepEqual(input?.Includes?.keyTypes, [...ALL_KEY_TYPES]);
    assert.ok(ALL_KEY_TYPES.includes('EC_prime256v1') && ALL_KEY_TYPES.includes('RSA_4096'));
  });

  it('describes one certificate', async () => {
    mock.on(DescribeCertificateCommand).resolves({ Certificate: { CertificateArn: 'c', SubjectAlternativeNames: ['a'] } });
    assert.deepEqual((await describeCertificate(acm, 'c'))?.SubjectAlternativeNames, ['a']);
  });
});

describe('aws/util', () => {
  it('chunks', () => {
    assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(chunk([], 20), []);
    assert.throws(() => chunk([1], 0), RangeError);
  });

  it('maps with bounded concurrency, keeping order', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (x) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, x));
      active--;
      return x * 10;
    });
    assert.deepEqual(out, [50, 10, 40, 20, 30]);
    assert.equal(peak, 2);
  });
});

describe('aws/tagging adapter', () => {
  it('sends tag filters (empty values = key present) and pages', async () => {
    const { ResourceGroupsTaggingAPIClient, GetResourcesCommand } = await import('@aws-sdk/client-resource-groups-tagging-api');
    const { getResources } = await import('../../../src/aws/tagging.ts');
    const client = new ResourceGroupsTaggingAPIClient({ region });
    const mock = mockClient(ResourceGroupsTaggingAPIClient);
    mock.on(GetResourcesCommand)
      .resolvesOnce({ ResourceTagMappingList: [{ ResourceARN: 'arn:1', Tags: [{ Key: 'a', Value: '1' }] }], PaginationToken: 'p' })
      .resolvesOnce({ ResourceTagMappingList: [{ ResourceARN: 'arn:2' }], PaginationToken: '' });
    const out = await getResources(client, { 'elbv2.k8s.aws/cluster': ['prod'], 'ingress.k8s.aws/stack': [] }, ['elasticloadbalancing:loadbalancer']);
    assert.deepEqual(out, [{ arn: 'arn:1', tags: { a: '1' } }, { arn: 'arn:2', tags: {} }]);
    const input = mock.commandCalls(GetResourcesCommand)[0]?.args[0].input;
    assert.deepEqual(input?.TagFilters, [{ Key: 'elbv2.k8s.aws/cluster', Values: ['prod'] }, { Key: 'ingress.k8s.aws/stack' }]);
    assert.equal(mock.commandCalls(GetResourcesCommand).length, 2);
    mock.restore();
  });
});
