// Reads of the load balancer add-ons (WAFv2, Shield Advanced). The writes are in
// deploy/apply-addons.ts. Each client is built on first use (clients.ts), so a cluster with no web ACL or
// protection never loads one.
import { GetSubscriptionStateCommand, DescribeProtectionCommand, DescribeSubscriptionCommand, type ShieldClient } from '@aws-sdk/client-shield';
import { GetWebACLForResourceCommand, ListWebACLsCommand, type WAFV2Client } from '@aws-sdk/client-wafv2';
import { awsErrorCodeOf } from './errors.ts';

const codeIs = (err: unknown, ...codes: string[]): boolean => codes.includes(awsErrorCodeOf(err).replace(/Exception$/, ''));

/** every regional WAFv2 web ACL, name → ARN (ListWebACLs, paged by NextMarker) */
export async function listRegionalWebAcls(client: WAFV2Client): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let marker: string | undefined;
  do {
    const page = await client.send(new ListWebACLsCommand({ Scope: 'REGIONAL', Limit: 100, ...(marker ? { NextMarker: marker } : {}) }));
    for (const acl of page.WebACLs ?? []) if (acl.Name && acl.ARN) out[acl.Name] = acl.ARN;
    // an empty page with a marker would loop forever on a misbehaving endpoint
    marker = page.WebACLs?.length ? page.NextMarker : undefined;
  } while (marker);
  return out;
}

/** the ARN of the WAFv2 web ACL associated with the resource, or "" when none is */
export async function webAclOf(client: WAFV2Client, resourceArn: string): Promise<string> {
  try {
    return (await client.send(new GetWebACLForResourceCommand({ ResourceArn: resourceArn }))).WebACL?.ARN ?? '';
  } catch (err) {
    if (codeIs(err, 'WAFNonexistentItem')) return '';
    throw err;
  }
}

/** the Shield Advanced protection of a resource, or undefined when it has none */
export async function protectionOf(client: ShieldClient, resourceArn: string): Promise<{ id: string; name: string } | undefined> {
  try {
    const p = (await client.send(new DescribeProtectionCommand({ ResourceArn: resourceArn }))).Protection;
    return p?.Id ? { id: p.Id, name: p.Name ?? '' } : undefined;
  } catch (err) {
    if (codeIs(err, 'ResourceNotFound')) return undefined;
    throw err;
  }
}

/** whether the account has an active Shield Advanced subscription, or why that could not be told */
export type SubscriptionCheck = { readonly active: boolean } | { readonly unknown: string };

/**
 * GetSubscriptionState, as upstream; when that call fails (moto does not implement it), DescribeSubscription
 * answers the same question (a subscription that has not ended is active; ResourceNotFound: none). When both fail,
 * the reason is returned, never thrown: Shield is then skipped and said so, the rest of the load balancer is applied.
 */
export async function shieldSubscription(client: ShieldClient, now: () => number = Date.now): Promise<SubscriptionCheck> {
  let first: string;
  try {
    return { active: (await client.send(new GetSubscriptionStateCommand({}))).SubscriptionState === 'ACTIVE' };
  } catch (err) {
    first = `GetSubscriptionState: ${awsErrorCodeOf(err)}`;
  }
  try {
    const s = (await client.send(new DescribeSubscriptionCommand({}))).Subscription;
    return { active: s !== undefined && (s.EndTime === undefined || s.EndTime.getTime() > now()) };
  } catch (err) {
    if (codeIs(err, 'ResourceNotFound')) return { active: false };
    return { unknown: `${first}; DescribeSubscription: ${awsErrorCodeOf(err)}` };
  }
}
