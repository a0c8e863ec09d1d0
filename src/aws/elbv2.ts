// Thin read adapters over the ELBv2 client: page with the SDK paginators, return plain SDK data, and
// throw AwsError. Writes are made by deploy/apply directly on the client (each is one call).
//
// Not used on purpose: DescribeTargetGroups(LoadBalancerArn=…) — moto raises TargetGroupNotFound for a load
// balancer without target groups, and listing all target groups of the VPC once serves every stack anyway.
import {
  DescribeCapacityReservationCommand, DescribeListenerAttributesCommand, DescribeLoadBalancerAttributesCommand, DescribeTagsCommand, DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand, DescribeTrustStoresCommand, paginateDescribeListenerCertificates, paginateDescribeListeners, paginateDescribeLoadBalancers,
  paginateDescribeRules, paginateDescribeTargetGroups,
  type Certificate, type ElasticLoadBalancingV2Client, type Listener, type LoadBalancer, type Rule, type TargetDescription,
  type TargetGroup, type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { isAwsError, toAwsError } from './errors.ts';
import { chunk, mapLimit, tagMap } from './util.ts';

/** DescribeTags takes at most 20 ARNs */
export const DESCRIBE_TAGS_BATCH = 20;
/** the largest page DescribeLoadBalancers / DescribeTargetGroups accept (the ELBv2 paginators ignore `pageSize`, so it goes in the input) */
const PAGE_SIZE = 400;

async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAwsError(err, { service: 'elbv2', operation });
  }
}

async function collect<P, T>(pages: AsyncIterable<P>, pick: (p: P) => readonly T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(pick(page) ?? []));
  return out;
}

export interface ByArnsOrNames {
  readonly arns?: readonly string[];
  readonly names?: readonly string[];
}

/** every load balancer of the account and region, or the named ones (unknown names and ARNs raise NotFound) */
export const describeLoadBalancers = (client: ElasticLoadBalancingV2Client, by: ByArnsOrNames = {}): Promise<LoadBalancer[]> =>
  call('DescribeLoadBalancers', () => collect(
    paginateDescribeLoadBalancers({ client }, {
      PageSize: PAGE_SIZE,
      ...(by.arns ? { LoadBalancerArns: [...by.arns] } : {}),
      ...(by.names ? { Names: [...by.names] } : {}),
    }),
    (p) => p.LoadBalancers,
  ));

/** every target group of the account and region, or the named ones */
export const describeTargetGroups = (client: ElasticLoadBalancingV2Client, by: ByArnsOrNames = {}): Promise<TargetGroup[]> =>
  call('DescribeTargetGroups', () => collect(
    paginateDescribeTargetGroups({ client }, {
      PageSize: PAGE_SIZE,
      ...(by.arns ? { TargetGroupArns: [...by.arns] } : {}),
      ...(by.names ? { Names: [...by.names] } : {}),
    }),
    (p) => p.TargetGroups,
  ));

/** tags of any ELBv2 resources (load balancers, target groups, listeners, rules), 20 ARNs a call */
export async function describeTags(client: ElasticLoadBalancingV2Client, arns: readonly string[], concurrency = 4): Promise<Map<string, Record<string, string>>> {
  const unique = [...new Set(arns)];
  const pages = await mapLimit(chunk(unique, DESCRIBE_TAGS_BATCH), concurrency, (batch) =>
    call('DescribeTags', () => client.send(new DescribeTagsCommand({ ResourceArns: batch }))));
  const out = new Map<string, Record<string, string>>();
  for (const page of pages) {
    for (const d of page.TagDescriptions ?? []) if (d.ResourceArn) out.set(d.ResourceArn, tagMap(d.Tags));
  }
  // a resource AWS reported nothing for has no tags (moto returns empty descriptions for unknown ARNs)
  for (const arn of unique) if (!out.has(arn)) out.set(arn, {});
  return out;
}

export const describeListeners = (client: ElasticLoadBalancingV2Client, loadBalancerArn: string): Promise<Listener[]> =>
  call('DescribeListeners', () => collect(paginateDescribeListeners({ client }, { LoadBalancerArn: loadBalancerArn }), (p) => p.Listeners));

/** every certificate on a listener, the default one flagged IsDefault */
export const describeListenerCertificates = (client: ElasticLoadBalancingV2Client, listenerArn: string): Promise<Certificate[]> =>
  call('DescribeListenerCertificates', () =>
    collect(paginateDescribeListenerCertificates({ client }, { ListenerArn: listenerArn }), (p) => p.Certificates));

/** every rule of a listener, the default rule included (IsDefault) */
export const describeRules = (client: ElasticLoadBalancingV2Client, listenerArn: string): Promise<Rule[]> =>
  call('DescribeRules', () => collect(paginateDescribeRules({ client }, { ListenerArn: listenerArn }), (p) => p.Rules));

const attributeMap = (attrs: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const a of attrs ?? []) if (a.Key !== undefined) out[a.Key] = a.Value ?? '';
  return out;
};

export const describeLoadBalancerAttributes = (client: ElasticLoadBalancingV2Client, loadBalancerArn: string): Promise<Record<string, string>> =>
  call('DescribeLoadBalancerAttributes', async () =>
    attributeMap((await client.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: loadBalancerArn }))).Attributes));

export const describeTargetGroupAttributes = (client: ElasticLoadBalancingV2Client, targetGroupArn: string): Promise<Record<string, string>> =>
  call('DescribeTargetGroupAttributes', async () =>
    attributeMap((await client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: targetGroupArn }))).Attributes));

export const describeListenerAttributes = (client: ElasticLoadBalancingV2Client, listenerArn: string): Promise<Record<string, string>> =>
  call('DescribeListenerAttributes', async () =>
    attributeMap((await client.send(new DescribeListenerAttributesCommand({ ListenerArn: listenerArn }))).Attributes));

/** the minimum capacity units reserved on a load balancer, undefined when none is */
export const describeCapacityReservation = (client: ElasticLoadBalancingV2Client, loadBalancerArn: string): Promise<number | undefined> =>
  call('DescribeCapacityReservation', async () =>
    (await client.send(new DescribeCapacityReservationCommand({ LoadBalancerArn: loadBalancerArn }))).MinimumLoadBalancerCapacity?.CapacityUnits);

/** health of every registered target, or of the given ones */
export const describeTargetHealth = (client: ElasticLoadBalancingV2Client, targetGroupArn: string, targets?: readonly TargetDescription[]): Promise<TargetHealthDescription[]> =>
  call('DescribeTargetHealth', async () =>
    (await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn, ...(targets ? { Targets: [...targets] } : {}) })))
      .TargetHealthDescriptions ?? []);

/**
 * The ARN of the trust store with this name, undefined when there is none (TrustStoreNotFound). One name per call:
 * AWS fails the whole call when any name is missing, and the answer must say which one is.
 */
export async function trustStoreArnByName(client: ElasticLoadBalancingV2Client, name: string): Promise<string | undefined> {
  try {
    const out = await call('DescribeTrustStores', () => client.send(new DescribeTrustStoresCommand({ Names: [name] })));
    return out.TrustStores?.find((t) => t.Name === name)?.TrustStoreArn;
  } catch (err) {
    if (isAwsError(err, 'NotFound')) return undefined;
    throw err;
  }
}
