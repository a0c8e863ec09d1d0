// The rules of one listener, before priorities are numbered, with two kinds of rule left out (as upstream
// does, for the legacy `actions.ssl-redirect` backend that Ingresses put on both HTTP and HTTPS ports):
//  - a redirect rule whose target is this same listener (it would redirect forever), and
//  - a rule that an earlier redirect rule already takes all the traffic of (it could never match).
// Only host-header and path-pattern conditions are compared; a redirect rule with any other
// condition shadows nothing.
import type { Action, ListenerProtocol, RuleCondition } from '../model/index.ts';

export interface OptimizableRule {
  readonly conditions: readonly RuleCondition[];
  readonly actions: readonly Action[];
}

export type DropReason = 'redirect-loop' | 'shadowed';

export interface Optimized<R extends OptimizableRule> {
  readonly kept: R[];
  /** left out, in input order, with the reason and (for `shadowed`) the kept rule that shadows it */
  readonly dropped: { readonly rule: R; readonly why: DropReason; readonly by?: R }[];
}

type RedirectConfig = Extract<Action, { type: 'redirect' }>['redirectConfig'];

const redirectOf = (actions: readonly Action[]): RedirectConfig | undefined => {
  for (const a of actions) if (a.type === 'redirect') return a.redirectConfig;
  return undefined;
};

interface HostsAndPaths {
  readonly hosts: Set<string>;
  readonly paths: Set<string>;
  /** true when the rule has a condition other than host-header and path-pattern */
  readonly other: boolean;
}

function hostsAndPaths(conditions: readonly RuleCondition[]): HostsAndPaths {
  const hosts = new Set<string>();
  const paths = new Set<string>();
  let other = false;
  for (const c of conditions) {
    if (c.field === 'host-header') for (const v of c.hostHeaderConfig.values) hosts.add(v);
    else if (c.field === 'path-pattern') for (const v of c.pathPatternConfig.values) paths.add(v);
    else other = true;
  }
  return { hosts, paths, other };
}

/** A redirect rule whose every part (protocol, port, host, path, query) stays what the request on this listener already has. */
export function redirectsToItself(port: number, protocol: ListenerProtocol, rule: OptimizableRule): boolean {
  const r = redirectOf(rule.actions);
  if (!r) return false;
  const { hosts, paths } = hostsAndPaths(rule.conditions);
  if (r.host !== undefined && r.host !== '#{host}' && !hosts.has(r.host)) return false;
  if (r.path !== undefined && r.path !== '/#{path}' && !paths.has(r.path)) return false;
  if (r.port !== undefined && r.port !== '#{port}' && r.port !== String(port)) return false;
  if (r.protocol !== undefined && r.protocol !== '#{protocol}' && r.protocol !== protocol) return false;
  if (r.query !== undefined && r.query !== '#{query}') return false;
  return true;
}

const isSubset = (small: ReadonlySet<string>, big: ReadonlySet<string>): boolean => [...small].every((x) => big.has(x));

function coversParts(e: HostsAndPaths, l: HostsAndPaths): boolean {
  if (e.other) return false;
  const hostsCovered = e.hosts.size === 0 || (l.hosts.size > 0 && isSubset(l.hosts, e.hosts));
  const pathsCovered = e.paths.size === 0 || e.paths.has('/*') || (l.paths.size > 0 && isSubset(l.paths, e.paths));
  return hostsCovered && pathsCovered;
}

/** Does every request that `later` matches also match `earlier` (judged on host and path only)? */
export function covers(earlier: readonly RuleCondition[], later: readonly RuleCondition[]): boolean {
  return coversParts(hostsAndPaths(earlier), hostsAndPaths(later));
}

type Indexed<R> = { readonly rule: R; readonly parts: HostsAndPaths; readonly at: number };

/**
 * The kept redirect rules of one listener, indexed so that finding the first one that covers a rule looks only
 * at those that can: a redirect with hosts covers a rule only if it holds every host of the rule, so one host of
 * the rule picks the list to search (plus the redirects without hosts, which may cover anything).
 */
export class KeptRedirects<R extends OptimizableRule> {
  #anyHost: Indexed<R>[] = [];
  #byHost = new Map<string, Indexed<R>[]>();
  #count = 0;

  /** remember a kept rule: only a redirect with no condition but hosts and paths can shadow later rules */
  keep(rule: R): void {
    if (redirectOf(rule.actions) === undefined) return;
    const parts = hostsAndPaths(rule.conditions);
    if (parts.other) return;
    const entry = { rule, parts, at: this.#count++ };
    if (parts.hosts.size === 0) this.#anyHost.push(entry);
    for (const h of parts.hosts) {
      const list = this.#byHost.get(h);
      if (list) list.push(entry);
      else this.#byHost.set(h, [entry]);
    }
  }

  /** the earliest kept redirect that covers a rule with these hosts and paths */
  firstCovering(l: HostsAndPaths): R | undefined {
    const first = (list: readonly Indexed<R>[] | undefined) => list?.find((e) => coversParts(e.parts, l));
    const a = first(this.#anyHost);
    const [oneHost] = l.hosts;
    const b = oneHost === undefined ? undefined : first(this.#byHost.get(oneHost));
    if (a && b) return (a.at < b.at ? a : b).rule;
    return (a ?? b)?.rule;
  }

  /** a copy that can grow apart from this one (the group's limits try a member on a copy of the totals) */
  clone(): KeptRedirects<R> {
    const c = new KeptRedirects<R>();
    c.#anyHost = [...this.#anyHost];
    c.#byHost = new Map([...this.#byHost].map(([h, list]) => [h, [...list]]));
    c.#count = this.#count;
    return c;
  }
}

/**
 * Why `rule` is left out after the rules kept before it on this listener, or undefined when it is kept.
 * Exported so that the group's limits (aws-limits.ts) count the rules the optimizer keeps, member by member.
 */
export function dropReason<R extends OptimizableRule>(port: number, protocol: ListenerProtocol, kept: KeptRedirects<R>, rule: R):
  { readonly why: DropReason; readonly by?: R } | undefined {
  if (redirectsToItself(port, protocol, rule)) return { why: 'redirect-loop' };
  const by = kept.firstCovering(hostsAndPaths(rule.conditions));
  return by ? { why: 'shadowed', by } : undefined;
}

/** Pure; keeps the order of the rules it keeps. */
export function optimizeRules<R extends OptimizableRule>(port: number, protocol: ListenerProtocol, rules: readonly R[]): Optimized<R> {
  const kept: R[] = [];
  const dropped: { rule: R; why: DropReason; by?: R }[] = [];
  const redirects = new KeptRedirects<R>();
  for (const rule of rules) {
    const drop = dropReason(port, protocol, redirects, rule);
    if (drop) { dropped.push({ rule, ...drop }); continue; }
    kept.push(rule);
    redirects.keep(rule);
  }
  return { kept, dropped };
}
