// Reads what each stack owns in AWS, in bulk, and converts it to model specs (deploy/convert.ts). One family
// of stacks per pass: IngressGroups (ALBs) or Services (NLBs, service.k8s.aws/stack instead of ingress.k8s.aws/stack).
//
// A load balancer, target group or security group belongs to stack S iff it carries
//   elbv2.k8s.aws/cluster=<cluster> and ingress.k8s.aws/stack=S      (model/tags.ts owningStack / isOwnedBy,
// the same predicate apply's assertOwned uses; the v1 controller's ingress.k8s.aws/cluster alone is not enough).
// Listeners and rules are read through their load balancer, so they belong to it whatever their tags.
//
// One pass serves every stack (observeAllStacks); observeStack runs the same pass and details one stack.
//
// Finding a stack's own load balancers and target groups. ELBv2 cannot filter its listings by tag, so every
// load balancer and target group of the account is listed (400 a page) and ownership is read from tags. The
// ownership tags of an ARN do not change in practice: the controller sets cluster, stack and resource tags at
// create time and its tag diff never changes them (apply-support diffTags skips the cluster tag; the stack and
// resource tags of an observed resource equal the desired ones, since plan matches resources by them). So an
// OwnershipCache held across reconciles remembers each ARN's cluster and stack tags, and a pass asks
// DescribeTags only for ARNs it has not seen (or whose entry is older than the TTL). The full tags of the
// resources found owned are still read fresh every pass (user tags do change, and the plan diffs them), in
// the same DescribeTags batch as the listener and rule tags; that read also re-checks their ownership.
// Not used: the Resource Groups Tagging API (GetResources by tag). moto filters it correctly, but on AWS it is
// eventually consistent (a just-created load balancer can be missing, a deleted one still listed, and
// DescribeLoadBalancers by ARN then fails for the whole batch), and it would still need the two Describe
// calls for the resources' details. The listings plus the cache cost the same number of calls, read strongly.
//
// AWS calls, for an account holding L load balancers and T target groups in all (owned or not):
//   listing                DescribeLoadBalancers ⌈L/400⌉ + DescribeTargetGroups ⌈T/400⌉ + DescribeSecurityGroups 1 (tag-filtered)
//   ownership              DescribeTags ⌈(L+T in the VPC)/20⌉ without a cache (or a cold one);
//                          with a warm OwnershipCache only ⌈new ARNs/20⌉, usually 0
//   per owned LB           DescribeLoadBalancerAttributes 1 + DescribeListeners 1
//                          + per HTTP(S) listener: DescribeRules 1 (+ DescribeListenerCertificates 1 if HTTPS)
//                          + per TLS listener (NLB): DescribeListenerCertificates 1
//   per owned TG           DescribeTargetGroupAttributes 1
//   owned tags             DescribeTags ⌈(listeners + rules [+ owned LBs and TGs whose tags came from the cache])/20⌉
// A typical stack (1 ALB, HTTP + HTTPS listeners, 4 rules, 3 target groups) costs 1+1+2+1+3+1 = 9 calls of its
// own; observing it with a warm cache adds the listings (3 calls while L, T ≤ 400) whatever the number of
// stacks, where without a cache it adds 3 + ⌈(L+T)/20⌉ (100 LBs + 300 TGs: 23 calls instead of 3).
import type { Certificate, ElasticLoadBalancingV2Client, Listener, LoadBalancer, Rule, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { EC2Client, Filter } from '@aws-sdk/client-ec2';
import { describeSecurityGroups } from '../aws/ec2.ts';
import {
  describeCapacityReservation, describeListenerAttributes, describeListenerCertificates, describeListeners, describeLoadBalancerAttributes, describeLoadBalancers, describeRules, describeTags,
  describeTargetGroupAttributes, describeTargetGroups,
} from '../aws/elbv2.ts';
import { mapLimit, tagMap } from '../aws/util.ts';
import type {
  ObservedListener, ObservedListenerRule, ObservedLoadBalancer, ObservedSecurityGroup, ObservedState, ObservedTargetGroup,
} from '../model/observed.ts';
import { owningStack, resourceTagKey, stackTagKey, TAG_CLUSTER, TAG_INGRESS_STACK, TAG_SERVICE_STACK } from '../model/tags.ts';
import type { Stack, StackFamily } from '../model/stack.ts';
import { toListenerSpec, toLoadBalancerSpec, toRuleSpec, toSecurityGroupSpec, toTargetGroupSpec } from './convert.ts';

export interface ObserveClients {
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly ec2: EC2Client;
}

export interface ObserveOptions {
  readonly clusterName: string;
  /** whose stacks: IngressGroups (ingress.k8s.aws/stack, the default) or Services (service.k8s.aws/stack) */
  readonly family?: StackFamily;
  /** only resources in this VPC are considered (as upstream); all VPCs when omitted */
  readonly vpcId?: string;
  /** parallel per-resource describe calls (the token buckets still apply) */
  readonly concurrency?: number;
  /**
   * ownership tags by ARN, kept across passes (hold one per controller and pass it to every call); without it
   * each pass reads the tags of every load balancer and target group in the VPC
   */
  readonly cache?: OwnershipCache;
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
   * seen within this time. Owned resources are re-checked on every pass.
   */
  readonly ttlMs?: number;
  /** for tests */
  readonly now?: () => number;
}

export const DEFAULT_OWNERSHIP_TTL_MS = 10 * 60_000;

/**
 * The ownership tags (cluster and stack) of ELBv2 load balancers and target groups, by ARN, shared by the
 * observe passes of every stack. An ARN not in the cache, or older than the TTL, is asked for with
 * DescribeTags; an ARN no longer listed is dropped. Holds two short strings per ARN.
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

/** observed state of one stack (empty when it owns nothing) */
export async function observeStack(clients: ObserveClients, opts: ObserveOptions & { readonly stackId: string }): Promise<ObservedState> {
  const family = opts.family ?? 'ingress';
  const all = await observe(clients, opts, [family], opts.stackId);
  return all.get(familyKey(family, opts.stackId)) ?? emptyState();
}

/** observed state of every stack of one family (IngressGroups by default) this cluster owns something for, keyed by stack ID */
export async function observeAllStacks(clients: ObserveClients, opts: ObserveOptions): Promise<Map<string, ObservedState>> {
  return (await observeEveryFamily(clients, opts, [opts.family ?? 'ingress'])).get(opts.family ?? 'ingress') ?? new Map();
}

/** every stack of the given families, in one pass (one listing serves them all), by family and stack ID */
export async function observeEveryFamily(clients: ObserveClients, opts: Omit<ObserveOptions, 'family'>,
  families: readonly StackFamily[] = ['ingress', 'service']): Promise<Map<StackFamily, Map<string, ObservedState>>> {
  const all = await observe(clients, opts, families, undefined);
  const out = new Map<StackFamily, Map<string, ObservedState>>(families.map((f) => [f, new Map()]));
  for (const [key, state] of all) {
    const [family, stack] = key.split(FAMILY_SEPARATOR) as [StackFamily, string];
    out.get(family)?.set(stack, state);
  }
  return out;
}

const FAMILY_SEPARATOR = '\u0000';
/** stacks of two families may share an ID ("namespace/name"): internal maps key by both */
const familyKey = (family: StackFamily, stack: string): string => `${family}${FAMILY_SEPARATOR}${stack}`;

interface MutableState {
  loadBalancers: ObservedLoadBalancer[];
  listeners: ObservedListener[];
  rules: ObservedListenerRule[];
  targetGroups: ObservedTargetGroup[];
  securityGroups: ObservedSecurityGroup[];
}

const emptyState = (): MutableState => ({ loadBalancers: [], listeners: [], rules: [], targetGroups: [], securityGroups: [] });

interface ListenerRead {
  readonly listener: Listener;
  readonly certificates: Certificate[] | undefined;
  readonly rules: Rule[];
}

interface LoadBalancerRead {
  readonly lb: LoadBalancer;
  readonly attributes: Record<string, string>;
  readonly listeners: ListenerRead[];
}

/** observed states keyed by familyKey */
async function observe(clients: ObserveClients, opts: Omit<ObserveOptions, 'family'>, families: readonly StackFamily[],
  onlyStack: string | undefined): Promise<Map<string, ObservedState>> {
  const { elbv2, ec2 } = clients;
  const concurrency = opts.concurrency ?? 8;
  const inVpc = (vpcId: string | undefined): boolean => opts.vpcId === undefined || vpcId === opts.vpcId;
  /** the familyKey of the stack a resource with these tags belongs to, among the wanted ones */
  const ownerOf = (tags: Readonly<Record<string, string>>): string | undefined => {
    for (const f of families) {
      const stack = owningStack(tags, opts.clusterName, f);
      if (stack !== undefined && (onlyStack === undefined || stack === onlyStack)) return familyKey(f, stack);
    }
    return undefined;
  };
  const wanted = (key: string | undefined): key is string => key !== undefined;

  const [allLbs, allTgs, sgs] = await Promise.all([
    describeLoadBalancers(elbv2),
    describeTargetGroups(elbv2),
    describeSecurityGroups(ec2, { filters: securityGroupFilters(opts, families, onlyStack) }),
  ]);
  const lbs = allLbs.filter((lb) => lb.LoadBalancerArn && inVpc(lb.VpcId));
  const tgs = allTgs.filter((tg) => tg.TargetGroupArn && tg.VpcId !== undefined && inVpc(tg.VpcId));
  const listed = [...lbs.map((l) => l.LoadBalancerArn as string), ...tgs.map((t) => t.TargetGroupArn as string)];

  // ownership: from the cache, or read now (fresh) for ARNs it does not know
  const cache = opts.cache;
  const known = new Map<string, Readonly<Record<string, string>>>(); // a snapshot: concurrent passes may expire or prune entries
  const misses: string[] = [];
  for (const arn of listed) {
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
  const ownershipOf = (arn: string): Readonly<Record<string, string>> => fresh.get(arn) ?? known.get(arn) ?? {};

  const ownedLbs = lbs
    .map((lb) => ({ lb, stack: ownerOf(ownershipOf(lb.LoadBalancerArn as string)) }))
    .filter((x): x is { lb: LoadBalancer; stack: string } => wanted(x.stack));
  const ownedTgs = tgs
    .map((tg) => ({ tg, stack: ownerOf(ownershipOf(tg.TargetGroupArn as string)) }))
    .filter((x): x is { tg: TargetGroup; stack: string } => wanted(x.stack));

  const [lbReads, tgAttributes] = await Promise.all([
    mapLimit(ownedLbs, concurrency, async ({ lb }): Promise<LoadBalancerRead> => {
      const arn = lb.LoadBalancerArn as string;
      const [attributes, listeners] = await Promise.all([describeLoadBalancerAttributes(elbv2, arn), describeListeners(elbv2, arn)]);
      const reads = await mapLimit(listeners, concurrency, (l) => readListener(elbv2, l));
      return { lb, attributes, listeners: reads };
    }),
    mapLimit(ownedTgs, concurrency, ({ tg }) => describeTargetGroupAttributes(elbv2, tg.TargetGroupArn as string)),
  ]);

  // one batch: listener and rule tags, plus the full tags of owned LBs and TGs whose ownership came from the cache
  const cachedOwned = [...ownedLbs.map((x) => x.lb.LoadBalancerArn as string), ...ownedTgs.map((x) => x.tg.TargetGroupArn as string)]
    .filter((arn) => !fresh.has(arn));
  const childArns = lbReads.flatMap((r) => r.listeners.flatMap((l) => [
    l.listener.ListenerArn as string,
    ...l.rules.filter((rule) => !rule.IsDefault && rule.RuleArn).map((rule) => rule.RuleArn as string),
  ]));
  const batch = [...cachedOwned, ...childArns];
  const more = batch.length > 0 ? await describeTags(elbv2, batch) : new Map<string, Record<string, string>>();
  const tagsOf = (arn: string): Record<string, string> => fresh.get(arn) ?? more.get(arn) ?? {};
  // a cached verdict the fresh tags no longer support (retagged by hand) drops the resource
  const stillOwned = (arn: string): string | undefined => {
    const stack = ownerOf(tagsOf(arn));
    if (cache && !fresh.has(arn)) cache.set(arn, tagsOf(arn));
    return wanted(stack) ? stack : undefined;
  };

  const states = new Map<string, MutableState>();
  const stateOf = (stack: string): MutableState => {
    let s = states.get(stack);
    if (!s) states.set(stack, (s = emptyState()));
    return s;
  };

  for (const r of lbReads) {
    const arn = r.lb.LoadBalancerArn as string;
    const stack = stillOwned(arn);
    if (stack !== undefined) addLoadBalancer(stateOf(stack), r, tagsOf(arn), more);
  }
  ownedTgs.forEach(({ tg }, i) => {
    const arn = tg.TargetGroupArn as string;
    const stack = stillOwned(arn);
    if (stack === undefined) return;
    const t = tagsOf(arn);
    stateOf(stack).targetGroups.push({ arn, tags: t, attributes: tgAttributes[i] ?? {}, spec: toTargetGroupSpec(tg, tgAttributes[i] ?? {}, t) });
  });
  for (const sg of sgs) {
    const t = tagMap(sg.Tags);
    const stack = ownerOf(t);
    if (!sg.GroupId || !wanted(stack) || !inVpc(sg.VpcId)) continue;
    stateOf(stack).securityGroups.push({ arn: sg.GroupId, groupId: sg.GroupId, tags: t, spec: toSecurityGroupSpec(sg, t) });
  }

  const out = new Map<string, ObservedState>();
  for (const stack of [...states.keys()].sort()) out.set(stack, sortState(states.get(stack) as MutableState));
  return out;
}

async function readListener(elbv2: ElasticLoadBalancingV2Client, listener: Listener): Promise<ListenerRead> {
  const arn = listener.ListenerArn as string;
  const [rules, certificates] = await Promise.all([
    // only HTTP and HTTPS listeners (of application load balancers) have rules besides the default one
    listener.Protocol === 'HTTP' || listener.Protocol === 'HTTPS' ? describeRules(elbv2, arn) : Promise.resolve([]),
    listener.Protocol === 'HTTPS' || listener.Protocol === 'TLS' ? describeListenerCertificates(elbv2, arn) : Promise.resolve(undefined),
  ]);
  return { listener, rules, certificates };
}

function addLoadBalancer(state: MutableState, r: LoadBalancerRead, tags: Record<string, string>, childTags: ReadonlyMap<string, Record<string, string>>): void {
  const arn = r.lb.LoadBalancerArn as string;
  state.loadBalancers.push({
    arn,
    tags,
    attributes: r.attributes,
    dnsName: r.lb.DNSName ?? '',
    ...(r.lb.CanonicalHostedZoneId ? { canonicalHostedZoneId: r.lb.CanonicalHostedZoneId } : {}),
    spec: toLoadBalancerSpec(r.lb, r.attributes, tags),
  });
  for (const l of r.listeners) {
    const listenerArn = l.listener.ListenerArn as string;
    const lt = childTags.get(listenerArn) ?? {};
    state.listeners.push({ arn: listenerArn, loadBalancerArn: arn, tags: lt, spec: toListenerSpec({ ...l.listener, LoadBalancerArn: arn }, l.certificates, lt) });
    for (const rule of l.rules) {
      const rt = (rule.RuleArn ? childTags.get(rule.RuleArn) : undefined) ?? {};
      const spec = rule.RuleArn ? toRuleSpec(rule, listenerArn, rt) : undefined;
      if (spec) state.rules.push({ arn: rule.RuleArn as string, listenerArn, tags: rt, spec });
    }
  }
}

function securityGroupFilters(opts: Omit<ObserveOptions, 'family'>, families: readonly StackFamily[], onlyStack: string | undefined): Filter[] {
  const stackTags = families.map(stackTagKey);
  return [
    { Name: `tag:${TAG_CLUSTER}`, Values: [opts.clusterName] },
    // one family when a single stack is asked for
    onlyStack !== undefined ? { Name: `tag:${stackTags[0]}`, Values: [onlyStack] } : { Name: 'tag-key', Values: stackTags },
    ...(opts.vpcId !== undefined ? [{ Name: 'vpc-id', Values: [opts.vpcId] }] : []),
  ];
}

const byArn = (a: { arn: string }, b: { arn: string }): number => a.arn.localeCompare(b.arn);

function sortState(s: MutableState): ObservedState {
  return {
    loadBalancers: s.loadBalancers.sort(byArn),
    listeners: s.listeners.sort((a, b) => a.loadBalancerArn.localeCompare(b.loadBalancerArn) || a.spec.port - b.spec.port || byArn(a, b)),
    rules: s.rules.sort((a, b) => a.listenerArn.localeCompare(b.listenerArn) || a.spec.priority - b.spec.priority),
    targetGroups: s.targetGroups.sort(byArn),
    securityGroups: s.securityGroups.sort(byArn),
  };
}

/**
 * What the bulk read leaves out because few stacks use it, read only where the desired stack sets it: the
 * attributes of each kept listener whose desired spec has some, and the capacity reservation of the kept load
 * balancer when the desired one asks for one. One call each; none for a stack that sets neither.
 */
export async function observeExtras(elbv2: ElasticLoadBalancingV2Client, desired: Stack, observed: ObservedState): Promise<ObservedState> {
  const resourceTag = resourceTagKey(desired.family);
  let loadBalancers = observed.loadBalancers;
  const lb = desired.resources.find((r) => r.kind === 'LoadBalancer');
  const lbObserved = lb && observed.loadBalancers.find((o) => o.tags[resourceTag] === lb.id);
  if (lb?.kind === 'LoadBalancer' && lb.spec.minimumCapacityUnits !== undefined && lbObserved) {
    const units = await describeCapacityReservation(elbv2, lbObserved.arn);
    loadBalancers = observed.loadBalancers.map((o) => (o === lbObserved ? { ...o, spec: { ...o.spec, ...(units !== undefined ? { minimumCapacityUnits: units } : {}) } } : o));
  }
  const wanted = new Set(desired.resources.flatMap((r) => (r.kind === 'Listener' && r.spec.attributes ? [r.spec.port] : [])));
  const listeners = await mapLimit(observed.listeners, 4, async (l) =>
    (wanted.has(l.spec.port) && l.loadBalancerArn === lbObserved?.arn
      ? { ...l, spec: { ...l.spec, attributes: await describeListenerAttributes(elbv2, l.arn) } } : l));
  return { ...observed, loadBalancers, listeners };
}
