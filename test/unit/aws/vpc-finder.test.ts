// The EC2 requests start-up makes to find the VPC: one tag:<key> filter per --aws-vpc-tags pair (EC2 ANDs them),
// every page of DescribeVpcs; DescribeInstances for $NODENAME's instance.
import assert from 'node:assert/strict';
import { DescribeInstancesCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { createVpcFinder } from '../../../src/aws/vpc-finder.ts';

describe('aws/vpc-finder', () => {
  const mock = mockClient(EC2Client);
  beforeEach(() => mock.reset());
  after(() => mock.restore());
  const finder = () => createVpcFinder({ region: 'eu-west-1', maxRetries: 0, credentials: { accessKeyId: 'a', secretAccessKey: 's' } });

  it('DescribeVpcs with one tag filter per pair, all pages', async () => {
    mock.on(DescribeVpcsCommand)
      .resolvesOnce({ Vpcs: [{ VpcId: 'vpc-0a' }], NextToken: 't1' })
      .resolvesOnce({ Vpcs: [{ VpcId: 'vpc-0b' }] });
    const f = finder();
    assert.deepEqual(await f.vpcIdsWithTags({ Name: 'prod', 'k=x': 'a,b' }), ['vpc-0a', 'vpc-0b']);
    f.destroy();
    const calls = mock.commandCalls(DescribeVpcsCommand);
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[0]?.args[0].input.Filters, [{ Name: 'tag:Name', Values: ['prod'] }, { Name: 'tag:k=x', Values: ['a,b'] }]);
  });

  it('DescribeInstances for the one instance ID; its VpcId', async () => {
    mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0abc', VpcId: 'vpc-0c' }] }] });
    const f = finder();
    assert.deepEqual(await f.vpcIdsOfInstance('i-0abc'), ['vpc-0c']);
    f.destroy();
    assert.deepEqual(mock.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input.InstanceIds), [['i-0abc']]);
  });
});
