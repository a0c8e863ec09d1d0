// Thin read adapters over the EC2 client: SDK paginators, plain SDK data, AwsError on failure.
import {
  DescribeVpcsCommand, paginateDescribeInstances, paginateDescribeSecurityGroups, paginateDescribeSubnets, paginateDescribeVpcs,
  type EC2Client, type Filter, type Instance, type SecurityGroup, type Subnet, type Vpc,
} from '@aws-sdk/client-ec2';
import { toAwsError } from './errors.ts';

async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAwsError(err, { service: 'ec2', operation });
  }
}

const PAGE_SIZE = 1000;

/** the VPC, or undefined when it does not exist */
export const describeVpc = (client: EC2Client, vpcId: string): Promise<Vpc | undefined> =>
  call('DescribeVpcs', async () => {
    try {
      return (await client.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs?.[0];
    } catch (err) {
      if ((err as { name?: string }).name === 'InvalidVpcID.NotFound') return undefined;
      throw err;
    }
  });

/** every VPC matching all the filters */
export const describeVpcs = (client: EC2Client, filters: readonly Filter[]): Promise<Vpc[]> =>
  call('DescribeVpcs', async () => {
    const out: Vpc[] = [];
    for await (const p of paginateDescribeVpcs({ client }, { Filters: [...filters] })) out.push(...(p.Vpcs ?? []));
    return out;
  });

export const describeSubnets = (client: EC2Client, filters: readonly Filter[]): Promise<Subnet[]> =>
  call('DescribeSubnets', async () => {
    const out: Subnet[] = [];
    for await (const p of paginateDescribeSubnets({ client, pageSize: PAGE_SIZE }, { Filters: [...filters] })) out.push(...(p.Subnets ?? []));
    return out;
  });

export interface SecurityGroupQuery {
  readonly filters?: readonly Filter[];
  readonly groupIds?: readonly string[];
}

export const describeSecurityGroups = (client: EC2Client, q: SecurityGroupQuery): Promise<SecurityGroup[]> =>
  call('DescribeSecurityGroups', async () => {
    const out: SecurityGroup[] = [];
    // EC2 refuses MaxResults together with GroupIds, so page only filter queries
    const config = q.groupIds ? { client } : { client, pageSize: PAGE_SIZE };
    const input = { ...(q.filters ? { Filters: [...q.filters] } : {}), ...(q.groupIds ? { GroupIds: [...q.groupIds] } : {}) };
    for await (const p of paginateDescribeSecurityGroups(config, input)) out.push(...(p.SecurityGroups ?? []));
    return out;
  });

export const describeInstances = (client: EC2Client, instanceIds: readonly string[]): Promise<Instance[]> =>
  call('DescribeInstances', async () => {
    const out: Instance[] = [];
    for await (const p of paginateDescribeInstances({ client }, { InstanceIds: [...instanceIds] })) {
      for (const r of p.Reservations ?? []) out.push(...(r.Instances ?? []));
    }
    return out;
  });
