// AWS's count limits, checked while building, so that a plan never asks AWS for more than it grants. Value
// formats (characters, lengths, ranges) are checked where each value is parsed (annotations/, class-params.ts);
// this module counts: per rule, per forward action, per member, and per load balancer.
//
// Sources:
// - Quotas for your Application Load Balancers:
//   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
//   (listeners 50, certificates 25 not counting default ones, rules 100 not counting default ones: adjustable;
//    target groups per load balancer 100, target groups per action 5, condition values per rule 5, condition
//    wildcards per rule 5: fixed)
// - Condition types for listener rules (at most one host-header, http-request-method, path-pattern and source-ip
//   condition per rule): https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html
//   That page also says "up to three match evaluations per condition"; the API enforces the per-rule count
//   ("A rule can only have '5' condition values"), which is the one checked here.
// - Amazon VPC quotas, security groups (60 inbound rules, adjustable, counted separately for IPv4 and IPv6; a
//   prefix-list reference counts as the list's maximum number of entries, which the builder cannot know, so it is
//   counted as one): https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
// - Tags per resource, 50, those with the "aws:" prefix not counted:
//   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-tags.html
// - Trust stores, 2 per Application Load Balancer (mutual TLS, "Quotas for your Application Load Balancers", also in
//   upstream's mutual-authentication docs); counted by the name or ARN the annotation gives, before names are resolved
//
// Limits on the whole group (listeners, rules, target groups, certificates, inbound rules, tags of the load
// balancer) are met by leaving members out, never the whole group: members are admitted in the order they
// joined the group (seniority, ADR 6, the order that already decides conflicts), and a member whose
// contribution would take a total over its limit is left out with an Issue naming that limit; the members
// after it are still considered. So the group keeps serving everything that fits, and the member refused is
// the first one that does not (ADR 9).
import type { Action, ForwardTarget, Issue, ListenerProtocol, RuleCondition } from '../model/index.ts';
import { isRef } from '../model/index.ts';
// from model, not annotations/: caps.ts, which annotations/ read, imports this module
import { ANNOTATION_PREFIX as PREFIX } from '../model/upstream-keys.ts';
import type { MemberRule } from './build-rules.ts';
import type { MemberContribution } from './build-member.ts';
import type { BuildContext } from './context.ts';
import type { GroupState } from './merge.ts';
import { dropReason, KeptRedirects } from './rule-optimizer.ts';
import { issue } from './snapshot.ts';

/** Quotas an account can have raised: controller flags, defaulting to AWS's defaults. */
export interface AwsQuotas {
  readonly rulesPerLoadBalancer: number;
  readonly listenersPerLoadBalancer: number;
  readonly certificatesPerLoadBalancer: number;
  readonly inboundRulesPerSecurityGroup: number;
}

export const AWS_DEFAULT_QUOTAS: AwsQuotas = Object.freeze({
  rulesPerLoadBalancer: 100,
  listenersPerLoadBalancer: 50,
  certificatesPerLoadBalancer: 25,
  inboundRulesPerSecurityGroup: 60,
});

/** the flag that raises each quota (src/config/config.ts) */
export const QUOTA_FLAGS: Readonly<Record<keyof AwsQuotas, string>> = {
  rulesPerLoadBalancer: 'max-rules-per-load-balancer',
  listenersPerLoadBalancer: 'max-listeners-per-load-balancer',
  certificatesPerLoadBalancer: 'max-certificates-per-load-balancer',
  inboundRulesPerSecurityGroup: 'max-inbound-rules-per-security-group',
};

/**
 * the highest value each quota flag accepts. The input caps on listen ports and paths (caps.ts) sit at these:
 * no quota the flags can set takes input beyond them.
 */
export const QUOTA_FLAG_MAX: Readonly<Record<keyof AwsQuotas, number>> = {
  rulesPerLoadBalancer: 10_000,
  listenersPerLoadBalancer: 10_000,
  certificatesPerLoadBalancer: 10_000,
  inboundRulesPerSecurityGroup: 1_000,
};

export const LIMIT_CODE = 'AwsLimitExceeded';

interface Limit {
  readonly what: string;
  readonly per: string;
  readonly max: number;
  /** set for a quota an account can raise */
  readonly flag?: string;
}

/** e.g. "ALB listeners: at most 50 per load balancer (AWS quota, --max-listeners-per-load-balancer)" */
export const describeLimit = (l: Limit): string => `${l.what}: at most ${l.max} per ${l.per} (${l.flag ? `AWS quota, --${l.flag}` : 'AWS limit'})`;

const quota = (q: AwsQuotas, key: keyof AwsQuotas, what: string, per: string): Limit => ({ what, per, max: q[key], flag: QUOTA_FLAGS[key] });

