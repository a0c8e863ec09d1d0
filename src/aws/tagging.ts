// Thin read adapter over the Resource Groups Tagging API: ARNs and tags of resources matching tag filters.
// Not used by deploy/observe: on AWS it is eventually consistent (a just-created resource can be missing, a
// deleted one still listed), it never returns listeners or rules, and the resources' details still need
// DescribeLoadBalancers / DescribeTargetGroups. deploy/observe lists those and keeps an ownership cache by ARN
// instead (same call count, read-after-write consistent). moto applies TagFilters correctly (AND across keys,
// untagged load balancers excluded once a filter is given; without filters it lists them too).
import { paginateGetResources, type ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { toAwsError } from './errors.ts';
import { tagMap } from './util.ts';

export interface TaggedResource {
  readonly arn: string;
  readonly tags: Record<string, string>;
}

/**
 * `tagFilters`: key → accepted values (an empty list means "key present"); keys are ANDed, values ORed.
 * `resourceTypes`: e.g. "elasticloadbalancing:loadbalancer", "elasticloadbalancing:targetgroup".
 */
export async function getResources(client: ResourceGroupsTaggingAPIClient, tagFilters: Readonly<Record<string, readonly string[]>>,
  resourceTypes: readonly string[]): Promise<TaggedResource[]> {
  try {
    const out: TaggedResource[] = [];
    const input = {
      TagFilters: Object.entries(tagFilters).map(([Key, Values]) => ({ Key, ...(Values.length > 0 ? { Values: [...Values] } : {}) })),
      ResourceTypeFilters: [...resourceTypes],
    };
    for await (const page of paginateGetResources({ client, pageSize: 100 }, input)) {
      for (const r of page.ResourceTagMappingList ?? []) if (r.ResourceARN) out.push({ arn: r.ResourceARN, tags: tagMap(r.Tags) });
    }
    return out;
  } catch (err) {
    throw toAwsError(err, { service: 'tagging', operation: 'GetResources' });
  }
}
