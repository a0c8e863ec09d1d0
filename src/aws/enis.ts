// Read adapters for the network interfaces behind targets: the primary ENI of EC2 instances, and the ENIs that
// hold given private IPs. Both look up by filter, so an ID or IP that does not exist is simply absent from the
// answer (DescribeInstances with InstanceIds would fail the whole call with InvalidInstanceID.NotFound).
// Filter values go in chunks of FILTER_VALUES_PER_CALL; each chunk is one paged call.
import {
  paginateDescribeInstances, paginateDescribeNetworkInterfaces,
  type EC2Client, type Filter, type Instance, type NetworkInterface,
} from '@aws-sdk/client-ec2';
import { toAwsError } from './errors.ts';

/** values per filter in one call (EC2 documents 200 as the most a filter takes) */
export const FILTER_VALUES_PER_CALL = 200;
const PAGE_SIZE = 1000;

/** One ENI as the networking code needs it: its ID, private IPs and security groups. */
export interface EniInfo {
  readonly networkInterfaceId: string;
  /** the primary private IP first */
  readonly privateIps: readonly string[];
  readonly securityGroupIds: readonly string[];
}

function valueChunks(values: readonly string[]): string[][] {
  const unique = [...new Set(values)];
  const out: string[][] = [];
  for (let i = 0; i < unique.length; i += FILTER_VALUES_PER_CALL) out.push(unique.slice(i, i + FILTER_VALUES_PER_CALL));
  return out;
}

/** instances by ID (filter instance-id); IDs that do not exist are left out */
export async function describeInstancesByIds(client: EC2Client, instanceIds: readonly string[]): Promise<Instance[]> {
  const out: Instance[] = [];
  try {
    for (const ids of valueChunks(instanceIds)) {
      const input = { Filters: [{ Name: 'instance-id', Values: ids }] };
      for await (const p of paginateDescribeInstances({ client, pageSize: PAGE_SIZE }, input)) {
        for (const r of p.Reservations ?? []) out.push(...(r.Instances ?? []));
      }
    }
  } catch (err) {
    throw toAwsError(err, { service: 'ec2', operation: 'DescribeInstances' });
  }
  return out;
}

/** the primary ENI of an instance (device index 0; the only one when the attachment is not reported) */
export function primaryEni(instance: Instance): EniInfo | undefined {
  const enis = instance.NetworkInterfaces ?? [];
  const eni = enis.find((n) => n.Attachment?.DeviceIndex === 0) ?? (enis.length === 1 ? enis[0] : undefined);
  if (!eni?.NetworkInterfaceId) return undefined;
  return {
    networkInterfaceId: eni.NetworkInterfaceId,
    privateIps: ipsOf(eni.PrivateIpAddress, eni.PrivateIpAddresses),
    securityGroupIds: (eni.Groups ?? []).map((g) => g.GroupId).filter((g): g is string => !!g),
  };
}

/**
 * ENIs holding any of the given private IPs (filter addresses.private-ip-address), optionally only in one VPC.
 * Real EC2 matches secondary IPs too (VPC CNI pod IPs); moto matches only the primary IP.
 */
export async function describeEnisByPrivateIps(client: EC2Client, ips: readonly string[], vpcId?: string): Promise<EniInfo[]> {
  const out: EniInfo[] = [];
  try {
    for (const chunk of valueChunks(ips)) {
      const Filters: Filter[] = [{ Name: 'addresses.private-ip-address', Values: chunk }];
      if (vpcId) Filters.push({ Name: 'vpc-id', Values: [vpcId] });
      for await (const p of paginateDescribeNetworkInterfaces({ client, pageSize: PAGE_SIZE }, { Filters })) {
        out.push(...(p.NetworkInterfaces ?? []).map(toEniInfo).filter((e): e is EniInfo => e !== undefined));
      }
    }
  } catch (err) {
    throw toAwsError(err, { service: 'ec2', operation: 'DescribeNetworkInterfaces' });
  }
  return out;
}

function toEniInfo(n: NetworkInterface): EniInfo | undefined {
  if (!n.NetworkInterfaceId) return undefined;
  return {
    networkInterfaceId: n.NetworkInterfaceId,
    privateIps: ipsOf(n.PrivateIpAddress, n.PrivateIpAddresses),
    securityGroupIds: (n.Groups ?? []).map((g) => g.GroupId).filter((g): g is string => !!g),
  };
}

function ipsOf(primary: string | undefined, all: readonly { PrivateIpAddress?: string | undefined }[] | undefined): string[] {
  const ips = new Set<string>();
  if (primary) ips.add(primary);
  for (const a of all ?? []) if (a.PrivateIpAddress) ips.add(a.PrivateIpAddress);
  return [...ips];
}
