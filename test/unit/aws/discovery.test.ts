import assert from 'node:assert/strict';
import { ACMClient, DescribeCertificateCommand, ListCertificatesCommand } from '@aws-sdk/client-acm';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { Discovery, TtlCache } from '../../../src/aws/discovery.ts';

const region = 'us-east-1';
const IMPORTED = 'arn:aws:acm:us-east-1:123456789012:certificate/imported';
const AMAZON = 'arn:aws:acm:us-east-1:123456789012:certificate/amazon';

describe('aws/discovery', () => {
  const ec2 = new EC2Client({ region });
  const acm = new ACMClient({ region });
  const ec2Mock = mockClient(EC2Client);
  const acmMock = mockClient(ACMClient);
  after(() => {
    ec2Mock.restore();
    acmMock.restore();
  });
  let now = 0;
  const discovery = (opts: ConstructorParameters<typeof Discovery>[1] = {}) => new Discovery({ ec2, acm }, { vpcId: 'vpc-1', now: () => now, ...opts });

  beforeEach(() => {
    now = 1_000_000;
    ec2Mock.reset();
    acmMock.reset();
    ec2Mock.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-1', CidrBlock: '10.0.0.0/16', CidrBlockAssociationSet: [
      { CidrBlock: '10.0.0.0/16', CidrBlockState: { State: 'associated' } },
      { CidrBlock: '10.1.0.0/16', CidrBlockState: { State: 'associated' } },
      { CidrBlock: '10.9.0.0/16', CidrBlockState: { State: 'disassociated' } },
    ] }] });
    ec2Mock.on(DescribeSubnetsCommand).resolves({ Subnets: [
      { SubnetId: 'subnet-b', AvailabilityZone: 'us-east-1b', AvailabilityZoneId: 'use1-az2', CidrBlock: '10.0.2.0/24', VpcId: 'vpc-1', AvailableIpAddressCount: 250,
        Tags: [{ Key: 'kubernetes.io/role/elb', Value: '1' }] },
      { SubnetId: 'subnet-a', AvailabilityZone: 'us-east-1a', CidrBlock: '10.0.1.0/24', VpcId: 'vpc-1', AvailableIpAddressCount: 5 },
    ] });
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-2', GroupName: 'web', VpcId: 'vpc-1', Tags: [{ Key: 'Name', Value: 'web' }] }] });
    acmMock.on(ListCertificatesCommand).resolves({ CertificateSummaryList: [
      { CertificateArn: IMPORTED, DomainName: 'shop.example.com', Status: 'ISSUED' },
      { CertificateArn: AMAZON, DomainName: '*.example.com', Status: 'ISSUED' },
    ] });
    acmMock.on(DescribeCertificateCommand, { CertificateArn: IMPORTED }).resolves({ Certificate: {
      CertificateArn: IMPORTED, DomainName: 'shop.example.com', SubjectAlternativeNames: ['www.shop.example.com', 'shop.example.com'],
      Type: 'IMPORTED', Status: 'ISSUED', NotAfter: new Date('2030-01-01T00:00:00Z') } });
    acmMock.on(DescribeCertificateCommand, { CertificateArn: AMAZON }).resolves({ Certificate: {
      CertificateArn: AMAZON, DomainName: '*.example.com', SubjectAlternativeNames: ['*.example.com', 'example.com'], Type: 'AMAZON_ISSUED', Status: 'ISSUED',
      CertificateAuthorityArn: undefined } });
  });

  it('gathers the facts the builder needs', async () => {
    const facts = await discovery().discoverFacts();
    assert.equal(facts.vpcId, 'vpc-1');
    assert.deepEqual(facts.vpcCidrs, ['10.0.0.0/16', '10.1.0.0/16']);
    assert.deepEqual(facts.subnets, [
      { id: 'subnet-a', availabilityZone: 'us-east-1a', cidrBlock: '10.0.1.0/24', vpcId: 'vpc-1', availableIpAddressCount: 5, tags: {} },
      { id: 'subnet-b', availabilityZone: 'us-east-1b', availabilityZoneId: 'use1-az2', cidrBlock: '10.0.2.0/24', vpcId: 'vpc-1', availableIpAddressCount: 250,
        tags: { 'kubernetes.io/role/elb': '1' } },
    ]);
    assert.deepEqual(facts.securityGroups, [{ id: 'sg-2', name: 'web', vpcId: 'vpc-1', tags: { Name: 'web' } }]);
    assert.deepEqual(facts.certificates, [
      { arn: AMAZON, domainName: '*.example.com', subjectAlternativeNames: ['*.example.com', 'example.com'], status: 'ISSUED', type: 'AMAZON_ISSUED' },
      { arn: IMPORTED, domainName: 'shop.example.com', subjectAlternativeNames: ['shop.example.com', 'www.shop.example.com'], status: 'ISSUED',
        type: 'IMPORTED', notAfter: '2030-01-01T00:00:00.000Z' },
    ]);
    assert.deepEqual(ec2Mock.commandCalls(DescribeSubnetsCommand)[0]?.args[0].input.Filters, [{ Name: 'vpc-id', Values: ['vpc-1'] }]);
    assert.deepEqual(ec2Mock.commandCalls(DescribeSecurityGroupsCommand)[0]?.args[0].input.Filters, [{ Name: 'vpc-id', Values: ['vpc-1'] }]);
  });

  it('asks ACM for ISSUED certificates of every key type and reads SANs with DescribeCertificate', async () => {
    await discovery().certificates();
    const input = acmMock.commandCalls(ListCertificatesCommand)[0]?.args[0].input;
    assert.deepEqual(input?.CertificateStatuses, ['ISSUED']);
    assert.equal(input?.Includes?.keyTypes?.length, 7);
    assert.deepEqual(acmMock.commandCalls(DescribeCertificateCommand).map((c) => c.args[0].input.CertificateArn).sort(), [AMAZON, IMPORTED]);
  });

  it('makes no AWS call for a second discovery within the TTLs', async () => {
    const d = discovery();
    await d.discoverFacts();
    const before = ec2Mock.calls().length + acmMock.calls().length;
    assert.equal(before, 6, 'DescribeVpcs, DescribeSubnets, DescribeSecurityGroups, ListCertificates, DescribeCertificate ×2');
    now += 30_000;
    await d.discoverFacts();
    assert.equal(ec2Mock.calls().length + acmMock.calls().length, before);
  });

  it('re-lists certificates after a minute but keeps SANs 5 min (imported) and 10 h (amazon)', async () => {
    const d = discovery();
    await d.certificates();
    const describes = () => acmMock.commandCalls(DescribeCertificateCommand).map((c) => c.args[0].input.CertificateArn);
    now += 61_000;
    await d.certificates();
    assert.equal(acmMock.commandCalls(ListCertificatesCommand).length, 2);
    assert.equal(describes().length, 2, 'SANs still cached');
    now += 5 * 60_000;
    await d.certificates();
    assert.deepEqual(describes().slice(2), [IMPORTED], 'only the imported certificate is described again');
    now += 10 * 3_600_000;
    await d.certificates();
    assert.deepEqual(describes().slice(3).sort(), [AMAZON, IMPORTED]);
  });

  it('refreshes subnets after their TTL and on invalidate()', async () => {
    const d = discovery({ ttls: { subnetsMs: 1000 } });
    await d.subnets();
    now += 999;
    await d.subnets();
    assert.equal(ec2Mock.commandCalls(DescribeSubnetsCommand).length, 1);
    now += 1;
    await d.subnets();
    assert.equal(ec2Mock.commandCalls(DescribeSubnetsCommand).length, 2);
    d.invalidate('subnets');
    await d.subnets();
    assert.equal(ec2Mock.commandCalls(DescribeSubnetsCommand).length, 3);
  });

  it('shares one in-flight request between concurrent callers', async () => {
    const d = discovery();
    await Promise.all([d.discoverFacts(), d.discoverFacts(), d.subnets()]);
    assert.equal(ec2Mock.commandCalls(DescribeSubnetsCommand).length, 1);
    assert.equal(acmMock.commandCalls(ListCertificatesCommand).length, 1);
  });

  it('does not cache a failure', async () => {
    ec2Mock.on(DescribeSubnetsCommand).rejectsOnce(Object.assign(new Error('slow down'), { name: 'RequestLimitExceeded' }))
      .resolves({ Subnets: [{ SubnetId: 'subnet-a', AvailabilityZone: 'us-east-1a' }, { SubnetId: 'subnet-b', AvailabilityZone: 'us-east-1b' }] });
    const d = discovery();
    await assert.rejects(d.subnets(), { name: 'AwsError', code: 'Throttled' });
    assert.equal((await d.subnets())?.length, 2);
  });

  it('skips facts no member needs, and VPC facts without a VPC ID', async () => {
    const facts = await discovery().discoverFacts({ certificates: false, securityGroups: false });
    assert.equal(facts.certificates, undefined);
    assert.equal(facts.securityGroups, undefined);
    assert.equal(acmMock.calls().length, 0);
    const none = await new Discovery({ ec2, acm }, { now: () => now }).discoverFacts({ certificates: false });
    assert.deepEqual(none, {});
  });

  it('keeps only certificates from allowed private CAs when --allowed-certificate-authority-arns is set', async () => {
    acmMock.on(DescribeCertificateCommand, { CertificateArn: AMAZON }).resolves({ Certificate: {
      CertificateArn: AMAZON, DomainName: '*.example.com', SubjectAlternativeNames: ['*.example.com'], Type: 'PRIVATE', CertificateAuthorityArn: 'arn:ca:1' } });
    const certs = await discovery({ allowedCertificateAuthorityArns: ['arn:ca:1'] }).certificates();
    assert.deepEqual(certs.map((c) => c.arn), [AMAZON]);
  });
});

describe('aws/discovery TtlCache', () => {
  it('lets the loaded value decide its TTL', async () => {
    let t = 0;
    const cache = new TtlCache<string, number>(() => t);
    let loads = 0;
    const load = async () => ++loads;
    await cache.get('k', load, (v) => v * 100);
    t = 99;
    assert.equal(await cache.get('k', load, (v) => v * 100), 1);
    t = 100;
    assert.equal(await cache.get('k', load, (v) => v * 100), 2);
    cache.retain(new Set());
    assert.equal(await cache.get('k', load, 1000), 3);
  });
});
