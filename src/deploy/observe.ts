// Reads what each stack owns in AWS and converts it to model specs (deploy/convert.ts). Stacks come in families:
// IngressGroups (ALBs, ingress.k8s.aws/stack) and Services (NLBs, service.k8s.aws/stack); the inventory
// (inventory.ts) lists one or more families at once, the details are read per stack.
//
// A load balancer, target group or security group belongs to stack S iff it carries
//   elbv2.k8s.aws/cluster=<cluster> and ingress.k8s.aws/stack=S (service.k8s.aws/stack=S for a Service)
// (model/tags.ts owningStack / isOwnedBy, the same predicate apply's assertOwned uses; the v1 controller's
// ingress.k8s.aws/cluster alone is not enough).
// Listeners and rules are read through their load balancer, so they belong to it whatever their tags.
//
// Two steps: the inventory (deploy/inventory.ts: one listing of the account, sorted by stack) says which load
// balancers, target groups and security groups a stack owns; observeStackDetails then reads what lies below them
// for that one stack. observeStack, observeAllStacks and observeEveryFamily run both (plan --live, the Service
// controller, tests); the IngressGroup controller keeps the inventory across reconciles and reads details only for
// the stacks that need them (ADR 0013).
//
// Not used: the Resource Groups Tagging API (GetResources by tag). moto filters it correctly, but on AWS it is
// eventually consistent (a just-created load balancer can be missing, a deleted one still listed, and
// DescribeLoadBalancers by ARN then fails for the whole batch), and it would still need the two Describe
// calls for the resources' details. The listings plus the ownership cache cost the same, read strongly.
//
// Details of one stack, AWS calls:
//   per owned LB           DescribeLoadBalancerAttributes 1 + DescribeListeners 1
//                          + per HTTP(S) listener: DescribeRules 1 (+ DescribeListenerCertificates 1 if HTTPS)
//                          + per TLS listener (NLB): DescribeListenerCertificates 1
//   per owned TG           DescribeTargetGroupAttributes 1
//   tags                   DescribeTags ⌈(listeners + rules + owned LBs and TGs whose tags the listing did not read)/20⌉
//   descriptions           only for an entry this controller changed since the listing: DescribeLoadBalancers 1 and
//                          DescribeTargetGroups 1 by ARN, DescribeSecurityGroups 1 by stack tag
// A typical stack (1 ALB, HTTP + HTTPS listeners, 4 rules, 3 target groups) costs 1+1+2+1+3+1 = 9 calls.
import type { Certificate, ElasticLoadBalancingV2Client, Listener, LoadBalancer, Rule } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { EC2Client, SecurityGroup } from '@aws-sdk/client-ec2';
import { describeSecurityGroups } from '../aws/ec2.ts';
import {
  describeCapacityReservation, describeListenerAttributes, describeListenerCertificates, describeListeners, describeLoadBalancerAttributes, describeLoadBalancers, describeRules, describeTags,
  describeTargetGroupAttributes, describeTargetGroups, describeTargetHealth,
} from '../aws/elbv2.ts';
import { mapLimit, tagMap } from '../aws/util.ts';
import type {
  ObservedListener, ObservedListenerRule, ObservedLoadBalancer, ObservedSecurityGroup, ObservedState, ObservedTargetGroup,
} from '../model/observed.ts';
import { owningStack, resourceTagKey } from '../model/tags.ts';
import type { Stack, StackFamily } from '../model/stack.ts';
import { toListenerSpec, toLoadBalancerSpec, toRuleSpec, toSecurityGroupSpec, toTargetGroupSpec } from './convert.ts';
import {
  listInventories, listInventory, securityGroupFilters, type Inventory, type InventoryOptions, type ListedResources, type StackInventory,
} from './inventory.ts';

export { OwnershipCache, DEFAULT_OWNERSHIP_TTL_MS } from './inventory.ts';
export type { OwnershipCacheOptions } from './inventory.ts';

export interface ObserveClients {
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly ec2: EC2Client;
}

export interface ObserveOptions extends InventoryOptions {
  /** parallel per-resource describe calls (the token buckets still apply) */
  readonly concurrency?: number;
}

