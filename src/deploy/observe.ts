// Reads what each Ingress stack owns in AWS, in bulk, and converts it to model specs (deploy/convert.ts).
//
// A load balancer, target group or security group belongs to stack S iff it carries
//   elbv2.k8s.aws/cluster=<cluster> (or the v1 controller's ingress.k8s.aws/cluster=<cluster>)
//   and ingress.k8s.aws/stack=S.
// Listeners and rules are read through their load balancer, so they belong to it whatever their tags.
//
// One pass serves every stack (observeAllStacks); observeStack runs the same pass and details one stack.
//
// AWS calls, for a VPC holding L load balancers and T target groups in all (owned or not):
//   shared by all stacks   DescribeLoadBalancers ⌈L/400⌉ + DescribeTargetGroups ⌈T/400⌉
//                          + DescribeTags ⌈(L+T)/20⌉ + DescribeSecurityGroups 1 (tag-filtered)
//   per owned LB           DescribeLoadBalancerAttributes 1 + DescribeListeners 1
//                          + per listener: DescribeRules 1 (+ DescribeListenerCertificates 1 if HTTPS)
//   per owned TG           DescribeTargetGroupAttributes 1
//   listener/rule tags     DescribeTags ⌈(listeners + rules)/20⌉ over all observed stacks
// A typical stack (1 ALB, HTTP + HTTPS listeners, 4 rules, 3 target groups) costs 1+1+2+1+3+1 = 9 calls
// of its own; observing one stack alone adds the shared 4 calls (for L+T ≤ 20).
import type { Certificate, ElasticLoadBalancingV2Client, Listener, LoadBalancer, Rule, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { EC2Client, Filter } from '@aws-sdk/client-ec2';
import { describeSecurityGroups } from '../aws/ec2.ts';
import {
  describeListenerCertificates, describeListeners, describeLoadBalancerAttributes, describeLoadBalancers, describeRules, describeTags,
  describeTargetGroupAttributes, describeTargetGroups,
} from '../aws/elbv2.ts';
import { mapLimit, tagMap } from '../aws/util.ts';
import type {
  ObservedListener, ObservedListenerRule, ObservedLoadBalancer, ObservedSecurityGroup, ObservedState, ObservedTargetGroup,
} from '../model/observed.ts';
import { LEGACY_TAG_INGRESS_CLUSTER, TAG_CLUSTER, TAG_INGRESS_STACK } from '../model/tags.ts';
import { toListenerSpec, toLoadBalancerSpec, toRuleSpec, toSecurityGroupSpec, toTargetGroupSpec } from './convert.ts';

export interface ObserveClients {
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly ec2: EC2Client;
}

export interface ObserveOptions {
  readonly clusterName: string;
  /** only resources in this VPC are considered (as upstream); all VPCs when omitted */
  readonly vpcId?: string;
  /** parallel per-resource describe calls (the token buckets still apply) */
  readonly concurrency?: number;
}

/** the stack an AWS resource belongs to, or undefined when this cluster does not own it */
export function owningStack(tags: Readonly<Record<string, string>>, clusterName: string): string | undefined {
  const stack = tags[TAG_INGRESS_STACK];
  if (stack === undefined || stack === '') return undefined;
  return tags[TAG_CLUSTER] === clusterName || tags[LEGACY_TAG_INGRESS_CLUSTER] === clusterName ? stack : undefined;
}

/** observed state of one stack (empty when it owns nothing) */
export async function observeStack(clients: ObserveClients, opts: ObserveOptions & { readonly stackId: string }): Promise<ObservedState> {
  const all = await observe(clients, opts, opts.stackId);
  return all.get(opts.stackId) ?? emptyState();
}

/** observed state of every stack this cluster owns something for, keyed by stack ID */
export function observeAllStacks(clients: ObserveClients, opts: ObserveOptions): Promise<Map<string, ObservedState>> {
  return observe(clients, opts, undefined);
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
  readonly stack: string;
  readonly lb: LoadBalancer;
  readonly tags: Record<string, string>;
  readonly attributes: Record<string, string>;
  readonly listeners: ListenerRead[];
}

async function observe(clients: ObserveClients, opts: ObserveOptions, onlyStack: string | undefined): Promise<Map<string, ObservedState>> {
  const { elbv2, ec2 } = clients;
  const concurrency = opts.concurrency ?? 8;
  const inVpc = (vpcId: string | undefined): boolean => opts.vpcId === undefined || vpcId === opts.vpcId;
  const wanted = (stack: string | undefined): stack is string => stack !== undefined && (onlyStack === undefined || stack === onlyStack);

  const [allLbs, allTgs, sgs] = await Promise.all([
    describeLoadBalancers(elbv2),
    describeTargetGroups(elbv2),
    describeSecurityGroups(ec2, { filters: securityGroupFilters(opts, onlyStack) }),
  ]);
  const lbs = allLbs.filter((lb) => lb.LoadBalancerArn && inVpc(lb.VpcId));
  const tgs = allTgs.filter((tg) => tg.TargetGroupArn && tg.VpcId !== undefined && inVpc(tg.VpcId));
  const tags = await describeTags(elbv2, [...lbs.map((l) => l.LoadBalancerArn as string), ...tgs.map((t) => t.TargetGroupArn as string)]);
  const tagsOf = (arn: string | undefined): Record<string, string> => (arn ? tags.get(arn) : undefined) ?? {};

  const ownedLbs = lbs
    .map((lb) => ({ lb, tags: tagsOf(lb.LoadBalancerArn), stack: owningStack(tagsOf(lb.LoadBalancerArn), opts.clusterName) }))
    .filter((x): x is { lb: LoadBalancer; tags: Record<string, string>; stack: string } => wanted(x.stack));
  const ownedTgs = tgs
    .map((tg) => ({ tg, tags: tagsOf(tg.TargetGroupArn), stack: owningStack(tagsOf(tg.TargetGroupArn), opts.clusterName) }))
    .filter((x): x is { tg: TargetGroup; tags: Record<string, string>; stack: string } => wanted(x.stack));

  const [lbReads, tgAttributes] = await Promise.all([
    mapLimit(ownedLbs, concurrency, async ({ lb, tags: t, stack }): Promise<LoadBalancerRead> => {
      const arn = lb.LoadBalancerArn as string;
      const [attributes, listeners] = await Promise.all([describeLoadBalancerAttributes(elbv2, arn), describeListeners(elbv2, arn)]);
      const reads = await mapLimit(listeners, concurrency, (l) => readListener(elbv2, l));
      return { stack, lb, tags: t, attributes, listeners: reads };
    }),
    mapLimit(ownedTgs, concurrency, ({ tg }) => describeTargetGroupAttributes(elbv2, tg.TargetGroupArn as string)),
  ]);

  const childArns = lbReads.flatMap((r) => r.listeners.flatMap((l) => [
    l.listener.ListenerArn as string,
    ...l.rules.filter((rule) => !rule.IsDefault && rule.RuleArn).map((rule) => rule.RuleArn as string),
  ]));
  const childTags = childArns.length > 0 ? await describeTags(elbv2, childArns) : new Map<string, Record<string, string>>();

  const states = new Map<string, MutableState>();
  const stateOf = (stack: string): MutableState => {
    let s = states.get(stack);
    if (!s) states.set(stack, (s = emptyState()));
    return s;
  };

  for (const r of lbReads) addLoadBalancer(stateOf(r.stack), r, childTags);
  ownedTgs.forEach(({ tg, tags: t, stack }, i) => {
    stateOf(stack).targetGroups.push({ arn: tg.TargetGroupArn as string, tags: t, attributes: tgAttributes[i] ?? {}, spec: toTargetGroupSpec(tg, tgAttributes[i] ?? {}, t) });
  });
  for (const sg of sgs) {
    const t = tagMap(sg.Tags);
    const stack = owningStack(t, opts.clusterName);
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
    describeRules(elbv2, arn),
    listener.Protocol === 'HTTPS' ? describeListenerCertificates(elbv2, arn) : Promise.resolve(undefined),
  ]);
  return { listener, rules, certificates };
}

function addLoadBalancer(state: MutableState, r: LoadBalancerRead, childTags: ReadonlyMap<string, Record<string, string>>): void {
  const arn = r.lb.LoadBalancerArn as string;
  state.loadBalancers.push({
    arn,
    tags: r.tags,
    attributes: r.attributes,
    dnsName: r.lb.DNSName ?? '',
    ...(r.lb.CanonicalHostedZoneId ? { canonicalHostedZoneId: r.lb.CanonicalHostedZoneId } : {}),
    spec: toLoadBalancerSpec(r.lb, r.attributes, r.tags),
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

function securityGroupFilters(opts: ObserveOptions, onlyStack: string | undefined): Filter[] {
  return [
    { Name: `tag:${TAG_CLUSTER}`, Values: [opts.clusterName] },
    onlyStack !== undefined ? { Name: `tag:${TAG_INGRESS_STACK}`, Values: [onlyStack] } : { Name: 'tag-key', Values: [TAG_INGRESS_STACK] },
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
