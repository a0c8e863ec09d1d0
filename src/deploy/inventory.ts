// The inventory: which load balancers, target groups and managed security groups each stack owns, from one
// listing of the account shared by every group reconcile of a pass (ADR 0013). One listing can sort several
// stack families (IngressGroups by ingress.k8s.aws/stack, Services by service.k8s.aws/stack) at once.
//
// ELBv2 cannot filter its listings by tag, so every load balancer and target group is listed (400 a page) and
// ownership is read from tags; the managed security groups come from one tag-filtered EC2 listing. An
// OwnershipCache held across listings remembers each ARN's cluster and stack tags, so a listing asks
// DescribeTags only for ARNs it has not seen (or whose verdict is older than the cache's TTL).
//
// A listing costs, for an account holding L load balancers and T target groups in all (owned or not):
//   DescribeLoadBalancers ⌈L/400⌉ + DescribeTargetGroups ⌈T/400⌉ + DescribeSecurityGroups 1 (pages of 1,000)
//   + DescribeTags ⌈unseen ARNs/20⌉ (every ARN of the VPC on a cold cache, usually none afterwards)
// whatever the number of stacks. What lies below a load balancer (attributes, listeners, rules, tags) is read
// per stack by observe.ts, and only when a stack needs it.
//
// InventoryCache keeps the last listing for the controller: a reconcile takes it while it is younger than
// maxAgeMs (60 s) and not older than the pass the reconcile belongs to; otherwise one listing is made and shared
// by every reconcile that asks meanwhile. An apply's results are written through (`applied`): the stack's entry
// then holds the ARNs the apply left, without descriptions, until the next listing, so a stack is never read as
// it was before this controller changed it. A failed apply or a resource found gone drops the listing
// (`invalidate`).
import type { ElasticLoadBalancingV2Client, LoadBalancer, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { EC2Client, Filter, SecurityGroup } from '@aws-sdk/client-ec2';
import { describeSecurityGroups } from '../aws/ec2.ts';
import { describeLoadBalancers, describeTags, describeTargetGroups } from '../aws/elbv2.ts';
import type { StackFamily } from '../model/stack.ts';
import { owningStack, stackTagKey, TAG_CLUSTER, TAG_INGRESS_STACK, TAG_SERVICE_STACK } from '../model/tags.ts';

export interface InventoryClients {
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly ec2: EC2Client;
}

export interface InventoryOptions {
  readonly clusterName: string;
  /** whose stacks: IngressGroups (ingress.k8s.aws/stack, the default) or Services (service.k8s.aws/stack) */
  readonly family?: StackFamily;
  /** only resources in this VPC are considered (as upstream); all VPCs when omitted */
  readonly vpcId?: string;
  /**
   * ownership tags by ARN, kept across listings (hold one per controller); without it each listing reads the tags
   * of every load balancer and target group in the VPC
   */
  readonly cache?: OwnershipCache;
}

/** what one stack owns: the ARNs always, the descriptions as listed when the listing is the latest word on it */
export interface StackInventory {
  readonly loadBalancerArns: readonly string[];
  readonly targetGroupArns: readonly string[];
  readonly securityGroupIds: readonly string[];
  /** absent when this controller changed the stack after the listing (its descriptions are then out of date) */
  readonly listed?: ListedResources;
}

export interface ListedResources {
  readonly loadBalancers: readonly LoadBalancer[];
  readonly targetGroups: readonly TargetGroup[];
  readonly securityGroups: readonly SecurityGroup[];
}

export const EMPTY_STACK_INVENTORY: StackInventory = Object.freeze({
  loadBalancerArns: [], targetGroupArns: [], securityGroupIds: [], listed: Object.freeze({ loadBalancers: [], targetGroups: [], securityGroups: [] }),
});

export interface Inventory {
  /** when the listing started: nothing changed before this time is missing from it */
  readonly listedAt: number;
  /** the stacks that own something, sorted */
  readonly stackIds: readonly string[];
  stack(stackId: string): StackInventory;
  /** full tags of the ARNs this listing read tags for (those the ownership cache did not know) */
  readonly tags: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** one cluster's stack (it owns the resource) and cluster tag, as last read */
interface OwnershipEntry {
  readonly tags: Readonly<Record<string, string>>;
  readonly readAt: number;
}

export interface OwnershipCacheOptions {
  /**
   * how long a verdict is trusted (default 10 minutes). Only a change made outside the controller turns a
   * resource into an owned one (e.g. a user adding elbv2.k8s.aws/cluster to a v1-only load balancer); it is
   * seen within this time. The full tags of a stack's resources are read again whenever the stack is read in full.
   */
  readonly ttlMs?: number;
  /** for tests */
  readonly now?: () => number;
}

export const DEFAULT_OWNERSHIP_TTL_MS = 10 * 60_000;

/**
 * The ownership tags (cluster and stack) of ELBv2 load balancers and target groups, by ARN, shared by every
 * listing. An ARN not in the cache, or older than the TTL, is asked for with DescribeTags; an ARN no longer
 * listed is dropped. Holds two short strings per ARN.
 */
export class OwnershipCache {
  readonly #entries = new Map<string, OwnershipEntry>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(opts: OwnershipCacheOptions = {}) {
    this.#ttlMs = opts.ttlMs ?? DEFAULT_OWNERSHIP_TTL_MS;
    this.#now = opts.now ?? Date.now;
  }

  /** the cached ownership tags of `arn`, or undefined when unknown or expired */
  get(arn: string): Readonly<Record<string, string>> | undefined {
    const e = this.#entries.get(arn);
    if (e === undefined) return undefined;
    if (this.#now() - e.readAt >= this.#ttlMs) {
      this.#entries.delete(arn);
      return undefined;
    }
    return e.tags;
  }

  /** remembers the ownership-relevant part of `tags` */
  set(arn: string, tags: Readonly<Record<string, string>>): void {
    const keep: Record<string, string> = {};
    for (const k of [TAG_CLUSTER, TAG_INGRESS_STACK, TAG_SERVICE_STACK]) if (tags[k] !== undefined) keep[k] = tags[k];
    this.#entries.set(arn, { tags: keep, readAt: this.#now() });
  }

  delete(arn: string): void {
    this.#entries.delete(arn);
  }

  /** drops every ARN not in `listed` (deleted resources) */
  retainOnly(listed: ReadonlySet<string>): void {
    for (const arn of this.#entries.keys()) if (!listed.has(arn)) this.#entries.delete(arn);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

/**
 * the filters of the EC2 listing of managed security groups: this cluster's, with a stack tag of one of the families
 * (or one stack's, of the first family)
 */
export function securityGroupFilters(opts: InventoryOptions, onlyStack?: string, families: readonly StackFamily[] = [opts.family ?? 'ingress']): Filter[] {
  const stackTags = families.map(stackTagKey);
  return [
    { Name: `tag:${TAG_CLUSTER}`, Values: [opts.clusterName] },
    onlyStack !== undefined ? { Name: `tag:${stackTags[0]}`, Values: [onlyStack] } : { Name: 'tag-key', Values: stackTags },
    ...(opts.vpcId !== undefined ? [{ Name: 'vpc-id', Values: [opts.vpcId] }] : []),
  ];
}

/** lists the account once and sorts what this cluster owns by stack of `opts.family` (`onlyStack`: keep that stack alone) */
export async function listInventory(clients: InventoryClients, opts: InventoryOptions, onlyStack?: string, now: () => number = Date.now): Promise<Inventory> {
  const family = opts.family ?? 'ingress';
  return (await listInventories(clients, opts, [family], onlyStack, now)).get(family) as Inventory;
}

/** one listing of the account, sorted by stack for each of `families` (`onlyStack`: that stack alone, of the first family) */
export async function listInventories(clients: InventoryClients, opts: Omit<InventoryOptions, 'family'>, families: readonly StackFamily[],
  onlyStack?: string, now: () => number = Date.now): Promise<Map<StackFamily, Inventory>> {
  const { elbv2, ec2 } = clients;
  const listedAt = now();
  const inVpc = (vpcId: string | undefined): boolean => opts.vpcId === undefined || vpcId === opts.vpcId;
  const wanted = (stack: string | undefined): stack is string => stack !== undefined && (onlyStack === undefined || stack === onlyStack);

  const [allLbs, allTgs, sgs] = await Promise.all([
    describeLoadBalancers(elbv2),
    describeTargetGroups(elbv2),
    describeSecurityGroups(ec2, { filters: securityGroupFilters(opts, onlyStack, families) }),
  ]);
  const lbs = allLbs.filter((lb) => lb.LoadBalancerArn && inVpc(lb.VpcId));
  const tgs = allTgs.filter((tg) => tg.TargetGroupArn && tg.VpcId !== undefined && inVpc(tg.VpcId));

  // ownership: from the cache, or read now (fresh) for ARNs it does not know
  const cache = opts.cache;
  const known = new Map<string, Readonly<Record<string, string>>>(); // a snapshot: concurrent listings may expire or prune entries
  const misses: string[] = [];
  for (const arn of [...lbs.map((l) => l.LoadBalancerArn as string), ...tgs.map((t) => t.TargetGroupArn as string)]) {
    const hit = cache?.get(arn);
    if (hit) known.set(arn, hit);
    else misses.push(arn);
  }
  const fresh = misses.length > 0 ? await describeTags(elbv2, misses) : new Map<string, Record<string, string>>();
  if (cache) {
    // the listings are account-wide: what they no longer hold was deleted
    cache.retainOnly(new Set([...allLbs.map((l) => l.LoadBalancerArn), ...allTgs.map((t) => t.TargetGroupArn)].filter((a): a is string => a !== undefined)));
    for (const [arn, t] of fresh) cache.set(arn, t);
  }
  const ownershipOf = (arn: string): Readonly<Record<string, string>> | undefined => fresh.get(arn) ?? known.get(arn);
  const sgTags = sgs.map((sg) => Object.fromEntries((sg.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])));

  const out = new Map<StackFamily, Inventory>();
  for (const family of onlyStack === undefined ? families : families.slice(0, 1)) {
    const byStack = new Map<string, { loadBalancers: LoadBalancer[]; targetGroups: TargetGroup[]; securityGroups: SecurityGroup[] }>();
    const slot = (stack: string) => {
      let s = byStack.get(stack);
      if (!s) byStack.set(stack, (s = { loadBalancers: [], targetGroups: [], securityGroups: [] }));
      return s;
    };
    for (const lb of lbs) {
      const stack = owningStack(ownershipOf(lb.LoadBalancerArn as string), opts.clusterName, family);
      if (wanted(stack)) slot(stack).loadBalancers.push(lb);
    }
    for (const tg of tgs) {
      const stack = owningStack(ownershipOf(tg.TargetGroupArn as string), opts.clusterName, family);
      if (wanted(stack)) slot(stack).targetGroups.push(tg);
    }
    sgs.forEach((sg, i) => {
      const stack = owningStack(sgTags[i], opts.clusterName, family);
      if (sg.GroupId && wanted(stack) && inVpc(sg.VpcId)) slot(stack).securityGroups.push(sg);
    });
    const stacks = new Map<string, StackInventory>();
    for (const [id, listed] of byStack) stacks.set(id, entryOf(listed));
    out.set(family, inventoryOf(listedAt, stacks, fresh));
  }
  return out;
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function entryOf(listed: ListedResources): StackInventory {
  return {
    loadBalancerArns: listed.loadBalancers.map((l) => l.LoadBalancerArn as string).sort(byString),
    targetGroupArns: listed.targetGroups.map((t) => t.TargetGroupArn as string).sort(byString),
    securityGroupIds: listed.securityGroups.map((s) => s.GroupId as string).sort(byString),
    listed,
  };
}

function inventoryOf(listedAt: number, stacks: ReadonlyMap<string, StackInventory>, tags: ReadonlyMap<string, Readonly<Record<string, string>>>): Inventory {
  const stackIds = [...stacks.keys()].sort(byString);
  return { listedAt, stackIds, tags, stack: (id) => stacks.get(id) ?? EMPTY_STACK_INVENTORY };
}

/** the resources a stack holds after an apply, by kind (what the apply result names) */
export interface AppliedResources {
  readonly loadBalancerArns: readonly string[];
  readonly targetGroupArns: readonly string[];
  readonly securityGroupIds: readonly string[];
}

export interface InventoryCacheOptions extends InventoryOptions {
  /** the oldest listing a reconcile is given (60 s) */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
  /** the listing itself (tests); listInventory by default */
  readonly list?: (clients: InventoryClients, opts: InventoryOptions) => Promise<Inventory>;
}

export const DEFAULT_INVENTORY_MAX_AGE_MS = 60_000;

/** The controller's latest listing, shared by the reconciles of a pass (see the top of this file). */
export class InventoryCache {
  readonly #clients: InventoryClients;
  readonly #opts: InventoryCacheOptions;
  readonly #now: () => number;
  readonly #maxAgeMs: number;
  #current: Inventory | undefined;
  #listing: { readonly startedAt: number; readonly result: Promise<Inventory> } | undefined;
  /** stacks this controller changed, with when: newer than a listing, they override its entries */
  readonly #applied = new Map<string, { readonly at: number; readonly entry: StackInventory }>();
  #listings = 0;

  constructor(clients: InventoryClients, opts: InventoryCacheOptions) {
    this.#clients = clients;
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#maxAgeMs = opts.maxAgeMs ?? DEFAULT_INVENTORY_MAX_AGE_MS;
  }

  /** listings made so far (for metrics and tests) */
  get listings(): number {
    return this.#listings;
  }

  /** an inventory listed no earlier than `notBefore` (a pass's start) and younger than the max age */
  async get(notBefore = 0): Promise<Inventory> {
    const now = this.#now();
    const fresh = (at: number): boolean => at >= notBefore && now - at < this.#maxAgeMs;
    if (this.#current && fresh(this.#current.listedAt)) return this.#withApplied(this.#current);
    if (!this.#listing || !fresh(this.#listing.startedAt)) {
      const startedAt = now;
      const result = (this.#opts.list ?? ((c, o) => listInventory(c, o, undefined, this.#now)))(this.#clients, this.#opts);
      const listing = { startedAt, result };
      this.#listing = listing;
      this.#listings++;
      result.then((inv) => {
        if (this.#listing === listing) this.#listing = undefined;
        if (!this.#current || inv.listedAt >= this.#current.listedAt) this.#current = inv;
        // what a listing that started after an apply shows already includes it
        for (const [id, a] of this.#applied) if (a.at < inv.listedAt) this.#applied.delete(id);
      }, () => { if (this.#listing === listing) this.#listing = undefined; });
    }
    return this.#withApplied(await this.#listing.result);
  }

  /** the next reconcile lists again (a failed apply, a resource found gone) */
  invalidate(): void {
    this.#current = undefined;
    this.#listing = undefined;
  }

  /** an apply changed `stackId`: it now holds these resources (and this controller knows they are its own) */
  applied(stackId: string, r: AppliedResources): void {
    const entry: StackInventory = {
      loadBalancerArns: [...r.loadBalancerArns].sort(byString),
      targetGroupArns: [...r.targetGroupArns].sort(byString),
      securityGroupIds: [...r.securityGroupIds].sort(byString),
    };
    this.#applied.set(stackId, { at: this.#now(), entry });
    for (const arn of [...r.loadBalancerArns, ...r.targetGroupArns]) this.#opts.cache?.set(arn, { [TAG_CLUSTER]: this.#opts.clusterName, [stackTagKey(this.#opts.family)]: stackId });
  }

  #withApplied(inv: Inventory): Inventory {
    const newer = [...this.#applied].filter(([, a]) => a.at >= inv.listedAt);
    if (newer.length === 0) return inv;
    const override = new Map(newer.map(([id, a]) => [id, a.entry]));
    const ids = new Set([...inv.stackIds, ...override.keys()]);
    return {
      listedAt: inv.listedAt, tags: inv.tags,
      stackIds: [...ids].sort(byString),
      stack: (id) => override.get(id) ?? inv.stack(id),
    };
  }
}