export function limitsOf(q: AwsQuotas = AWS_DEFAULT_QUOTAS) {
  return {
    listeners: quota(q, 'listenersPerLoadBalancer', 'ALB listeners', 'load balancer'),
    rules: quota(q, 'rulesPerLoadBalancer', 'ALB listener rules (default rules not counted)', 'load balancer'),
    certificates: quota(q, 'certificatesPerLoadBalancer', 'ALB certificates (each listener\'s default certificate not counted)', 'load balancer'),
    inboundRules: quota(q, 'inboundRulesPerSecurityGroup', 'inbound rules', 'security group and IP version'),
    targetGroups: { what: 'ALB target groups', per: 'load balancer', max: 100 },
    tags: { what: 'tags (the controller\'s 3 included)', per: 'resource', max: 50 },
    conditionValues: { what: 'ALB rule condition values', per: 'rule', max: 5 },
    wildcards: { what: 'ALB rule condition wildcards (* and ?)', per: 'rule', max: 5 },
    trustStores: { what: 'trust stores (mutual-authentication verify)', per: 'Application Load Balancer', max: 2 },
  } satisfies Record<string, Limit>;
}

const DEFAULT_LIMITS = limitsOf();
/** the ownership tags every resource carries (stackTags) */
const OWN_TAGS = 3;

const exceeded = (l: Limit, count: number, what: string): string => `${what} ${count}; ${describeLimit(l)}`;

// ---- one rule, one forward action ------------------------------------------------------------

const SINGLE: ReadonlySet<RuleCondition['field']> = new Set(['host-header', 'http-request-method', 'path-pattern', 'source-ip']);

/** a condition's values; `regex`: how many regexValues it has besides them (they count as values, not as wildcards) */
function valuesOf(c: RuleCondition): { values: readonly string[]; wild: boolean; regex?: number } {
  switch (c.field) {
    case 'host-header': return { values: c.hostHeaderConfig.values, wild: true, regex: c.hostHeaderConfig.regexValues?.length ?? 0 };
    case 'path-pattern': return { values: c.pathPatternConfig.values, wild: true, regex: c.pathPatternConfig.regexValues?.length ?? 0 };
    case 'http-header': return { values: c.httpHeaderConfig.values, wild: true, regex: c.httpHeaderConfig.regexValues?.length ?? 0 };
    case 'http-request-method': return { values: c.httpRequestMethodConfig.values, wild: false };
    case 'source-ip': return { values: c.sourceIpConfig.values, wild: false };
    case 'query-string': return { values: c.queryStringConfig.values.map((v) => `${v.key ?? ''}${v.value}`), wild: true };
  }
}

/** Why AWS would refuse a rule with these conditions, or undefined. */
export function ruleConditionsProblem(conditions: readonly RuleCondition[]): string | undefined {
  const seen = new Set<string>();
  let values = 0;
  let wildcards = 0;
  const parts: string[] = [];
  for (const c of conditions) {
    if (SINGLE.has(c.field) && seen.has(c.field)) return `the rule has more than one ${c.field} condition; a rule takes at most one (AWS limit)`;
    seen.add(c.field);
    const v = valuesOf(c);
    const n = v.values.length + (v.regex ?? 0);
    values += n;
    parts.push(`${c.field} ${n}`);
    if (v.wild) for (const s of v.values) wildcards += s.replace(/[^*?]/g, '').length;
  }
  const L = DEFAULT_LIMITS;
  if (values > L.conditionValues.max) return exceeded(L.conditionValues, values, `the rule has condition values: ${parts.join(', ')}, in all`);
  if (wildcards > L.wildcards.max) return exceeded(L.wildcards, wildcards, 'the rule\'s condition values hold wildcards:');
  return undefined;
}

const targetKey = (t: ForwardTarget): string => (isRef(t.targetGroupArn) ? `ref:${t.targetGroupArn.$ref.id}` : t.targetGroupArn);

/** Why AWS would refuse a forward action to these target groups (each at most once), or undefined. */
export function forwardTargetsProblem(targets: readonly ForwardTarget[]): string | undefined {
  const seen = new Set<string>();
  for (const t of targets) {
    const key = targetKey(t);
    if (seen.has(key)) {
      const name = isRef(t.targetGroupArn) ? `of backend ${t.targetGroupArn.$ref.id}` : t.targetGroupArn;
      return `the forward action names the target group ${name} twice; AWS takes each target group once per action`;
    }
    seen.add(key);
  }
  return undefined;
}

/**
 * Why AWS would refuse this many tags on one resource, or undefined. `userKeys`: the tags besides the
 * controller's own three, which are counted too; keys with "aws:" are AWS's and not counted.
 */
