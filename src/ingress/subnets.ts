// Subnets for an ALB or an NLB: explicit (IDs or Name tags), tag-filtered (IngressClassParams), or auto-discovered by role tag.
import { type DiscoveredSubnet, type Known, type Scheme, unknown } from '../model/index.ts';
import { compareStrings } from './snapshot.ts';

export const ROLE_TAG_PUBLIC = 'kubernetes.io/role/elb';
export const ROLE_TAG_INTERNAL = 'kubernetes.io/role/internal-elb';
export const CLUSTER_TAG_PREFIX = 'kubernetes.io/cluster/';
export const MIN_FREE_IPS = 8;
export const MIN_AZS = 2;

/** the checks subnets must pass; two are switched by upstream's feature gates */
export interface SubnetRules {
  readonly clusterName: string;
  /** SubnetsClusterTagCheck: skip discovered subnets tagged only for other clusters */
  readonly clusterTagCheck: boolean;
  /** availability zones the load balancer needs: an ALB MIN_AZS (1 with ALBSingleSubnet), an NLB 1 */
  readonly minZones: number;
  /** what the subnets are for, in messages: 'an ALB' unless said */
  readonly loadBalancer?: string;
}

export type SubnetSource =
  | { readonly kind: 'discover' }
  | { readonly kind: 'explicit'; readonly nameOrIds: readonly string[] }
  | { readonly kind: 'tags'; readonly tags: Readonly<Record<string, readonly string[]>> };

/** ok: sorted subnet IDs (or Unknown when discovery facts are missing); error: why none fit. */
export type SubnetResult = { readonly ok: true; readonly subnets: Known<readonly string[]> } | { readonly ok: false; readonly reason: string };

export function resolveSubnets(source: SubnetSource, scheme: Scheme, facts: readonly DiscoveredSubnet[] | undefined, rules: SubnetRules): SubnetResult {
  if (source.kind === 'explicit') return resolveExplicit(source.nameOrIds, facts, rules.minZones, rules.loadBalancer ?? 'an ALB');
  if (!facts) return { ok: true, subnets: unknown('discovery:subnets') };
  let candidates: readonly DiscoveredSubnet[];
  let what: string;
  if (source.kind === 'tags') {
    candidates = facts.filter((s) => Object.entries(source.tags).every(([k, vs]) => s.tags[k] !== undefined && vs.includes(s.tags[k] as string)));
    what = `subnets matching IngressClassParams tags ${JSON.stringify(source.tags)}`;
  } else {
    const role = scheme === 'internet-facing' ? ROLE_TAG_PUBLIC : ROLE_TAG_INTERNAL;
    candidates = facts.filter((s) => s.tags[role] === '' || s.tags[role] === '1');
    what = `subnets tagged ${role} (value "" or "1") for a ${scheme} load balancer`;
  }
  const ownTag = CLUSTER_TAG_PREFIX + rules.clusterName;
  const usable = candidates.filter((s) => {
    const clusterTags = Object.keys(s.tags).filter((k) => k.startsWith(CLUSTER_TAG_PREFIX));
    if (rules.clusterTagCheck && clusterTags.length > 0 && !clusterTags.includes(ownTag)) return false;
    return s.availableIpAddressCount >= MIN_FREE_IPS;
  });
  const byAz = new Map<string, DiscoveredSubnet>();
  for (const s of usable) {
    const cur = byAz.get(s.availabilityZone);
    if (!cur || better(s, cur, ownTag)) byAz.set(s.availabilityZone, s);
  }
  if (byAz.size < rules.minZones) {
    const skipped = rules.clusterTagCheck ? 'subnets tagged for other clusters or with fewer than' : 'subnets with fewer than';
    return { ok: false, reason: `found ${byAz.size} availability zone(s) with usable ${what} (need at least ${rules.minZones}; ${skipped} ${MIN_FREE_IPS} free IPs are skipped)` };
  }
  return { ok: true, subnets: [...byAz.values()].map((s) => s.id).sort(compareStrings) };
}

/** prefer the subnet tagged for this cluster, then the lowest subnet ID */
function better(a: DiscoveredSubnet, b: DiscoveredSubnet, ownTag: string): boolean {
  const at = ownTag in a.tags;
  const bt = ownTag in b.tags;
  if (at !== bt) return at;
  return a.id < b.id;
}

function resolveExplicit(nameOrIds: readonly string[], facts: readonly DiscoveredSubnet[] | undefined, minZones: number, loadBalancer: string): SubnetResult {
  if (!facts) {
    if (nameOrIds.every((x) => x.startsWith('subnet-'))) return { ok: true, subnets: [...new Set(nameOrIds)].sort(compareStrings) };
    return { ok: true, subnets: unknown('discovery:subnets') };
  }
  const found: DiscoveredSubnet[] = [];
  for (const x of nameOrIds) {
    const s = x.startsWith('subnet-') ? facts.find((f) => f.id === x) : facts.find((f) => f.tags['Name'] === x);
    if (!s) return { ok: false, reason: `subnet ${x} not found in the VPC` };
    if (!found.some((f) => f.id === s.id)) found.push(s);
  }
  const azs = new Map<string, string>();
  for (const s of found) {
    const other = azs.get(s.availabilityZone);
    if (other) return { ok: false, reason: `subnets ${other} and ${s.id} are both in ${s.availabilityZone}; give one subnet per availability zone` };
    azs.set(s.availabilityZone, s.id);
  }
  if (azs.size < minZones) return { ok: false, reason: `${loadBalancer} needs subnets in at least ${minZones} availability zone${minZones === 1 ? '' : 's'}, got ${azs.size}` };
  return { ok: true, subnets: found.map((s) => s.id).sort(compareStrings) };
}
