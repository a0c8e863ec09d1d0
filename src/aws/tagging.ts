// Thin read adapter over the Resource Groups Tagging API: ARNs and tags of resources matching tag filters.
// Not used by deploy/observe by default (upstream keeps it behind the EnableRGTAPI gate, it needs
// tag:GetResources in the IAM policy, and it never returns listeners or rules); offered for callers that
// want one call per stack instead of listing every load balancer and target group of the VPC.
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