export function tagCountProblem(userKeys: Iterable<string>, resource: string): string | undefined {
  let n = OWN_TAGS;
  for (const k of new Set(userKeys)) if (!k.toLowerCase().startsWith('aws:')) n++;
  return n > DEFAULT_LIMITS.tags.max ? exceeded(DEFAULT_LIMITS.tags, n, `the ${resource} would carry tags:`) : undefined;
}

const keysOf = (...maps: readonly Readonly<Record<string, string>>[]): string[] => maps.flatMap((m) => Object.keys(m));

// ---- one member ------------------------------------------------------------------------------

/** Limits a member exceeds on its own, whatever the rest of its group is. */
export function memberLimitIssues(ctx: BuildContext, c: MemberContribution): Issue[] {
  const L = limitsOf(ctx.config.quotas);
  const out: Issue[] = [];
  const ref = c.member.ref;
  if (c.ports.size > L.listeners.max) {
    out.push(issue(ref, `${PREFIX}listen-ports`, LIMIT_CODE, exceeded(L.listeners, c.ports.size, 'this Ingress asks for listen ports:')));
  }
  // the tags of this member's listener rules: its own tags and the default tags
  const ruleTags = tagCountProblem(keysOf(c.tags, ctx.config.defaultTags), 'listener rules of this Ingress');
  if (ruleTags) out.push(issue(ref, c.tagsField, LIMIT_CODE, ruleTags));
  return out;
}

// ---- the whole group -------------------------------------------------------------------------

interface PortTotals {
  readonly protocol: ListenerProtocol;
  /** listener rules the optimizer keeps, and the kept redirect rules (the only ones that shadow later rules) */
  rules: number;
  readonly redirects: KeptRedirects<MemberRule>;
  /** certificate keys (JSON, so that Unknowns compare too) */
  readonly certificates: Set<string>;
  cidrs?: readonly string[];
  /** the port's managed prefix lists (the first member to set them holds them, as in the merge) */
  prefixLists?: readonly string[];
}

/** What the members admitted so far add up to. */
interface Totals {
  readonly ports: Map<number, PortTotals>;
  readonly targetGroups: Set<string>;
  readonly tags: Set<string>;
  /** trust stores of the listeners in verify mode, by the name or ARN the members gave */
  readonly trustStores: Set<string>;
  readonly sslRedirect: boolean;
  readonly dualstack: boolean;
}

const emptyTotals = (): Totals => ({ ports: new Map(), targetGroups: new Set(), tags: new Set(), trustStores: new Set(), sslRedirect: false, dualstack: false });

/** Target groups a member puts on the load balancer: its own, and those its actions name by ARN. */
function targetGroupsOf(c: MemberContribution): { key: string; field: string }[] {
  const out = c.targetGroups.map((tg) => ({ key: `ref:${tg.id}`, field: tg.field }));
  const byArn = (actions: readonly Action[], field: string) => {
    for (const a of actions) {
      if (a.type !== 'forward') continue;
      for (const t of a.forwardConfig.targetGroups) if (!isRef(t.targetGroupArn)) out.push({ key: t.targetGroupArn, field });
    }
  };
  for (const r of c.rules) byArn(r.actions, `${r.source}.backend`);
  if (c.defaultActions) byArn(c.defaultActions, 'spec.defaultBackend');
  return out;
}

/** inbound rules of the managed security group per IP version, as buildManagedSecurityGroup makes them */
function inboundRules(t: Totals): { ipv4: number; ipv6: number } {
  let ipv4 = 0;
  let ipv6 = 0;
  for (const p of t.ports.values()) {
    const prefixLists = p.prefixLists ?? [];
    const cidrs = p.cidrs ?? (prefixLists.length > 0 ? [] : t.dualstack ? ['0.0.0.0/0', '::/0'] : ['0.0.0.0/0']);
    for (const cidr of cidrs) {
      if (!cidr.includes(':')) ipv4++;
      else if (t.dualstack) ipv6++;
    }
    ipv4 += prefixLists.length;
  }
  return { ipv4, ipv6 };
}

/** HTTP listeners that redirect to HTTPS (ssl-redirect) get no rules */
const hasRules = (t: Pick<Totals, 'sslRedirect'>, p: Pick<PortTotals, 'protocol'>): boolean => !(t.sslRedirect && p.protocol === 'HTTP');
const ruleCount = (t: Totals): number => [...t.ports.values()].reduce((n, p) => n + (hasRules(t, p) ? p.rules : 0), 0);
const extraCertificates = (t: Totals): number => [...t.ports.values()].reduce((n, p) => n + Math.max(0, p.certificates.size - 1), 0);