export interface DetailOptions extends ObserveOptions {
  /** full tags the listing already read (Inventory.tags): not asked for again */
  readonly listedTags?: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** observed state of one stack (empty when it owns nothing) */
export async function observeStack(clients: ObserveClients, opts: ObserveOptions & { readonly stackId: string }): Promise<ObservedState> {
  const inv = await listInventory(clients, opts, opts.stackId);
  return observeStackDetails(clients, opts.stackId, inv.stack(opts.stackId), { ...opts, listedTags: inv.tags });
}

/** observed state of every stack of one family (IngressGroups by default) this cluster owns something for, keyed by stack ID */
export async function observeAllStacks(clients: ObserveClients, opts: ObserveOptions): Promise<Map<string, ObservedState>> {
  return observeListed(clients, opts, await listInventory(clients, opts));
}

/** every stack of the given families, in one pass (one listing serves them all), by family and stack ID */
export async function observeEveryFamily(clients: ObserveClients, opts: Omit<ObserveOptions, 'family'>,
  families: readonly StackFamily[] = ['ingress', 'service']): Promise<Map<StackFamily, Map<string, ObservedState>>> {
  const inventories = await listInventories(clients, opts, families);
  const out = new Map<StackFamily, Map<string, ObservedState>>();
  for (const family of families) {
    const inv = inventories.get(family);
    out.set(family, inv ? await observeListed(clients, { ...opts, family }, inv) : new Map());
  }
  return out;
}

/** the details of every stack an inventory names that owns something */
async function observeListed(clients: ObserveClients, opts: ObserveOptions, inv: Inventory): Promise<Map<string, ObservedState>> {
  const states = await mapLimit(inv.stackIds, opts.concurrency ?? 8, (id) => observeStackDetails(clients, id, inv.stack(id), { ...opts, listedTags: inv.tags }));
  const out = new Map<string, ObservedState>();
  inv.stackIds.forEach((id, i) => {
    const s = states[i] as ObservedState;
    if (s.loadBalancers.length + s.targetGroups.length + s.securityGroups.length > 0) out.set(id, s);
  });
  return out;
}

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

/** the descriptions of a stack's resources: as listed, or read again by ARN after this controller changed them */
async function describedResources(clients: ObserveClients, stackId: string, entry: StackInventory, opts: ObserveOptions): Promise<ListedResources> {
  if (entry.listed) return entry.listed;
  const [loadBalancers, targetGroups, securityGroups] = await Promise.all([
    entry.loadBalancerArns.length ? describeLoadBalancers(clients.elbv2, { arns: entry.loadBalancerArns }) : Promise.resolve([]),
    entry.targetGroupArns.length ? describeTargetGroups(clients.elbv2, { arns: entry.targetGroupArns }) : Promise.resolve([]),
    entry.securityGroupIds.length ? describeSecurityGroups(clients.ec2, { filters: securityGroupFilters(opts, stackId) }) : Promise.resolve([] as SecurityGroup[]),
  ]);
  return { loadBalancers, targetGroups, securityGroups };
}

/**
 * One stack in full: attributes, listeners (certificates), rules and tags of what its inventory entry names. The
 * full tags of its load balancers and target groups are read with the listener and rule tags (unless the listing
 * just read them); a resource whose fresh tags no longer make it this stack's is left out, and its verdict cached.
 */
export async function observeStackDetails(clients: ObserveClients, stackId: string, entry: StackInventory, opts: DetailOptions): Promise<ObservedState> {
  const { elbv2 } = clients;
  const concurrency = opts.concurrency ?? 8;
  const listed = await describedResources(clients, stackId, entry, opts);
  const lbs = listed.loadBalancers;
  const tgs = listed.targetGroups;

  const [lbReads, tgAttributes] = await Promise.all([
    mapLimit(lbs, concurrency, async (lb): Promise<LoadBalancerRead> => {
      const arn = lb.LoadBalancerArn as string;
      const [attributes, listeners] = await Promise.all([describeLoadBalancerAttributes(elbv2, arn), describeListeners(elbv2, arn)]);
      const reads = await mapLimit(listeners, concurrency, (l) => readListener(elbv2, l));
      return { lb, attributes, listeners: reads };
    }),
    mapLimit(tgs, concurrency, (tg) => describeTargetGroupAttributes(elbv2, tg.TargetGroupArn as string)),
  ]);

  // one batch: listener and rule tags, plus the full tags of the LBs and TGs the listing did not read tags for
  const listedTags = opts.listedTags ?? new Map<string, Readonly<Record<string, string>>>();
  const owned = [...lbs.map((l) => l.LoadBalancerArn as string), ...tgs.map((t) => t.TargetGroupArn as string)].filter((arn) => !listedTags.has(arn));
  const childArns = lbReads.flatMap((r) => r.listeners.flatMap((l) => [
    l.listener.ListenerArn as string,
    ...l.rules.filter((rule) => !rule.IsDefault && rule.RuleArn).map((rule) => rule.RuleArn as string),
  ]));
  const batch = [...owned, ...childArns];
  const more = batch.length > 0 ? await describeTags(elbv2, batch) : new Map<string, Record<string, string>>();
  const tagsOf = (arn: string): Readonly<Record<string, string>> => listedTags.get(arn) ?? more.get(arn) ?? {};
  // a verdict the fresh tags no longer support (retagged by hand) drops the resource
  const stillOwned = (arn: string): boolean => {
    if (opts.cache && !listedTags.has(arn)) opts.cache.set(arn, tagsOf(arn));
    return owningStack(tagsOf(arn), opts.clusterName, opts.family) === stackId;
  };

  const state = emptyState();
  for (const r of lbReads) {
    const arn = r.lb.LoadBalancerArn as string;
    if (stillOwned(arn)) addLoadBalancer(state, r, { ...tagsOf(arn) }, more);
  }
  tgs.forEach((tg, i) => {
    const arn = tg.TargetGroupArn as string;
    if (!stillOwned(arn)) return;
    const t = { ...tagsOf(arn) };
    state.targetGroups.push({ arn, tags: t, attributes: tgAttributes[i] ?? {}, spec: toTargetGroupSpec(tg, tgAttributes[i] ?? {}, t) });
  });
  addSecurityGroups(state, listed.securityGroups);
  return sortState(state);
}

/**
 * A stack about to be deleted: what its entry names, with nothing read below the load balancers (deleting a load
 * balancer takes its listeners and rules with it). The ownership tags are read fresh, as apply re-checks them before
 * every delete; the descriptions come from the listing (or by ARN after this controller changed the stack).
 */
export async function observeForDeletion(clients: ObserveClients, stackId: string, entry: StackInventory, opts: ObserveOptions): Promise<ObservedState> {
  const listed = await describedResources(clients, stackId, entry, opts);
  const arns = [...listed.loadBalancers.map((l) => l.LoadBalancerArn as string), ...listed.targetGroups.map((t) => t.TargetGroupArn as string)];
  const tags = arns.length > 0 ? await describeTags(clients.elbv2, arns) : new Map<string, Record<string, string>>();
  const ours = (arn: string): boolean => {
    opts.cache?.set(arn, tags.get(arn) ?? {});
    return owningStack(tags.get(arn), opts.clusterName, opts.family) === stackId;
  };
  const state = emptyState();
  for (const lb of listed.loadBalancers) {
    const arn = lb.LoadBalancerArn as string;
    if (ours(arn)) addLoadBalancer(state, { lb, attributes: {}, listeners: [] }, { ...tags.get(arn) }, new Map());
  }
  for (const tg of listed.targetGroups) {
    const arn = tg.TargetGroupArn as string;
    if (ours(arn)) state.targetGroups.push({ arn, tags: { ...tags.get(arn) }, attributes: {}, spec: toTargetGroupSpec(tg, {}, { ...tags.get(arn) }) });
  }
  addSecurityGroups(state, listed.securityGroups);
  return sortState(state);
}

function addSecurityGroups(state: MutableState, sgs: readonly SecurityGroup[]): void {
  for (const sg of sgs) {
    if (!sg.GroupId) continue;
    const t = tagMap(sg.Tags);
    state.securityGroups.push({ arn: sg.GroupId, groupId: sg.GroupId, tags: t, spec: toSecurityGroupSpec(sg, t) });
  }
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
 * attributes of each kept listener whose desired spec has some, the capacity reservation of the kept load
 * balancer when the desired one asks for one, and the registered ALB of each frontend NLB target group. One call
 * each; none for a stack that sets none of them.
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
  // a frontend NLB's target groups: which ALB is registered, on which port (one DescribeTargetHealth each)
  const albTargeted = new Set(desired.resources.flatMap((r) => (r.kind === 'TargetGroup' && r.spec.albTarget ? [r.id] : [])));
  const targetGroups = await mapLimit(observed.targetGroups, 4, async (t) => {
    const id = t.tags[resourceTag];
    if (id === undefined || !albTargeted.has(id)) return t;
    const target = (await describeTargetHealth(elbv2, t.arn)).find((h) => h.Target?.Id)?.Target;
    return target?.Id ? { ...t, spec: { ...t.spec, albTarget: { loadBalancer: target.Id, port: target.Port ?? 0 } } } : t;
  });
  return { ...observed, loadBalancers, listeners, targetGroups };
}