/**
 * The totals with member `c` admitted, as a copy (`t` is left as it is). Rules are kept or dropped as the rule
 * optimizer would (same order: members in group order, each member's rules in its order); counting stops once
 * a listener alone is over the rule quota, since the member is refused then anyway.
 */
function admit(t: Totals, c: MemberContribution, maxRules: number): Totals {
  const n: Totals = {
    ports: new Map([...t.ports].map(([k, p]) => [k, { ...p, redirects: p.redirects.clone(), certificates: new Set(p.certificates) }])),
    targetGroups: new Set([...t.targetGroups, ...targetGroupsOf(c).map((tg) => tg.key)]),
    tags: new Set([...t.tags, ...Object.keys(c.tags)]),
    trustStores: new Set(t.trustStores),
    sslRedirect: t.sslRedirect || c.sslRedirect !== undefined,
    dualstack: t.dualstack || (c.ipAddressType !== undefined && c.ipAddressType.value !== 'ipv4'),
  };
  for (const [port, pc] of c.ports) {
    let p = n.ports.get(port);
    if (!p) n.ports.set(port, (p = { protocol: pc.protocol, rules: 0, redirects: new KeptRedirects(), certificates: new Set() }));
    if (p.cidrs === undefined && pc.inboundCidrs) p.cidrs = pc.inboundCidrs.value;
    if (p.prefixLists === undefined && pc.prefixLists) p.prefixLists = pc.prefixLists.value;
    const trustStore = pc.mutualAuthentication?.value.trustStore;
    if (trustStore !== undefined) n.trustStores.add(trustStore);
    for (const cert of pc.certificates) p.certificates.add(JSON.stringify(cert));
    if (!hasRules(n, p)) continue;
    for (const rule of c.rules) {
      if (p.rules > maxRules) break;
      if (dropReason(port, p.protocol, p.redirects, rule)) continue;
      p.rules++;
      p.redirects.keep(rule);
    }
  }
  return n;
}

/** An Issue for every group limit that admitting `c` (before → after) breaks; empty when it fits. */
function overLimits(ctx: BuildContext, state: GroupState, before: Totals, after: Totals, c: MemberContribution): Issue[] {
  const L = limitsOf(ctx.config.quotas);
  const ref = c.member.ref;
  const lb = `the load balancer of group ${ctx.stackId}`;
  const out: Issue[] = [];
  const check = (l: Limit, count: number, field: string, what: string) => {
    if (count > l.max) out.push(issue(ref, field, LIMIT_CODE, exceeded(l, count, `with this Ingress ${lb} would have ${what}`)));
  };
  check(L.listeners, after.ports.size, `${PREFIX}listen-ports`, 'listeners:');
  check(L.rules, ruleCount(after), 'spec.rules', 'listener rules:');
  const newTargetGroup = targetGroupsOf(c).find((tg) => !before.targetGroups.has(tg.key));
  check(L.targetGroups, after.targetGroups.size, newTargetGroup?.field ?? 'spec.rules', 'target groups:');
  check(L.certificates, extraCertificates(after), c.certificatesField, 'certificates besides the default ones:');
  check(L.trustStores, after.trustStores.size, `${PREFIX}mutual-authentication`, 'trust stores:');
  if (!state.securityGroups) {
    const rules = inboundRules(after);
    const ports = [...c.ports.values()];
    const field = ports.find((p) => p.inboundCidrs)?.inboundCidrs?.field ?? ports.find((p) => p.prefixLists)?.prefixLists?.field ?? `${PREFIX}listen-ports`;
    check(L.inboundRules, rules.ipv4, field, 'IPv4 inbound rules in its managed security group:');
    check(L.inboundRules, rules.ipv6, field, 'IPv6 inbound rules in its managed security group:');
  }
  const tags = tagCountProblem([...after.tags, ...Object.keys(ctx.config.defaultTags)], `${lb} (and its listeners and security group)`);
  if (tags) out.push(issue(ref, c.tagsField, LIMIT_CODE, `with this Ingress, ${tags}`));
  return out;
}

/**
 * The members to leave out of the group so that its load balancer stays within AWS's limits: admitted one by
 * one in the order they joined (seniority, ADR 6), each left out (with its Issues) when it does not fit with those admitted before it.
 */
export function groupLimitIssues(ctx: BuildContext, state: GroupState): Map<string, Issue[]> {
  const maxRules = limitsOf(ctx.config.quotas).rules.max;
  const out = new Map<string, Issue[]>();
  let totals = emptyTotals();
  for (const c of state.accepted) {
    const next = admit(totals, c, maxRules);
    const issues = overLimits(ctx, state, totals, next, c);
    if (issues.length > 0) out.set(c.member.key, issues);
    else totals = next;
  }
  return out;
}
